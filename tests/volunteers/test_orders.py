"""张春露 orders a cleaning through 周网格: the centre (赵管理) dispatches it to 幸福来敲门, 刘队长 accepts it on his
phone, records who served for how long, and 张春露 rates it through the link on her slip."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiedao.models import Notification
from tests.volunteers.conftest import dispatch, step
from tests.volunteers.factories import VolunteerFactory
from volunteers import services
from volunteers.models import HoursEntry, OrderTransition, RatingLink, ServiceOrder

pytestmark = pytest.mark.django_db


def _done(api, team_leader, order, xiaohong, **extra):
    liu = team_leader.volunteer
    return step(api, team_leader, order, "done", note="擦洗厨房和窗户", hours=[
        {"volunteer": liu.pk, "hours": "1.5"}, {"volunteer": xiaohong.pk, "hours": "2"}], **extra)


def test_an_order_walks_its_path_each_step_kept_with_who_when_and_comment(api, admin, staff_east, team_leader,
                                                                        happy_team, xiaohong, order):
    assert order.state == "requested"
    assert dispatch(api, admin, order, happy_team).status_code == 200
    assert step(api, team_leader, order, "accepted", comment="周六上午去").json()["state"] == "accepted"
    done = _done(api, team_leader, order, xiaohong)
    assert done.status_code == 200, done.json()
    rated = step(api, staff_east, order, "rated", rating=5, comment="很干净")
    assert rated.json()["state"] == "rated" and rated.json()["rating"] == 5
    history = rated.json()["history"]
    assert [(h["to_state"], h["by"]) for h in history] == [
        ("requested", "gridder"), ("dispatched", "admin"), ("accepted", "team_leader"), ("done", "team_leader"),
        ("rated", "staff_east")]
    assert history[2]["comment"] == "周六上午去"
    # The hours went to each volunteer's ledger, from the order.
    credited = {(h.volunteer_id, h.hours, h.source) for h in HoursEntry.objects.all()}
    assert credited == {(team_leader.volunteer.pk, Decimal("1.50"), "order"), (xiaohong.pk, Decimal("2.00"), "order")}


def test_a_declined_order_goes_back_to_requested_with_the_decline_in_its_history(api, admin, team_leader, happy_team,
                                                                                 order):
    dispatch(api, admin, order, happy_team)
    refused = step(api, team_leader, order, "declined")
    assert refused.status_code == 400 and refused.json()["comment"] == ["拒单须写明原因。"]
    declined = step(api, team_leader, order, "declined", comment="本周人手不足")
    assert declined.status_code == 200 and declined.json()["state"] == "requested"
    order.refresh_from_db()
    assert order.state == "requested" and order.team is None
    assert OrderTransition.objects.filter(order=order, to_state="declined", comment="本周人手不足").exists()
    # The order is no longer the team's: its leader no longer finds it; the centre dispatches it again.
    assert api.as_(team_leader).get(f"/api/v1/service-orders/{order.pk}/").status_code == 404
    assert dispatch(api, admin, order, happy_team).json()["state"] == "dispatched"


@pytest.mark.parametrize("who, to, status, message", [
    ("team_leader", "dispatched", 404, None),  # not yet their team's: not found
    ("staff_east", "dispatched", 403, "这一步须由街道管理员办理。"),
    ("admin", "accepted", 400, "服务单当前为“点单”，下一步只能是“派单”（不能跳过或退回）。"),
    ("admin", "rated", 400, None),
])
def test_each_step_is_taken_by_its_role_only(request, api, order, who, to, status, message):
    user = request.getfixturevalue(who)
    response = step(api, user, order, to)
    assert response.status_code == status
    if message and status == 403:
        assert response.json()["detail"] == message
    if message and status == 400:
        assert response.json()["to"] == [message]


def test_a_dispatch_needs_a_team_and_a_deadline_to_come(api, admin, happy_team, order):
    assert step(api, admin, order, "dispatched").json()["team"] == ["请选择派往的服务队。"]
    past = step(api, admin, order, "dispatched", team=happy_team.pk,
                deadline=(timezone.now() - timedelta(hours=1)).isoformat())
    assert past.json()["deadline"] == ["完成期限须晚于现在。"]


@pytest.mark.parametrize("hours, message", [
    ("1.3", "服务时长以一刻钟（0.25 小时）为单位，如 1.5、0.75。"),
    ("0", "服务时长须大于 0 小时。"),
    ("25", "一次服务时长不能超过 24 小时。"),
])
def test_hours_are_quarter_hours_within_a_day(api, admin, team_leader, happy_team, order, hours, message):
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    response = step(api, team_leader, order, "done", note="完成", hours=[
        {"volunteer": team_leader.volunteer.pk, "hours": hours}])
    assert response.status_code == 400 and response.json()["hours"] == [message]
    assert not HoursEntry.objects.exists()


def test_only_the_teams_own_members_are_credited(api, admin, team_leader, happy_team, order, east):
    outsider = VolunteerFactory(community=east)
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    response = step(api, team_leader, order, "done", note="完成", hours=[{"volunteer": outsider.pk, "hours": "1"}])
    assert response.status_code == 400  # not theirs to see, nor to credit
    assert not HoursEntry.objects.exists()


def test_a_team_leader_sees_the_resident_only_while_the_order_is_their_teams(api, admin, staff_east, team_leader,
                                                                            happy_team, xiaohong, order, zhang):
    dispatch(api, admin, order, happy_team)
    open_order = api.as_(team_leader).get(f"/api/v1/service-orders/{order.pk}/").json()
    assert open_order["resident_name"] == "张春露" and open_order["address"] == zhang.address
    step(api, team_leader, order, "accepted")
    _done(api, team_leader, order, xiaohong)
    finished = api.as_(team_leader).get(f"/api/v1/service-orders/{order.pk}/").json()
    assert finished["resident_name"] is None and finished["address"] is None and finished["resident"] is None
    # Staff still see whose it was.
    assert api.as_(staff_east).get(f"/api/v1/service-orders/{order.pk}/").json()["resident_name"] == "张春露"


def test_another_teams_leader_does_not_find_the_order(api, admin, happy_team, west_team, order):
    from jiedao.models import Role
    from tests.factories import UserFactory

    other = UserFactory(role=Role.TEAM_LEADER, subdistrict=admin.subdistrict)
    west_team.leader.account = other
    west_team.leader.save()
    dispatch(api, admin, order, happy_team)
    assert api.as_(other).get(f"/api/v1/service-orders/{order.pk}/").status_code == 404
    assert step(api, other, order, "accepted").status_code == 404


def test_the_resident_rates_once_through_the_link_on_her_slip(api, client, admin, staff_east, team_leader,
                                                             happy_team, xiaohong, order):
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    _done(api, team_leader, order, xiaohong)
    issued = api.as_(staff_east).post(f"/api/v1/service-orders/{order.pk}/rating-link/", format="json")
    assert issued.status_code == 201
    path = issued.json()["url"].split("testserver")[1]
    token = path.strip("/").split("/")[-1]
    assert len(path) < 20 and not RatingLink.objects.filter(token_hash=token).exists()  # only its hash is kept
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and "上门保洁" in page.content.decode() and "张春露" not in page.content.decode()
    assert client.post(path, {"rating": "4", "comment": "小伙子很勤快"}).status_code == 200
    order.refresh_from_db()
    assert (order.state, order.rating, order.rating_comment) == ("rated", 4, "小伙子很勤快")
    assert order.transitions.last().by is None
    again = client.post(path, {"rating": "1"})
    assert again.status_code == 400 and services.LINK_SPENT in again.content.decode()
    order.refresh_from_db()
    assert order.rating == 4


def test_a_link_expires_after_fourteen_days_and_a_new_one_spends_the_old(api, client, admin, staff_east,
                                                                         team_leader, happy_team, xiaohong, order):
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    _done(api, team_leader, order, xiaohong)
    link, token = services.rating_link_issue(actor=staff_east, order=order)
    assert link.expires_at - timezone.now() > timedelta(days=13, hours=23)
    _, newer = services.rating_link_issue(actor=staff_east, order=order)
    assert services.LINK_SPENT in client.get(f"/r/{token}/").content.decode()
    RatingLink.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(f"/r/{newer}/", {"rating": "5"})
    assert response.status_code == 400 and services.LINK_EXPIRED in response.content.decode()
    assert client.get("/r/not-a-token/").status_code == 404
    order.refresh_from_db()
    assert order.state == "done"


def test_an_order_not_accepted_in_time_reminds_the_leader_then_the_centre(api, admin, team_leader, happy_team,
                                                                         order):
    dispatch(api, admin, order, happy_team)
    order.refresh_from_db()
    assert services.orders_remind(now=order.dispatched_at + timedelta(hours=23))["written"] == 0
    late = order.dispatched_at + timedelta(hours=25)
    assert services.orders_remind(now=late)["written"] == 1
    assert services.orders_remind(now=late)["written"] == 0  # idempotent: the same reminder is not written twice
    reminder = Notification.objects.get(recipient=team_leader)
    assert reminder.kind == "order_overdue" and "未接单" in reminder.message and "张春露" not in reminder.message
    assert services.orders_remind(now=late + timedelta(hours=24))["written"] == 1
    assert Notification.objects.get(recipient=admin).kind == "escalation"


def test_an_accepted_order_not_done_by_its_deadline_reminds_the_leader_then_the_centre(api, admin, team_leader,
                                                                                      happy_team, order):
    dispatch(api, admin, order, happy_team, days=3)
    step(api, team_leader, order, "accepted")
    order.refresh_from_db()
    assert services.orders_remind(now=order.deadline - timedelta(hours=1))["written"] == 0
    assert services.orders_remind(now=order.deadline + timedelta(minutes=1))["written"] == 1
    assert "未完成" in Notification.objects.get(recipient=team_leader).message
    # Still not done a day after its deadline: the centre is told, once.
    assert services.orders_remind(now=order.deadline + timedelta(hours=23))["written"] == 0
    assert services.orders_remind(now=order.deadline + timedelta(hours=25))["written"] == 1
    assert services.orders_remind(now=order.deadline + timedelta(hours=26))["written"] == 0
    escalation = Notification.objects.get(recipient=admin)
    assert escalation.kind == "escalation" and "未完成" in escalation.message and "请中心跟进" in escalation.message


def test_the_team_leaders_phone_page_lists_the_open_orders_and_takes_a_step(web, api, admin, team_leader,
                                                                           happy_team, order):
    dispatch(api, admin, order, happy_team)
    client = web.as_(team_leader)
    page = client.get("/volunteers/leader/")
    assert page.status_code == 200 and "张春露" in page.content.decode() and "接单" in page.content.decode()
    assert client.post(f"/volunteers/orders/{order.pk}/step/", {"to": "accepted", "next": "leader"}).status_code == 302
    assert ServiceOrder.objects.get(pk=order.pk).state == "accepted"
    refused = client.post(f"/volunteers/orders/{order.pk}/step/", {"to": "done", "note": "", "next": "leader"})
    assert refused.status_code == 400 and "请填写服务记录。" in refused.content.decode()


def test_staff_record_the_rating_on_the_page(web, api, admin, staff_east, team_leader, happy_team, xiaohong, order):
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    _done(api, team_leader, order, xiaohong)
    client = web.as_(staff_east)
    assert client.post(f"/volunteers/orders/{order.pk}/step/", {"to": "rated", "rating": "6"}).status_code == 400
    assert client.post(f"/volunteers/orders/{order.pk}/step/", {"to": "rated", "rating": "3",
                                                                 "comment": "来晚了"}).status_code == 302
    assert ServiceOrder.objects.get(pk=order.pk).rating == 3
