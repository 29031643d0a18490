"""幸福来敲门 runs a Saturday clean-up: 王丽 sets it up, 刘队长 signs his members up and checks them in and out on
his phone; the hours go to each ledger, to the quarter hour; a wrong one is corrected with a reason, beside it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from volunteers.models import Activity, HoursEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleanup(api, staff_east, happy_team):
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    if start > timezone.now() - timedelta(hours=5):
        # A morning over long enough that its check-outs, up to an hour after its end, are in the past: between
        # 11:00 and 12:01 today's would have been refused as "later than now" before any other rule was asked.
        start -= timedelta(days=1)
    response = api.as_(staff_east).post("/api/v1/activities/", {
        "name": "楼道清扫", "team": happy_team.pk, "place": "和平里一区", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 2}, format="json")
    assert response.status_code == 201, response.json()
    return Activity.objects.get(pk=response.json()["id"])


def _attend(api, user, activity, volunteer, minutes):
    start = activity.starts_at
    return api.as_(user).post(f"/api/v1/activities/{activity.pk}/attendance/", {
        "volunteer": volunteer.pk, "checked_in_at": start.isoformat(),
        "checked_out_at": (start + timedelta(minutes=minutes)).isoformat()}, format="json")


def test_the_leader_signs_up_and_checks_in_his_members_and_hours_are_credited(api, team_leader, cleanup, xiaohong):
    liu = team_leader.volunteer
    for member in (liu, xiaohong):
        assert api.as_(team_leader).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": member.pk},
                                         format="json").status_code == 201
    # 97 minutes round to 1.5 hours (the nearest quarter); 52 to 0.75.
    assert _attend(api, team_leader, cleanup, liu, 97).json()["hours"] == "1.50"
    assert _attend(api, team_leader, cleanup, xiaohong, 52).json()["hours"] == "0.75"
    ledger = api.as_(team_leader).get(f"/api/v1/volunteers/{liu.pk}/hours/").json()
    assert ledger["total"] == "1.50"
    assert ledger["entries"][0]["source"] == "activity" and ledger["entries"][0]["activity"] == cleanup.pk
    assert _attend(api, team_leader, cleanup, liu, 60).status_code == 400  # once per activity


def test_capacity_and_sign_up_come_first(api, staff_east, cleanup, team_leader, xiaohong, east):
    from tests.volunteers.factories import VolunteerFactory

    assert _attend(api, staff_east, cleanup, xiaohong, 60).json()["volunteer"] == ["该志愿者未报名此活动，请先报名。"]
    for member in (team_leader.volunteer, xiaohong):
        api.as_(staff_east).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": member.pk}, format="json")
    third = VolunteerFactory(community=east)
    full = api.as_(staff_east).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": third.pk},
                                    format="json")
    assert full.status_code == 400 and full.json()["volunteer"] == ["报名已满（2 人）。"]


def test_another_teams_activity_is_not_the_leaders(api, staff_west, west_team, team_leader):
    start = timezone.now() - timedelta(hours=5)
    activity = Activity.objects.create(team=west_team, name="送餐", place="西园", starts_at=start,
                                       ends_at=start + timedelta(hours=2), capacity=5)
    assert api.as_(team_leader).get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert api.as_(team_leader).post("/api/v1/activities/", {}, format="json").status_code == 403


def test_an_adjustment_needs_a_reason_and_is_kept_beside_the_original(api, team_leader, cleanup, xiaohong):
    api.as_(team_leader).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": xiaohong.pk}, format="json")
    _attend(api, team_leader, cleanup, xiaohong, 120)
    original = HoursEntry.objects.get(volunteer=xiaohong)
    url = f"/api/v1/volunteers/{xiaohong.pk}/hours/"
    no_reason = api.as_(team_leader).post(url, {"adjusts": original.pk, "hours": "1.5", "reason": ""},
                                          format="json")
    assert no_reason.status_code == 400
    adjusted = api.as_(team_leader).post(url, {"adjusts": original.pk, "hours": "1.5", "reason": "提前离场"},
                                         format="json")
    assert adjusted.status_code == 201, adjusted.json()
    ledger = adjusted.json()
    assert ledger["total"] == "1.50"
    assert [(e["hours"], e["source"], e["counted"]) for e in ledger["entries"]] == [
        ("2.00", "activity", False), ("1.50", "adjustment", True)]
    original.refresh_from_db()
    assert original.hours == Decimal("2.00")  # the original is never changed
    again = api.as_(team_leader).post(url, {"adjusts": ledger["entries"][1]["id"], "hours": "1", "reason": "再改"},
                                      format="json")
    assert again.status_code == 400


def test_a_staff_member_of_another_community_cannot_adjust(api, staff_west, team_leader, cleanup, xiaohong):
    api.as_(team_leader).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": xiaohong.pk}, format="json")
    _attend(api, team_leader, cleanup, xiaohong, 60)
    entry = HoursEntry.objects.get(volunteer=xiaohong)
    assert api.as_(staff_west).post(f"/api/v1/volunteers/{xiaohong.pk}/hours/", {
        "adjusts": entry.pk, "hours": "2", "reason": "x"}, format="json").status_code == 404


def test_the_certificate_prints_a_years_hours(web, api, staff_east, team_leader, cleanup, xiaohong):
    api.as_(team_leader).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": xiaohong.pk}, format="json")
    _attend(api, team_leader, cleanup, xiaohong, 90)
    year = timezone.localdate(cleanup.starts_at).year
    page = web.as_(staff_east).get(f"/volunteers/{xiaohong.pk}/certificate/{year}/")
    text = page.content.decode()
    assert page.status_code == 200 and "志愿服务时长证明" in text and "1.50 小时" in text
    assert xiaohong.id_number not in text and xiaohong.id_number_masked in text
    assert web.as_(staff_east).get(f"/volunteers/{xiaohong.pk}/certificate/1999/").status_code == 404


def test_the_leaders_phone_page_checks_a_member_in_and_out(web, team_leader, cleanup, xiaohong):
    client = web.as_(team_leader)
    assert client.post(f"/volunteers/activities/{cleanup.pk}/attendance/", {
        "volunteer": xiaohong.pk, "action": "signup"}).status_code == 302
    start = timezone.localtime(cleanup.starts_at)
    response = client.post(f"/volunteers/activities/{cleanup.pk}/attendance/", {
        "volunteer": xiaohong.pk, "action": "attend", "checked_in_at": start.strftime("%Y-%m-%dT%H:%M"),
        "checked_out_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert HoursEntry.objects.get(volunteer=xiaohong).hours == Decimal("2.00")
    page = client.get(f"/volunteers/{xiaohong.pk}/hours/")
    assert page.status_code == 200 and "2.00 小时" in page.content.decode()


def test_the_activity_list_page_api_and_export_agree(web, api, admin, cleanup, django_assert_num_queries):
    from tests.workbooks import read_sheet

    page = web.as_(admin).get("/volunteers/activities/")
    api_ids = [a["id"] for a in api.as_(admin).get("/api/v1/activities/").json()["results"]]
    rows, _ = read_sheet(web.as_(admin).get("/volunteers/activities/?format=xlsx"))
    assert [a.pk for a in page.context["object_list"]] == api_ids == [cleanup.pk] and rows[1][0] == "楼道清扫"
    browser = web.as_(admin)
    # Session, user, the authenticator (3); count, the activities with their team and sign-up counts (2); the
    # filter form's team and community choices (2); the unread badge (1).
    with django_assert_num_queries(8):
        assert browser.get("/volunteers/activities/").status_code == 200


def test_hours_come_from_the_activitys_own_time_with_an_hour_either_side(api, team_leader, cleanup, xiaohong):
    """The attacker's review: a check-in at midnight and a check-out the next midnight credited 24 hours for a
    three-hour clean-up. Setting up and tidying away may take an hour either side; no more."""
    api.as_(team_leader).post(f"/api/v1/activities/{cleanup.pk}/signups/", {"volunteer": xiaohong.pk}, format="json")
    start, end = cleanup.starts_at, cleanup.ends_at

    def attend(check_in, check_out):
        return api.as_(team_leader).post(f"/api/v1/activities/{cleanup.pk}/attendance/", {
            "volunteer": xiaohong.pk, "checked_in_at": check_in.isoformat(), "checked_out_at": check_out.isoformat()},
            format="json")

    early = attend(start - timedelta(hours=8), end)
    assert early.status_code == 400 and "签到不能早于活动开始前 1 小时" in early.json()["checked_in_at"][0]
    late = attend(start, end + timedelta(minutes=61))
    assert late.status_code == 400 and "签退不能晚于活动结束后 1 小时" in late.json()["checked_out_at"][0]
    assert not HoursEntry.objects.exists()
    kept = attend(start - timedelta(minutes=30), end + timedelta(minutes=30))
    assert kept.status_code == 201 and kept.json()["hours"] == "4.00"


@pytest.mark.django_db(transaction=True)
def test_four_check_outs_sent_at_once_credit_the_hours_once_and_answer_each(cleanup, team_leader, xiaohong,
                                                                            staff_east):
    from django.core.exceptions import ValidationError
    from django.db import connection

    from tests.doubles import at_once
    from volunteers import services

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a real database server")
    services.signup_add(actor=staff_east, activity=cleanup, volunteer=xiaohong)
    outcomes = at_once(4, lambda: services.attendance_record(
        actor=team_leader, activity=cleanup, volunteer=xiaohong, checked_in_at=cleanup.starts_at,
        checked_out_at=cleanup.ends_at))
    refused = [o.message_dict["volunteer"][0] for o in outcomes if isinstance(o, ValidationError)]
    assert len(outcomes) == 4 and refused == ["该志愿者的签到签退已记录；时长有误请调整。"] * 3  # and no 500
    assert HoursEntry.objects.filter(volunteer=xiaohong).count() == 1
