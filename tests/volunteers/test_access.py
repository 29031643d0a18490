"""Who sees which volunteers and teams: the role × scope matrix, pages and API alike, the team leader included.

刘队长 (team_leader) leads 幸福来敲门 of 东园 (刘队长, 陈小红); 孙送餐 leads 筷乐送餐 of 西园. Outside a user's scope
a volunteer or team answers 404; a write the role may not make, 403.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# persona → (volunteers read, volunteers changed, teams read)
MATRIX = {
    "district": ({"liu", "xiaohong", "sun"}, set(), {"happy", "west"}),
    "admin": ({"liu", "xiaohong", "sun"}, {"liu", "xiaohong", "sun"}, {"happy", "west"}),
    "leader": ({"liu", "xiaohong", "sun"}, set(), {"happy", "west"}),
    "staff_east": ({"liu", "xiaohong"}, {"liu", "xiaohong"}, {"happy"}),
    "staff_west": ({"sun"}, {"sun"}, {"west"}),
    "gridder": ({"liu", "xiaohong"}, set(), {"happy"}),
    "team_leader": ({"liu", "xiaohong"}, set(), {"happy"}),
    "other_admin": (set(), set(), set()),
}
NO_VOLUNTEERS = ["operator", "auditor", "security"]
VOLUNTEERS = ["liu", "xiaohong", "sun"]
TEAMS = ["happy", "west"]


@pytest.fixture
def crowd(team_leader, happy_team, xiaohong, west_team):
    return {"liu": team_leader.volunteer, "xiaohong": xiaohong, "sun": west_team.leader,
            "happy": happy_team, "west": west_team}


def _cases():
    for persona, (read, write, _) in MATRIX.items():
        for who in VOLUNTEERS:
            yield pytest.param(persona, who, 200 if who in read else 404,
                               404 if who not in read else (200 if who in write else 403), id=f"{persona}-{who}")


@pytest.mark.parametrize("persona, who, read, write", list(_cases()))
def test_volunteer_detail_and_patch_follow_the_matrix(request, api, web, crowd, persona, who, read, write):
    user = request.getfixturevalue(persona)
    volunteer = crowd[who]
    assert api.as_(user).get(f"/api/v1/volunteers/{volunteer.pk}/").status_code == read
    assert web.as_(user).get(reverse("volunteers:volunteer_detail", args=[volunteer.pk])).status_code == read
    response = api.as_(user).patch(f"/api/v1/volunteers/{volunteer.pk}/", {"skills": "剪发"}, format="json")
    assert response.status_code == write
    volunteer.refresh_from_db()
    assert (volunteer.skills == "剪发") == (write == 200)
    # The edit page: for a keeper in scope only (a reader gets 403, the page itself is the keepers').
    edit = web.as_(user).get(reverse("volunteers:volunteer_update", args=[volunteer.pk])).status_code
    assert edit == (200 if who in MATRIX[persona][1] else 403 if persona not in ("admin", "staff_east", "staff_west",
                                                                                 "other_admin") else 404)


@pytest.mark.parametrize("persona", list(MATRIX))
def test_lists_show_exactly_the_volunteers_and_teams_in_scope(request, api, web, crowd, persona):
    user = request.getfixturevalue(persona)
    volunteers = {crowd[w].pk for w in MATRIX[persona][0]}
    teams = {crowd[t].pk for t in MATRIX[persona][2]}
    assert {v["id"] for v in api.as_(user).get("/api/v1/volunteers/").json()["results"]} == volunteers
    assert {t["id"] for t in api.as_(user).get("/api/v1/teams/").json()["results"]} == teams
    assert {v.pk for v in web.as_(user).get(reverse("volunteers:volunteer_list")).context["object_list"]} == volunteers
    assert {t.pk for t in web.as_(user).get(reverse("volunteers:team_list")).context["object_list"]} == teams
    for team in TEAMS:
        expected = 200 if team in MATRIX[persona][2] else 404
        assert api.as_(user).get(f"/api/v1/teams/{crowd[team].pk}/").status_code == expected
        assert web.as_(user).get(reverse("volunteers:team_detail", args=[crowd[team].pk])).status_code == expected


@pytest.mark.parametrize("persona", NO_VOLUNTEERS)
def test_roles_without_business_here_are_refused_every_volunteer_page_and_endpoint(request, api, web, crowd, persona):
    user = request.getfixturevalue(persona)
    for url in ("/api/v1/volunteers/", f"/api/v1/volunteers/{crowd['liu'].pk}/", "/api/v1/teams/",
                f"/api/v1/teams/{crowd['happy'].pk}/"):
        assert api.as_(user).get(url).status_code == 403, url
    for name, args in (("volunteer_list", []), ("volunteer_detail", [crowd["liu"].pk]), ("team_list", []),
                       ("team_detail", [crowd["happy"].pk]), ("volunteer_create", []), ("team_create", [])):
        assert web.as_(user).get(reverse(f"volunteers:{name}", args=args)).status_code == 403, name


def test_a_team_leader_changes_no_team_and_registers_no_volunteer(api, web, crowd, team_leader):
    client = api.as_(team_leader)
    assert client.post("/api/v1/volunteers/", {"name": "新人", "id_number": "x"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/teams/{crowd['happy'].pk}/", {"name": "改名"}, format="json").status_code == 403
    assert client.post(f"/api/v1/teams/{crowd['happy'].pk}/members/", {"volunteer": crowd["liu"].pk},
                       format="json").status_code == 403
    assert web.as_(team_leader).get(reverse("volunteers:team_create")).status_code == 403


def test_a_team_leader_sees_nothing_of_the_registry(api, web, team_leader, people):
    for url in ("/api/v1/residents/", f"/api/v1/residents/{people['zhang'].pk}/", "/api/v1/households/",
                "/api/v1/cases/", "/api/v1/visits/"):
        assert api.as_(team_leader).get(url).status_code in (403, 404), url
    assert web.as_(team_leader).get(reverse("residents:resident_list")).status_code == 403
    # Their start page is their team's work.
    assert web.as_(team_leader).get("/").status_code == 302
