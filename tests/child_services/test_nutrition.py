"""Nutrition packs: 王丽 (东园's staff) puts 刘小明, an 8-year-old in difficulty of 东一, on a plan: a pack on the
1st and the 15th, brought by 周网格. The daily job creates each round on its day, once; 周网格 confirms it at
the door or says why it was not brought; a round left unconfirmed reminds him, then 东园's staff."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from child_services import services
from child_services.models import DeliveryStatus, NutritionDelivery, NutritionPlan
from jiedao.models import AuditEntry, Notification, NotificationKind
from tests.factories import ResidentFactory, UserFactory
from tests.workbooks import read_sheet

pytestmark = pytest.mark.django_db

OCT = date(2026, 10, 1)


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=30)


@pytest.fixture
def xiaoming(east1):
    return ResidentFactory(name="刘小明", grid=east1, birth=_years_ago(8), tags=["child_in_difficulty"])


@pytest.fixture
def plan(staff_east, gridder, xiaoming):
    return services.plan_create(actor=staff_east, child=xiaoming, worker=gridder, starts_on=date(2026, 9, 20))


def _plan(api, user, child, **extra):
    return api.as_(user).post("/api/v1/nutrition-plans/", {"child": child.pk, "worker": extra.pop("worker").pk,
                                                           **extra}, format="json")


# --- plans ---------------------------------------------------------------------------------------------

def test_staff_put_a_child_in_difficulty_on_a_plan_twice_a_month_by_default(api, staff_east, gridder, xiaoming):
    response = _plan(api, staff_east, xiaoming, worker=gridder)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["days"], body["worker"], body["value"], body["active"]) == ([1, 15], gridder.pk, "200.00", True)
    assert AuditEntry.objects.filter(target_type="nutritionplan", action="create").count() == 1


def test_the_days_are_the_plans_own(api, staff_east, gridder, xiaoming):
    response = _plan(api, staff_east, xiaoming, worker=gridder, days=[20, 5], value="180.00")
    assert response.json()["days"] == [5, 20] and response.json()["value"] == "180.00"


@pytest.mark.parametrize("days", [[], [0], [29], [1, 2, 3, 4, 5], ["a"]])
def test_days_a_month_may_not_have_are_refused_at_the_field(api, staff_east, gridder, xiaoming, days):
    response = _plan(api, staff_east, xiaoming, worker=gridder, days=days)
    assert response.status_code == 400 and "days" in response.json()
    assert not NutritionPlan.objects.exists()


def test_an_adult_is_refused_and_a_child_without_a_tag_needs_the_staffs_reason(api, staff_east, gridder, zhang,
                                                                                 east1):
    adult = _plan(api, staff_east, zhang, worker=gridder)
    assert adult.status_code == 400 and "18" in adult.json()["child"][0]
    untagged = ResidentFactory(name="赵小红", grid=east1, birth=_years_ago(10), female=True)
    bare = _plan(api, staff_east, untagged, worker=gridder)
    assert bare.status_code == 400 and "理由" in bare.json()["reason"][0]
    chosen = _plan(api, staff_east, untagged, worker=gridder, reason="父亲重病住院，母亲无业")
    assert chosen.status_code == 201


def test_a_child_has_one_active_plan_and_its_worker_covers_the_child(api, staff_east, staff_west, gridder, plan,
                                                                       xiaoming):
    again = _plan(api, staff_east, xiaoming, worker=gridder)
    assert again.status_code == 400 and "已有" in again.json()["child"][0]
    api.as_(staff_east).patch(f"/api/v1/nutrition-plans/{plan.pk}/", {"active": False}, format="json")
    other = ResidentFactory(name="钱小兵", grid=xiaoming.grid, birth=_years_ago(6), tags=["orphan"])
    far = _plan(api, staff_east, other, worker=staff_west)
    assert far.status_code == 400 and "责任人" in far.json()["worker"][0]


def test_a_change_writes_only_what_changed(api, staff_east, plan):
    response = api.as_(staff_east).patch(f"/api/v1/nutrition-plans/{plan.pk}/", {"days": [1, 15], "value": "220.00"},
                                         format="json")
    assert response.status_code == 200 and response.json()["value"] == "220.00"
    change = AuditEntry.objects.filter(target_type="nutritionplan", action="update").get()
    assert set(change.changes) == {"value"}


def test_grid_workers_do_not_plan_and_roles_without_the_registry_see_no_child(api, web, gridder, operator, auditor,
                                                                               xiaoming, plan):
    assert _plan(api, gridder, xiaoming, worker=gridder).status_code == 403
    for user in (operator, auditor):
        assert api.as_(user).get("/api/v1/nutrition-plans/").status_code == 403
        assert api.as_(user).get("/api/v1/nutrition-deliveries/").status_code == 403
        assert web.as_(user).get(reverse("children:delivery_list")).status_code == 403


def test_another_communitys_staff_do_not_find_the_childs_plan_or_rounds(api, staff_west, plan):
    services.nutrition_run(today=OCT)
    delivery = NutritionDelivery.objects.get()
    assert api.as_(staff_west).get(f"/api/v1/nutrition-plans/{plan.pk}/").status_code == 404
    assert api.as_(staff_west).get(f"/api/v1/nutrition-deliveries/{delivery.pk}/").status_code == 404
    confirm = api.as_(staff_west).post(f"/api/v1/nutrition-deliveries/{delivery.pk}/confirm/",
                                       {"received_by": "母亲"}, format="json")
    assert confirm.status_code == 404
    assert api.as_(staff_west).get("/api/v1/nutrition-deliveries/").json()["count"] == 0


# --- the daily job -----------------------------------------------------------------------------------------

def test_each_round_is_created_on_its_day_once_however_often_the_job_runs(plan):
    assert services.nutrition_run(today=OCT)["created"] == 1
    assert services.nutrition_run(today=OCT)["created"] == 0
    assert services.nutrition_run(today=date(2026, 10, 14))["created"] == 0
    assert services.nutrition_run(today=date(2026, 10, 15))["created"] == 1
    rounds = list(NutritionDelivery.objects.order_by("due_on").values_list("due_on", "status", "value", "contents"))
    assert rounds == [(date(2026, 10, 1), "due", Decimal("200.00"), "肉、奶、蛋、蔬菜、水果"),
                      (date(2026, 10, 15), "due", Decimal("200.00"), "肉、奶、蛋、蔬菜、水果")]


def test_a_late_run_catches_up_this_months_rounds_but_not_last_months(plan):
    # The plan started on 20 September; the job first runs on 20 October: October's two rounds, no more.
    assert services.nutrition_run(today=date(2026, 10, 20))["created"] == 2
    assert set(NutritionDelivery.objects.values_list("due_on", flat=True)) == {date(2026, 10, 1), date(2026, 10, 15)}


def test_a_stopped_plan_or_a_child_moved_away_gets_no_new_round(plan, staff_east, xiaoming):
    services.plan_update(actor=staff_east, plan=plan, values={"active": False})
    assert services.nutrition_run(today=OCT)["created"] == 0
    services.plan_update(actor=staff_east, plan=plan, values={"active": True})
    type(xiaoming).objects.filter(pk=xiaoming.pk).update(status="moved_out", status_date=OCT)
    assert services.nutrition_run(today=OCT)["created"] == 0


def test_the_job_runs_by_hand_with_now_and_on_the_beat_schedule(plan):
    out = io.StringIO()
    call_command("run_nutrition_deliveries", "--now", "2026-10-01T08:00", stdout=out)
    assert "生成营养包发放 1 条" in out.getvalue()
    entry = settings.CELERY_BEAT_SCHEDULE["create-nutrition-deliveries"]
    assert entry["task"] == "child_services.create_nutrition_deliveries_task"
    from child_services.tasks import create_nutrition_deliveries_task

    assert create_nutrition_deliveries_task.name == entry["task"]
    assert create_nutrition_deliveries_task("2026-10-01")["created"] == 0  # idempotent


def test_a_round_unconfirmed_reminds_the_worker_after_three_days_then_the_community(plan, gridder, staff_east):
    services.nutrition_run(today=OCT)
    assert services.nutrition_run(today=date(2026, 10, 3))["written"] == 0
    assert services.nutrition_run(today=date(2026, 10, 4))["written"] == 1
    reminder = Notification.objects.get()
    assert (reminder.recipient, reminder.kind) == (gridder, NotificationKind.NUTRITION)
    assert "刘小明" in reminder.message and reminder.link.startswith("/children/nutrition/deliveries/")
    assert services.nutrition_run(today=date(2026, 10, 5))["written"] == 0  # once per round
    assert services.nutrition_run(today=date(2026, 10, 7))["written"] == 1
    escalation = Notification.objects.get(kind=NotificationKind.ESCALATION)
    assert escalation.recipient == staff_east and "督办" in escalation.message
    delivery = NutritionDelivery.objects.get()
    services.delivery_confirm(actor=gridder, delivery=delivery, received_by="奶奶",
                              delivered_at=timezone.make_aware(datetime(2026, 10, 6, 10)))
    assert not Notification.objects.filter(read_at__isnull=True).exists()  # nothing waits for what was done


def test_a_worker_who_no_longer_covers_the_child_is_not_told_the_community_is(plan, gridder, staff_east, east2):
    gridder.grids.set([east2])
    services.nutrition_run(today=OCT)
    services.nutrition_run(today=date(2026, 10, 4))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [staff_east.pk]


# --- confirm and miss ------------------------------------------------------------------------------------

@pytest.fixture
def delivery(plan):
    today = timezone.localdate()
    return NutritionDelivery.objects.create(plan=plan, due_on=today - timedelta(days=1), contents=plan.contents,
                                            value=plan.value)


def test_the_worker_confirms_a_pack_with_when_and_who_received_it(api, gridder, delivery):
    response = api.as_(gridder).post(f"/api/v1/nutrition-deliveries/{delivery.pk}/confirm/",
                                     {"received_by": "奶奶"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["received_by"], body["delivered_by"]) == ("delivered", "奶奶", "gridder")
    again = api.as_(gridder).post(f"/api/v1/nutrition-deliveries/{delivery.pk}/confirm/", {"received_by": "奶奶"},
                                  format="json")
    assert again.status_code == 400 and "已登记" in again.json()["detail"][0]


def test_a_confirmation_names_who_received_it_and_a_time_that_can_be(api, gridder, delivery):
    url = f"/api/v1/nutrition-deliveries/{delivery.pk}/confirm/"
    nobody = api.as_(gridder).post(url, {"received_by": " "}, format="json")
    assert nobody.status_code == 400 and "签收人" in nobody.json()["received_by"][0]
    early = timezone.make_aware(datetime.combine(delivery.due_on - timedelta(days=1), datetime.min.time()))
    before = api.as_(gridder).post(url, {"received_by": "奶奶", "delivered_at": early.isoformat()}, format="json")
    assert before.status_code == 400 and "早于" in before.json()["delivered_at"][0]
    later = (timezone.now() + timedelta(days=1)).isoformat()
    future = api.as_(gridder).post(url, {"received_by": "奶奶", "delivered_at": later}, format="json")
    assert future.status_code == 400 and "晚于" in future.json()["delivered_at"][0]
    assert NutritionDelivery.objects.get().status == DeliveryStatus.DUE


def test_a_pack_not_brought_is_marked_missed_with_its_reason(api, gridder, delivery):
    url = f"/api/v1/nutrition-deliveries/{delivery.pk}/miss/"
    bare = api.as_(gridder).post(url, {"reason": ""}, format="json")
    assert bare.status_code == 400 and "原因" in bare.json()["reason"][0]
    done = api.as_(gridder).post(url, {"reason": "全家回老家过节"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "missed"
    assert AuditEntry.objects.filter(target_type="nutritiondelivery", action="update").count() == 1


def test_the_phone_page_confirms_at_the_door_and_shows_an_error_at_its_field(web, gridder, delivery):
    browser = web.as_(gridder)
    url = reverse("children:delivery", args=[delivery.pk])
    page = browser.get(url)
    assert page.status_code == 200 and "确认送达" in page.content.decode()
    refused = browser.post(url, {"action": "confirm", "confirm-received_by": ""})
    assert refused.status_code == 200 and "received_by" in refused.context["confirm_form"].errors
    done = browser.post(url, {"action": "confirm", "confirm-received_by": "母亲"})
    assert done.status_code == 302 and NutritionDelivery.objects.get().received_by == "母亲"


def test_staff_plan_on_the_page(web, staff_east, gridder, xiaoming):
    response = web.as_(staff_east).post(reverse("children:plan_create"), {
        "child": xiaoming.pk, "days": "1,15", "worker": gridder.pk, "contents": "肉、奶、蛋", "value": "200.00",
        "reason": ""})
    assert response.status_code == 302, response.context["form"].errors
    assert NutritionPlan.objects.get().days == [1, 15]


# --- the lists ------------------------------------------------------------------------------------------------

@pytest.fixture
def rounds(plan, gridder, staff_east, staff_west, west1, east1):
    services.nutrition_run(today=OCT)
    services.nutrition_run(today=date(2026, 10, 15))
    west_child = ResidentFactory(name="孙小亮", grid=west1, birth=_years_ago(9), tags=["left_behind_child"])
    services.plan_create(actor=staff_west, child=west_child, worker=staff_west, starts_on=date(2026, 9, 1))
    services.nutrition_run(today=date(2026, 10, 15))
    first, second = NutritionDelivery.objects.filter(plan=plan).order_by("due_on")
    services.delivery_confirm(actor=gridder, delivery=first, received_by="奶奶",
                              delivered_at=timezone.make_aware(datetime(2026, 10, 1, 16)))
    services.delivery_miss(actor=gridder, delivery=second, reason="住院")
    return {"first": first.pk, "second": second.pk,
            **{f"west{d.due_on.day}": d.pk for d in NutritionDelivery.objects.exclude(plan=plan)}}


@pytest.mark.parametrize("query, expected", [
    ("", {"first", "second", "west1", "west15"}),
    ("status=delivered", {"first"}),
    ("status=missed", {"second"}),
    ("status=due", {"west1", "west15"}),
    ("due_from=2026-10-10", {"second", "west15"}),
    ("due_to=2026-10-10", {"first", "west1"}),
    ("child=CHILD", {"first", "second"}),
    ("community=WEST", {"west1", "west15"}),
])
def test_each_filter_gives_the_same_rounds_on_the_page_the_api_and_the_export(web, api, admin, rounds, xiaoming,
                                                                               west, query, expected):
    query = query.replace("CHILD", str(xiaoming.pk)).replace("WEST", str(west.pk))
    api_ids = {r["id"] for r in api.as_(admin).get(f"/api/v1/nutrition-deliveries/?{query}").json()["results"]}
    page = web.as_(admin).get(f"{reverse('children:delivery_list')}?{query}")
    page_ids = {d.pk for d in page.context["object_list"]}
    rows, _ = read_sheet(web.as_(admin).get(f"{reverse('children:delivery_list')}?{query}&format=xlsx"))
    header = rows[0]
    assert "身份证号" in header and xiaoming.id_number not in str(rows)
    exported = len(rows) - 1
    assert api_ids == page_ids == {rounds[name] for name in expected} and exported == len(expected)


def test_the_plan_list_is_the_same_on_the_page_the_api_and_the_export(web, api, admin, rounds, west):
    for query in ("", f"community={west.pk}", "active=true"):
        api_ids = {r["id"] for r in api.as_(admin).get(f"/api/v1/nutrition-plans/?{query}").json()["results"]}
        page_ids = {p.pk for p in web.as_(admin).get(f"{reverse('children:plan_list')}?{query}")
                    .context["object_list"]}
        rows, _ = read_sheet(web.as_(admin).get(f"{reverse('children:plan_list')}?{query}&format=xlsx"))
        assert api_ids == page_ids == {row[0] for row in rows[1:]}


def test_a_workers_own_rounds(api, gridder, rounds):
    mine = api.as_(gridder).get("/api/v1/nutrition-deliveries/?mine=true").json()["results"]
    assert {r["id"] for r in mine} == {rounds["first"], rounds["second"]}


def test_exporting_childrens_rounds_is_audited(web, admin, rounds):
    before = AuditEntry.objects.filter(action="export").count()
    read_sheet(web.as_(admin).get(f"{reverse('children:delivery_list')}?format=xlsx"))
    assert AuditEntry.objects.filter(action="export").count() == before + 1


def test_the_lists_ask_a_fixed_number_of_questions(web, api, admin, rounds, django_assert_num_queries):
    browser = web.as_(admin)
    browser.get(reverse("children:delivery_list"))
    # Session, user (2), the authenticator (1), count, the page with child, community, worker and deliverer
    # (2), the filter form's community choices (1), the unread badge (1).
    with django_assert_num_queries(7):
        assert browser.get(reverse("children:delivery_list")).status_code == 200
    # The plans: the same, with the grid's choices too (8).
    with django_assert_num_queries(8):
        assert browser.get(reverse("children:plan_list")).status_code == 200
    client = api.as_(admin)
    with django_assert_num_queries(2):  # count, the page with child and deliverer
        assert client.get("/api/v1/nutrition-deliveries/").status_code == 200
    with django_assert_num_queries(2):  # count, the page with child and worker
        assert client.get("/api/v1/nutrition-plans/").status_code == 200


def test_a_second_persona_worker_from_another_subdistrict_cannot_be_named(api, staff_east, xiaoming, qinglong):
    stranger = UserFactory(username="far", role="grid_worker", subdistrict=qinglong)
    response = _plan(api, staff_east, xiaoming, worker=stranger)
    assert response.status_code == 400 and "worker" in response.json()


def test_the_leader_reads_a_round_and_a_plan_but_records_and_changes_neither(web, leader, delivery, plan):
    browser = web.as_(leader)
    url = reverse("children:delivery", args=[delivery.pk])
    assert browser.get(url).status_code == 200
    assert browser.post(url, {"action": "confirm", "confirm-received_by": "母亲"}).status_code == 403
    plan_url = reverse("children:plan_detail", args=[plan.pk])
    assert browser.get(plan_url).status_code == 200
    assert browser.post(plan_url, {"days": "5", "worker": plan.worker_id, "contents": "奶", "value": "1",
                                   "active": "on"}).status_code == 403
    assert NutritionDelivery.objects.get().status == DeliveryStatus.DUE and NutritionPlan.objects.get().days == [1, 15]
