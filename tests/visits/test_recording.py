"""周网格 records visits and hazards on her phone; who may record, and where."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiedao.models import AuditEntry
from visits.models import Hazard, Visit

pytestmark = pytest.mark.django_db


def test_the_grid_worker_records_a_home_visit_with_a_hazard_through_the_api(api, rules, gridder, zhang):
    response = api.as_(gridder).post("/api/v1/visits/", {
        "resident": zhang.pk, "method": "home",
        "health": "血压偏高", "needs": "想要助餐", "notes": "精神不错",
        "hazards": [{"kind": "gas", "description": "燃气软管老化"}]}, format="json")
    assert response.status_code == 201, response.json()
    visit = Visit.objects.get()
    assert visit.visitor == gridder and visit.health == "血压偏高" and visit.overdue_days == 0
    assert Hazard.objects.get().status == "open"
    assert response.json()["hazards_found"][0]["description"] == "燃气软管老化"
    assert AuditEntry.objects.filter(action="create", target_type="visit").exists()


@pytest.mark.parametrize("persona, who, status", [
    ("gridder", "zhang", 201), ("gridder", "li", 400), ("staff_east", "li", 201), ("staff_west", "zhang", 400),
    ("admin", "wang", 201), ("leader", "zhang", 403), ("district", "zhang", 403), ("auditor", "zhang", 403),
    ("operator", "zhang", 403),
])
def test_who_may_record_a_visit_for_whom(request, api, people, persona, who, status):
    response = api.as_(request.getfixturevalue(persona)).post(
        "/api/v1/visits/", {"resident": people[who].pk, "method": "phone"}, format="json")
    assert response.status_code == status
    assert Visit.objects.exists() == (status == 201)


@pytest.mark.parametrize("payload, field", [
    ({"method": "teleport"}, "method"),
    ({"visited_at": "tomorrow"}, "visited_at"),
    ({"findings": {"mood": "好"}}, "findings"),
    ({"findings": "好"}, "findings"),
    ({"hazards": [{"kind": "ghost", "description": "x"}]}, "hazards"),
    ({"hazards": [{"kind": "fire"}]}, "hazards"),
    ({"health": "x" * 500}, "health"),
])
def test_bad_visits_answer_400_and_store_nothing(api, gridder, zhang, payload, field):
    response = api.as_(gridder).post("/api/v1/visits/", {"resident": zhang.pk, "method": "home", **payload},
                                     format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Visit.objects.exists() and not Hazard.objects.exists()


def test_a_visit_dated_long_ago_is_refused_not_a_500(api, gridder, zhang):
    # Year 1 is no date the portal keeps at all; 1990 is a real date, but too far back for a visit.
    for when, words in [("0001-01-01T00:00:00Z", "1900-01-01 至 2100-12-31"), ("1990-01-01T08:00:00+08:00", "一年前")]:
        response = api.as_(gridder).post("/api/v1/visits/", {"resident": zhang.pk, "method": "home",
                                                             "visited_at": when}, format="json")
        assert response.status_code == 400 and words in response.json()["visited_at"][0]


def test_the_visitor_filter_accepts_only_people_whose_visits_you_can_see(api, gridder, staff_west, wang, zhang):
    from visits import services

    services.visit_record(actor=staff_west, resident=wang, method="phone")
    assert api.as_(gridder).get(f"/api/v1/visits/?visitor={staff_west.pk}").status_code == 400
    assert api.as_(staff_west).get(f"/api/v1/visits/?visitor={staff_west.pk}").json()["count"] == 1


def test_a_visit_in_the_future_is_refused(api, gridder, zhang):
    later = (timezone.now() + timedelta(hours=3)).isoformat()
    response = api.as_(gridder).post("/api/v1/visits/", {"resident": zhang.pk, "method": "home",
                                                         "visited_at": later}, format="json")
    assert response.status_code == 400 and "晚于现在" in response.json()["visited_at"][0]


def test_a_late_visit_remembers_how_late_it_was(api, rules, gridder, zhang):
    Visit.objects.create(resident=zhang, method="home", visitor=gridder,
                         visited_at=timezone.now() - timedelta(days=10))
    api.as_(gridder).post("/api/v1/visits/", {"resident": zhang.pk, "method": "home"}, format="json")
    assert Visit.objects.latest("visited_at").overdue_days == 3


def test_the_visit_list_is_scoped_and_filtered_the_same_on_page_and_api(api, web, gridder, staff_east, zhang, li):
    from visits import services

    services.visit_record(actor=staff_east, resident=zhang, method="home")
    services.visit_record(actor=staff_east, resident=li, method="phone")
    assert [v["resident"] for v in api.as_(gridder).get("/api/v1/visits/").json()["results"]] == [zhang.pk]
    for query in ["method=phone", f"resident={zhang.pk}", f"grid={li.grid_id}", "date_from=2000-01-01",
                  f"visitor={staff_east.pk}"]:
        api_ids = {v["id"] for v in api.as_(staff_east).get(f"/api/v1/visits/?{query}").json()["results"]}
        page_ids = {v.pk for v in web.as_(staff_east).get(f"{reverse('visits:list')}?{query}")
                    .context["object_list"]}
        assert api_ids == page_ids and api_ids, query


def test_hazards_are_followed_up_until_closed(api, gridder, staff_west, zhang):
    from visits import services

    services.visit_record(actor=gridder, resident=zhang, method="home",
                          hazards=[{"kind": "electricity", "description": "插线板过载"}])
    hazard = Hazard.objects.get()
    url = f"/api/v1/hazards/{hazard.pk}/transition/"
    assert api.as_(staff_west).post(url, {"status": "closed"}, format="json").status_code == 404
    assert api.as_(gridder).post(url, {"status": "in_hand"}, format="json").json()["status"] == "in_hand"
    assert api.as_(gridder).post(url, {"status": "in_hand"}, format="json").status_code == 400
    closed = api.as_(gridder).post(url, {"status": "closed", "note": "已更换软管"}, format="json").json()
    assert closed["status"] == "closed" and closed["closed_by"] == gridder.pk
    assert api.as_(gridder).post(url, {"status": "open"}, format="json").status_code == 400
    assert api.as_(gridder).get("/api/v1/hazards/?status=closed").json()["count"] == 1


def test_the_due_endpoint_lists_what_is_due_in_the_callers_scope(api, rules, gridder, staff_east, zhang, li):
    li.care_tier = "regular"
    li.save()
    mine = api.as_(gridder).get("/api/v1/visits/due/").json()["results"]
    assert {(d["resident"], d["method"]) for d in mine} == {(zhang.pk, "home"), (zhang.pk, "phone")}
    assert set(mine[0]) == {"resident", "method", "due_date", "overdue_days", "last_visit"}
    assert api.as_(staff_east).get("/api/v1/visits/due/").json()["count"] == 4
    assert len(api.as_(staff_east).get("/api/v1/visits/due/?page_size=3").json()["results"]) == 3


def test_notifications_are_the_callers_own_and_can_be_marked_read(api, rules, gridder, staff_east, zhang):
    from jiedao.models import Notification
    from visits import services

    services.reminders_run()
    mine = api.as_(gridder).get("/api/v1/notifications/").json()
    assert mine["count"] == 2 and not mine["results"][0]["read"]
    other = Notification.objects.filter(recipient=gridder).first()
    assert api.as_(staff_east).post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    assert api.as_(gridder).post(f"/api/v1/notifications/{other.pk}/read/").json()["read"] is True
    assert api.as_(gridder).get("/api/v1/notifications/?unread=1").json()["count"] == 1


@pytest.mark.parametrize("body", [
    '{"resident": 1e400, "method": "phone"}', '{"resident": 1.5, "method": "phone"}',
    '{"resident": true, "method": "phone"}', '{"resident": 99999999999999999999999, "method": "phone"}',
    '{"resident": RESIDENT, "method": "phone", "visited_at": "0001-01-01T00:00:00"}',
    '{"resident": RESIDENT, "method": "phone", "visited_at": "9999-12-31T23:59:59"}',
])
def test_numbers_and_dates_out_of_range_answer_400(api, gridder, zhang, body):
    response = api.as_(gridder).post("/api/v1/visits/", body.replace("RESIDENT", str(zhang.pk)),
                                     content_type="application/json")
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_a_visit_sent_back_as_it_was_read_is_recorded_its_read_only_fields_ignored(api, rules, gridder, zhang):
    client = api.as_(gridder)
    read = client.post("/api/v1/visits/", {"resident": zhang.pk, "method": "phone", "health": "好"},
                       format="json").json()
    again = {**{k: v for k, v in read.items() if k != "visited_at"}, "method": "home"}  # now, at the door
    response = client.post("/api/v1/visits/", again, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["id"] != read["id"] and response.json()["health"] == "好"
