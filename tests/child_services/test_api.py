"""The programmes, enrolments and attendance through /api/v1/, as the issue describes them."""

from datetime import timedelta

from django.utils import timezone

from child_services.models import Attendance, Enrolment, Programme, Session
from tests.child_services.factories import EnrolmentFactory, ProgrammeFactory, SessionFactory, child_in

GUARDIAN = {"guardian_name": "刘芳", "guardian_phone": "13800001111"}


def programme_body(point, **extra):
    now = timezone.now()
    return {"name": "暑期绘画公益班", "kind": "holiday_class", "point": point.pk, "age_min_months": 72,
            "age_max_months": 144, "starts_on": str(timezone.localdate()), "ends_on": str(timezone.localdate()
                                                                                          + timedelta(days=40)),
            "capacity": 2, "enrol_opens_at": (now - timedelta(hours=1)).isoformat(),
            "enrol_closes_at": (now + timedelta(days=7)).isoformat(), "fee": "0.00", **extra}


def test_staff_create_a_summer_class_and_its_sessions(api, staff_east, hut):
    answer = api.as_(staff_east).post("/api/v1/programmes/", programme_body(hut), format="json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["kind"], answer.json()["enrolled"], answer.json()["waiting"]) == ("holiday_class", 0, 0)
    pk = answer.json()["id"]
    at = timezone.now() + timedelta(days=2)
    session = api.post(f"/api/v1/programmes/{pk}/sessions/",
                       {"starts_at": at.isoformat(), "ends_at": (at + timedelta(hours=2)).isoformat()}, format="json")
    assert session.status_code == 201, session.json()
    assert api.get(f"/api/v1/programmes/{pk}/sessions/").json()["count"] == 1


def test_a_programme_with_its_range_the_wrong_way_round_is_refused_at_the_field(api, staff_east, hut):
    answer = api.as_(staff_east).post("/api/v1/programmes/", programme_body(hut, age_min_months=144,
                                                                           age_max_months=72), format="json")
    assert answer.status_code == 400
    assert "月龄" in str(answer.json()["age_max_months"])
    assert not Programme.objects.exists()


def test_a_programme_at_another_communitys_point_is_refused(api, staff_west, hut):
    answer = api.as_(staff_west).post("/api/v1/programmes/", programme_body(hut), format="json")
    assert answer.status_code == 400 and "point" in answer.json()


def test_enrol_answers_the_status_and_the_position(api, staff_east, early_class, east1):
    client = api.as_(staff_east)
    answers = [client.post("/api/v1/enrolments/", {"programme": early_class.pk, "child": child_in(east1).pk,
                                                   **GUARDIAN}, format="json") for _ in range(5)]
    assert [a.status_code for a in answers] == [201] * 5
    assert [(a.json()["status"], a.json()["position"]) for a in answers] == [
        ("enrolled", None), ("enrolled", None), ("enrolled", None), ("waitlisted", 1), ("waitlisted", 2)]
    assert set(answers[0].json()) == {"id", "status", "position"}
    first, fifth = answers[0].json()["id"], answers[4].json()["id"]
    withdrawn = client.post(f"/api/v1/enrolments/{first}/withdraw/", {"reason": "搬家"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/enrolments/{fifth}/").json()["position"] == 1


def test_a_refusal_is_a_400_with_the_reason(api, staff_east, early_class, east1):
    four = child_in(east1, years=4)
    answer = api.as_(staff_east).post("/api/v1/enrolments/", {"programme": early_class.pk, "child": four.pk,
                                                             **GUARDIAN}, format="json")
    assert answer.status_code == 400 and "年龄不符" in answer.json()["child"][0]


def test_an_operator_reads_names_only_and_cannot_enrol(api, operator, early_class, xiaoyu):
    EnrolmentFactory(programme=early_class, child=xiaoyu)
    client = api.as_(operator)
    rows = client.get("/api/v1/enrolments/").json()["results"]
    assert [r["child_name"] for r in rows] == ["小雨"]
    assert xiaoyu.id_number not in str(rows) and "13800001111" not in str(rows)
    assert client.post("/api/v1/enrolments/", {"programme": early_class.pk, "child": xiaoyu.pk, **GUARDIAN},
                       format="json").status_code == 403
    assert client.get("/api/v1/enrolments/?format=xlsx").status_code == 403


def test_staff_of_another_community_do_not_see_the_enrolment(api, staff_west, early_class, xiaoyu):
    enrolment = EnrolmentFactory(programme=early_class, child=xiaoyu)
    client = api.as_(staff_west)
    assert client.get("/api/v1/enrolments/").json()["count"] == 0
    assert client.get(f"/api/v1/enrolments/{enrolment.pk}/").status_code == 404
    assert client.post(f"/api/v1/enrolments/{enrolment.pk}/withdraw/", {}, format="json").status_code == 404


def test_the_auditor_gets_nothing(api, auditor, early_class):
    assert api.as_(auditor).get("/api/v1/programmes/").status_code == 403


def test_the_operator_takes_the_register(api, operator, early_class, xiaoyu, xiaobao):
    came, away = EnrolmentFactory(programme=early_class, child=xiaoyu), EnrolmentFactory(programme=early_class,
                                                                                         child=xiaobao)
    session = SessionFactory(programme=early_class)
    answer = api.as_(operator).post("/api/v1/attendance/", {"session": session.pk, "present": [came.pk]},
                                    format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json() == {"session": session.pk, "present": 1, "absent": 1, "written": 2}
    assert dict(Attendance.objects.values_list("enrolment", "present")) == {came.pk: True, away.pk: False}
    listed = api.get(f"/api/v1/attendance/?session={session.pk}").json()["results"]
    assert {r["child_name"]: r["present"] for r in listed} == {"小雨": True, "小宝": False}


def test_another_points_session_is_not_found(api, operator, west_hut):
    session = SessionFactory(programme=ProgrammeFactory(point=west_hut))
    answer = api.as_(operator).post("/api/v1/attendance/", {"session": session.pk, "present": []}, format="json")
    assert answer.status_code == 400 and "session" in answer.json()
    assert not Session.objects.visible_to(operator).exists() and not Enrolment.objects.exists()


def test_list_queries_do_not_grow_with_rows(api, staff_east, early_class, east1, django_assert_num_queries):
    for _ in range(4):
        EnrolmentFactory(programme=early_class, child=child_in(east1))
    client = api.as_(staff_east)
    # The account's communities (scope), the count, the page with its child and programme joined.
    with django_assert_num_queries(3):
        assert client.get("/api/v1/enrolments/").json()["count"] == 4
    ProgrammeFactory(point=early_class.point)
    # The count and the page with its two counts (the account's communities were read by the first request).
    with django_assert_num_queries(2):
        assert client.get("/api/v1/programmes/").json()["count"] == 2
