"""王丽 registers the volunteers of 东园 and forms its teams; the numbers are checked and kept as a resident's."""

import pytest

from jiedao.models import AuditEntry
from residents import id_numbers
from tests.volunteers.factories import MembershipFactory, VolunteerFactory
from volunteers import services
from volunteers.models import TeamMembership, Volunteer

pytestmark = pytest.mark.django_db

NUMBER = id_numbers.make("110105", __import__("datetime").date(1975, 4, 3), 120, female=True)


def _register(api, user, **data):
    body = {"name": "赵红梅", "id_number": NUMBER, "phone": "13800001111", "community": None, "skills": "理发",
            "party_member": True, "work_unit": "区教育局", **data}
    return api.as_(user).post("/api/v1/volunteers/", body, format="json")


def test_staff_register_a_volunteer_whose_number_is_stored_encrypted_and_listed_masked(api, staff_east, east):
    response = _register(api, staff_east, community=east.pk)
    assert response.status_code == 201, response.json()
    assert response.json()["id_number"] == id_numbers.mask(NUMBER)
    volunteer = Volunteer.objects.get()
    assert volunteer.id_number == NUMBER and volunteer.subdistrict_id == east.subdistrict_id
    listed = api.as_(staff_east).get("/api/v1/volunteers/").json()["results"][0]
    assert listed["id_number"] == "110105********" + NUMBER[-4:] and listed["phone"] == "138****1111"
    # The audit entry keeps the change, never the number.
    entry = AuditEntry.objects.get(action="create", target_type="volunteer")
    assert NUMBER not in str(entry.changes) and "13800001111" not in str(entry.changes)


def test_a_mistyped_number_is_refused_with_the_registrys_own_message(api, staff_east, east):
    wrong = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    response = _register(api, staff_east, community=east.pk, id_number=wrong)
    assert response.status_code == 400
    assert response.json()["id_number"] == ["身份证号校验位不符：号码中有数字输错，请对照身份证逐位核对。"]
    assert not Volunteer.objects.exists()


def test_a_number_registered_twice_is_refused(api, staff_east, east):
    assert _register(api, staff_east, community=east.pk).status_code == 201
    again = _register(api, staff_east, community=east.pk, name="赵红")
    assert again.status_code == 400 and "已登记为志愿者" in again.json()["id_number"][0]


def test_a_volunteer_who_lives_here_is_linked_to_their_resident_record(api, staff_east, east, zhang):
    response = _register(api, staff_east, community=east.pk, id_number=zhang.id_number, name=zhang.name)
    assert response.json()["resident"] == zhang.pk
    assert api.as_(staff_east).get("/api/v1/volunteers/?resident=true").json()["count"] == 1


def test_staff_cannot_register_in_another_community_nor_for_the_whole_subdistrict(api, staff_east, west):
    assert _register(api, staff_east, community=west.pk).status_code == 400
    assert _register(api, staff_east).json()["community"] == ["请选择社区（全街道的由街道管理员登记）。"]


def test_an_update_writes_and_logs_only_what_changed(api, admin, east):
    volunteer = VolunteerFactory(community=east, skills="理发")
    response = api.as_(admin).patch(f"/api/v1/volunteers/{volunteer.pk}/", {"skills": "理发、维修",
                                                                            "name": volunteer.name}, format="json")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="update", target_type="volunteer")
    assert entry.changes == {"skills": ["理发", "理发、维修"]}


def test_the_detail_shows_a_keeper_the_full_number_and_logs_it(api, staff_east, team_leader, xiaohong):
    full = api.as_(staff_east).get(f"/api/v1/volunteers/{xiaohong.pk}/").json()
    assert full["id_number"] == xiaohong.id_number
    assert AuditEntry.objects.filter(action="view_full", target_type="volunteer").count() == 1
    # The team leader sees their member, masked.
    masked = api.as_(team_leader).get(f"/api/v1/volunteers/{xiaohong.pk}/").json()
    assert masked["id_number"] == xiaohong.id_number_masked


def test_search_matches_a_whole_number_or_the_last_four_never_a_prefix(api, staff_east, east):
    volunteer = VolunteerFactory(community=east)
    find = lambda q: api.as_(staff_east).get("/api/v1/volunteers/", {"id_number": q}).json()["count"]  # noqa: E731
    assert find(volunteer.id_number) == 1
    assert find(volunteer.id_number[-4:]) == 1
    assert find(volunteer.id_number[:10]) == 0
    assert AuditEntry.objects.filter(action="search").count() == 1  # the whole number, masked in the log
    assert volunteer.id_number not in str(AuditEntry.objects.get(action="search").changes)


def test_a_member_who_leaves_stays_in_the_teams_history_and_may_join_again(api, staff_east, happy_team, xiaohong):
    leave = api.as_(staff_east).post(f"/api/v1/teams/{happy_team.pk}/leave/", {"volunteer": xiaohong.pk},
                                     format="json")
    assert leave.status_code == 200 and leave.json()["left_on"]
    assert xiaohong.pk not in api.as_(staff_east).get(f"/api/v1/teams/{happy_team.pk}/").json()["members"]
    join = api.as_(staff_east).post(f"/api/v1/teams/{happy_team.pk}/members/", {"volunteer": xiaohong.pk},
                                    format="json")
    assert join.status_code == 201
    assert TeamMembership.objects.filter(team=happy_team, volunteer=xiaohong).count() == 2
    twice = api.as_(staff_east).post(f"/api/v1/teams/{happy_team.pk}/members/", {"volunteer": xiaohong.pk},
                                     format="json")
    assert twice.status_code == 400 and twice.json()["volunteer"] == ["该志愿者已在队中。"]


def test_a_membership_cannot_end_before_it_began(staff_east, happy_team):
    membership = MembershipFactory(team=happy_team, volunteer__community=happy_team.community)
    with pytest.raises(services.ValidationError):
        services.membership_end(actor=staff_east, membership=membership,
                                left_on=membership.joined_on.replace(year=membership.joined_on.year - 1))


def test_teams_mine_lists_the_team_leaders_own_teams(api, team_leader, happy_team, west_team, admin):
    assert [t["id"] for t in api.as_(team_leader).get("/api/v1/teams/?mine=true").json()["results"]] == [happy_team.pk]
    assert api.as_(admin).get("/api/v1/teams/?mine=true").json()["count"] == 0
    assert api.as_(admin).get("/api/v1/teams/").json()["count"] == 2


def test_a_team_is_created_by_staff_for_their_community(api, staff_east, east, west, xiaohong):
    created = api.as_(staff_east).post("/api/v1/teams/", {"name": "小红星", "community": east.pk,
                                                          "leader": xiaohong.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["leader_name"] == "陈小红"
    elsewhere = api.as_(staff_east).post("/api/v1/teams/", {"name": "小红星二队", "community": west.pk}, format="json")
    assert elsewhere.status_code == 400
    same_name = api.as_(staff_east).post("/api/v1/teams/", {"name": "小红星", "community": east.pk}, format="json")
    assert same_name.status_code == 400


def test_pages_register_a_volunteer_and_show_the_errors_at_their_fields(web, staff_east, east):
    client = web.as_(staff_east)
    bad = client.post("/volunteers/new/", {"name": "赵红梅", "id_number": "123", "community": east.pk,
                                           "status": "active"})
    assert bad.status_code == 200 and "身份证号应为 18 位" in bad.content.decode()
    good = client.post("/volunteers/new/", {"name": "赵红梅", "id_number": NUMBER, "community": east.pk,
                                            "status": "active"})
    assert good.status_code == 302
    page = client.get(good["Location"]).content.decode()
    assert NUMBER in page  # the keeper's detail, logged as a full view
    listed = client.get("/volunteers/").content.decode()
    assert NUMBER not in listed and id_numbers.mask(NUMBER) in listed


@pytest.mark.parametrize("typed", ["13911112222", "139 1111 2222", "１３９１１１１２２２２", "+86 139-1111-2222",
                                   "2222"])
def test_staff_find_a_volunteer_by_the_phone_however_it_is_typed(web, staff_east, xiaohong, typed):
    page = web.as_(staff_east).get("/volunteers/", {"phone": typed})
    assert [v.name for v in page.context["object_list"]] == ["陈小红"]


def test_part_of_a_phone_finds_no_volunteer(web, staff_east, xiaohong):
    assert list(web.as_(staff_east).get("/volunteers/", {"phone": "1391111"}).context["object_list"]) == []
