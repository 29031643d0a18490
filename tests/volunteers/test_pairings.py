"""陈小红 of 幸福来敲门 is paired with 张春露 (living alone), a visit a week; 周网格 records the visits they make
together. Each is a home visit of 张春露's plan, in the visits app's own records; a week without one reminds
刘队长, the team's leader."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiedao.models import Notification
from visits.models import Visit
from volunteers import services
from volunteers.models import Pairing

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(api, staff_east, zhang, xiaohong):
    response = api.as_(staff_east).post("/api/v1/pairings/", {
        "resident": zhang.pk, "volunteer": xiaohong.pk, "rhythm": "weekly",
        "started_on": (timezone.localdate() - timedelta(days=3)).isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    return Pairing.objects.get(pk=response.json()["id"])


def test_a_pairings_visit_is_a_visit_of_the_residents_plan(api, gridder, pairing, zhang):
    response = api.as_(gridder).post(f"/api/v1/pairings/{pairing.pk}/visits/", {"notes": "陪老人聊天"}, format="json")
    assert response.status_code == 201, response.json()
    visit = Visit.objects.get(pk=response.json()["visit"])
    assert (visit.resident, visit.method, visit.visitor) == (zhang, "home", gridder)
    assert "结对志愿者 陈小红 走访" in visit.notes
    # The visits app lists it (and its plan and monthly rate count it: they count visits).
    assert [v["id"] for v in api.as_(gridder).get("/api/v1/visits/").json()["results"]] == [visit.pk]


def test_a_pairing_is_a_volunteer_or_a_grid_worker_never_both(api, staff_east, zhang, xiaohong, gridder):
    both = api.as_(staff_east).post("/api/v1/pairings/", {"resident": zhang.pk, "volunteer": xiaohong.pk,
                                                          "worker": gridder.pk, "rhythm": "weekly"}, format="json")
    assert both.status_code == 400
    worker = api.as_(staff_east).post("/api/v1/pairings/", {"resident": zhang.pk, "worker": gridder.pk,
                                                            "rhythm": "biweekly"}, format="json")
    assert worker.status_code == 201 and worker.json()["partner"] == "周网格"


def test_an_overdue_pairing_reminds_the_volunteers_team_leader_once(pairing, team_leader, gridder):
    today = timezone.localdate()
    assert services.pairings_remind(today=today)["written"] == 0  # begun three days ago: due in four
    late = today + timedelta(days=5)
    assert services.pairings_remind(today=late)["written"] == 1
    assert services.pairings_remind(today=late)["written"] == 0
    reminder = Notification.objects.get(recipient=team_leader)
    assert reminder.kind == "pairing_overdue" and "陈小红" in reminder.message
    # A visit sets the rhythm going again.
    services.pairing_visit_record(actor=gridder, pairing=pairing)
    assert services.pairings_remind(today=late + timedelta(days=1))["written"] == 0


def test_the_team_leader_sees_his_members_pairings_and_records_no_visit(api, web, team_leader, pairing, west_team,
                                                                       wang, staff_west):
    other = services.pairing_create(actor=staff_west, resident=wang, volunteer=west_team.leader, rhythm="monthly")
    seen = [p["id"] for p in api.as_(team_leader).get("/api/v1/pairings/").json()["results"]]
    assert seen == [pairing.pk]
    assert api.as_(team_leader).get(f"/api/v1/pairings/{other.pk}/").status_code == 404
    assert api.as_(team_leader).post(f"/api/v1/pairings/{pairing.pk}/visits/", {}, format="json").status_code == 403
    page = web.as_(team_leader).get("/volunteers/pairings/")
    assert page.status_code == 200 and "张春露" in page.content.decode() and "王建国" not in page.content.decode()


def test_the_pairing_list_asks_a_fixed_number_of_queries(web, staff_east, pairing, gridder, zhang, li, xiaohong,
                                                         django_assert_num_queries):
    services.pairing_create(actor=staff_east, resident=li, volunteer=xiaohong, rhythm="monthly")
    services.pairing_visit_record(actor=gridder, pairing=pairing)
    browser = web.as_(staff_east)
    browser.get("/volunteers/pairings/")
    # Session, user, the authenticator (3); the staff member's communities (1); count, the pairings with resident,
    # partner and last visit (2); the filter form's community choices (1); the unread badge (1).
    with django_assert_num_queries(8):
        assert browser.get("/volunteers/pairings/").status_code == 200


# --- the same in the browser: 王社工 pairs 张春露 from her page, 周网格 records a visit, and the pairing ends ---

def test_staff_pair_a_resident_with_a_volunteer_from_her_page(web, staff_east, zhang, xiaohong, gridder):
    browser = web.as_(staff_east)
    page = browser.get(f"/residents/{zhang.pk}/").content.decode()
    assert f'href="/volunteers/pairings/new/{zhang.pk}/"' in page
    form = browser.get(f"/volunteers/pairings/new/{zhang.pk}/").content.decode()
    assert "陈小红" in form and "周网格" in form  # the volunteers of the sub-district, the workers of her grid
    response = browser.post(f"/volunteers/pairings/new/{zhang.pk}/", {"volunteer": xiaohong.pk, "rhythm": "weekly"})
    assert response.status_code == 302 and response["Location"] == f"/volunteers/pairings/?resident={zhang.pk}"
    pairing = Pairing.objects.get()
    assert (pairing.volunteer, pairing.started_on) == (xiaohong, timezone.localdate())
    listed = browser.get(response["Location"]).content.decode()
    assert "已结对：陈小红 与 张春露" in listed and f"/volunteers/pairings/{pairing.pk}/visit/" in listed


@pytest.mark.parametrize("post, field_words", [
    ({"rhythm": "weekly"}, "二选一"),  # nobody chosen
    ({"volunteer": "1", "worker": "1", "rhythm": "weekly"}, "二选一"),
    ({"volunteer": "999999999999999999999", "rhythm": "weekly"}, "本街道在册的志愿者"),
    ({"volunteer": "-1", "rhythm": "weekly"}, "本街道在册的志愿者"),
    ({"volunteer": "x" * 10_000, "rhythm": "weekly"}, "本街道在册的志愿者"),
    ({"volunteer": "x\x00", "rhythm": "weekly"}, "控制字符"),  # refused for the whole portal, before the view
    ({"rhythm": "yearly", "worker": "1"}, "不在可选范围内"),
    ({"rhythm": "weekly", "started_on": "9999-12-31"}, "日期"),
])
def test_a_pairing_form_with_bad_values_says_why_and_saves_nothing(web, staff_east, zhang, xiaohong, gridder, post,
                                                                   field_words):
    post = {k: (str(xiaohong.pk) if k == "volunteer" and v == "1" else str(gridder.pk) if v == "1" else v)
            for k, v in post.items()}
    response = web.as_(staff_east).post(f"/volunteers/pairings/new/{zhang.pk}/", post)
    assert response.status_code in (200, 400) and field_words in response.content.decode()
    assert not Pairing.objects.exists()


def test_a_grid_worker_records_a_pairing_visit_in_the_browser(web, pairing, gridder, zhang):
    browser = web.as_(gridder)
    assert browser.get(f"/volunteers/pairings/{pairing.pk}/visit/").status_code == 200
    response = browser.post(f"/volunteers/pairings/{pairing.pk}/visit/", {"notes": "陪老人聊天，血压正常"})
    assert response.status_code == 302
    visit = Visit.objects.get(resident=zhang)
    assert visit.method == "home" and "陪老人聊天" in visit.notes and pairing.visits.get().visit_id == visit.pk
    bad = browser.post(f"/volunteers/pairings/{pairing.pk}/visit/", {"visited_at": "9999-01-01T08:00"})
    assert bad.status_code == 200 and Visit.objects.count() == 1


def test_who_may_open_a_pairings_pages(web, pairing, staff_west, team_leader, gridder, staff_east, zhang, operator):
    # Another community's staff: not theirs (404); the team leader and a point operator: not their job (403).
    assert web.as_(staff_west).get(f"/volunteers/pairings/{pairing.pk}/visit/").status_code == 404
    assert web.as_(staff_west).get(f"/volunteers/pairings/new/{zhang.pk}/").status_code == 404
    assert web.as_(staff_west).get(f"/volunteers/pairings/{pairing.pk}/end/").status_code == 404
    assert web.as_(team_leader).get(f"/volunteers/pairings/{pairing.pk}/visit/").status_code == 403
    assert web.as_(team_leader).get(f"/volunteers/pairings/new/{zhang.pk}/").status_code == 403
    assert web.as_(gridder).get(f"/volunteers/pairings/{pairing.pk}/end/").status_code == 403
    assert web.as_(operator).get(f"/volunteers/pairings/new/{zhang.pk}/").status_code == 403


def test_a_pairing_ends_with_a_reason_and_is_no_longer_reminded(web, pairing, staff_east, team_leader):
    browser = web.as_(staff_east)
    assert browser.post(f"/volunteers/pairings/{pairing.pk}/end/", {"reason": ""}).status_code == 200
    assert browser.post(f"/volunteers/pairings/{pairing.pk}/end/", {"reason": "迁出",
                                                                     "ended_on": "2000-01-01"}).status_code == 200
    pairing.refresh_from_db()
    assert pairing.ended_on is None
    assert browser.post(f"/volunteers/pairings/{pairing.pk}/end/", {"reason": "老人迁往女儿家"}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate()
    assert services.pairings_remind(today=timezone.localdate() + timedelta(days=30))["written"] == 0
    assert web.as_(staff_east).post(f"/volunteers/pairings/{pairing.pk}/end/", {"reason": "再结束"}).status_code == 200


def test_the_pairings_export_lists_partner_rhythm_and_next_visit_and_the_team_leader_gets_none(
        web, pairing, gridder, staff_east, team_leader):
    import io

    import openpyxl

    services.pairing_visit_record(actor=gridder, pairing=pairing)
    response = web.as_(staff_east).get("/volunteers/pairings/?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("居民", "社区", "结对人", "结对人身份", "走访频次")
    today = timezone.localdate()
    assert rows[1][:4] == ("张春露", "东园社区", "陈小红", "志愿者") and rows[1][4] == "每周一次"
    assert rows[1][7].date() == today and rows[1][8].date() == today + timedelta(days=7)
    page = web.as_(team_leader).get("/volunteers/pairings/")
    assert "format=xlsx" not in page.content.decode()
    assert web.as_(team_leader).get("/volunteers/pairings/?format=xlsx").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_three_taps_of_pairing_at_once_make_one_pairing(staff_east, zhang, xiaohong):
    from django.core.exceptions import ValidationError
    from django.db import connection

    from tests.doubles import at_once

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a real database server")
    outcomes = at_once(3, lambda: services.pairing_create(actor=staff_east, resident=zhang, volunteer=xiaohong,
                                                          rhythm="weekly"))
    refused = [o.message_dict["resident"][0] for o in outcomes if isinstance(o, ValidationError)]
    assert len(outcomes) == 3 and refused == ["已有相同的结对。"] * 2  # and no 500
    assert Pairing.objects.count() == 1


def test_another_sub_districts_grid_worker_is_not_found_like_one_that_does_not_exist(api, other_admin, chen,
                                                                                       gridder):
    """The attacker's review: 青龙's admin was told 请选择负责该居民所在网格的网格员 for 和平里's grid worker and
    不存在 for ids that were no one, and so could count 和平里's accounts."""
    answers = [api.as_(other_admin).post("/api/v1/pairings/", {"resident": chen.pk, "worker": worker,
                                                                "rhythm": "weekly"}, format="json")
               for worker in (gridder.pk, 99999)]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json()["worker"][0].replace(str(gridder.pk), "N") == \
        answers[1].json()["worker"][0].replace("99999", "N")


def test_a_pairings_visit_moves_her_plan_and_counts_in_the_target_elders_monthly_rate(
        api, gridder, staff_east, heping, pairing, zhang):
    """张春露 (key tier: visited weekly; 85 and living alone, so a target elder) is due a home visit; the visit
    周网格 and 陈小红 make through the pairing takes it off his day, stores her next date a week on, and counts
    her as visited in the month's rate of target elders."""
    from visits.models import DueDate
    from visits.selectors import day_of, monthly_visit_rate
    from visits.services import default_rules_ensure

    default_rules_ensure(subdistrict=heping)
    month = timezone.localdate().replace(day=1)

    def home_due():
        day = day_of(gridder)
        return [r.item.resident_id for r in day["overdue"] + day["due"] if r.item.method == "home"]

    assert home_due() == [zhang.pk]
    before = monthly_visit_rate(staff_east, month)
    assert zhang in before["missing"] and before["visited"] == 0
    response = api.as_(gridder).post(f"/api/v1/pairings/{pairing.pk}/visits/", {"notes": "陪老人聊天"}, format="json")
    assert response.status_code == 201, response.json()
    assert home_due() == []
    stored = DueDate.objects.get(resident=zhang, method="home")
    assert stored.due_date == stored.last_visit + timedelta(days=7) == timezone.localdate() + timedelta(days=7)
    after = monthly_visit_rate(staff_east, month)
    assert zhang not in after["missing"] and after["visited"] == 1 and after["rate"] == 100.0
