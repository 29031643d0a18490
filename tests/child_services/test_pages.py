"""The pages: lists that equal their API and their export, a programme's page as staff and as the hut's
operator (names only), the register on a phone, the children absent three sessions running."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from child_services.models import Attendance, Enrolment, EnrolmentStatus, Session
from jiedao.models import AuditEntry
from tests.child_services.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ProgrammeFactory,
    SessionFactory,
    child_in,
)
from tests.workbooks import assert_export_queries_fixed, read_sheet


@pytest.fixture
def classes(early_class, west_hut, east1, west1):
    """Two enrolled and one waiting in 东园's class; one in 西园's summer class."""
    summer = ProgrammeFactory(point=west_hut, name="暑期绘画公益班", kind="holiday_class", age_min_months=72,
                              age_max_months=144)
    rows = {"yu": EnrolmentFactory(programme=early_class, child=child_in(east1, name="小雨")),
            "bao": EnrolmentFactory(programme=early_class, child=child_in(east1, name="小宝")),
            "mi": EnrolmentFactory(programme=early_class, child=child_in(east1, name="小米"),
                                   status=EnrolmentStatus.WAITLISTED, position=1, enrolled_at=None),
            "hua": EnrolmentFactory(programme=summer, child=child_in(west1, years=8, name="小华"))}
    return rows


@pytest.mark.parametrize("query, expected", [
    ("", {"yu", "bao", "mi", "hua"}),
    ("status=waitlisted", {"mi"}),
    ("status=enrolled", {"yu", "bao", "hua"}),
    ("community=WEST", {"hua"}),
    ("programme=EARLY", {"yu", "bao", "mi"}),
])
def test_the_enrolment_list_is_the_same_on_the_page_the_api_and_the_export(web, api, admin, classes, west,
                                                                           early_class, query, expected):
    query = query.replace("WEST", str(west.pk)).replace("EARLY", str(early_class.pk))
    names = {e.pk: key for key, e in classes.items()}
    api_ids = {r["id"] for r in api.as_(admin).get(f"/api/v1/enrolments/?{query}").json()["results"]}
    page = web.as_(admin).get(f"{reverse('children:enrolment_list')}?{query}")
    assert {e.pk for e in page.context["object_list"]} == api_ids
    rows, _ = read_sheet(web.get(f"{reverse('children:enrolment_list')}?{query}&format=xlsx"))
    assert sorted(r[2] for r in rows[1:]) == sorted(classes[n].child.name for n in expected)
    assert {names[i] for i in api_ids} == expected


def test_the_export_shows_no_childs_number_and_is_audited(web, admin, classes):
    rows, _ = read_sheet(web.as_(admin).get(f"{reverse('children:enrolment_list')}?format=xlsx"))
    assert "身份证号" not in rows[0]
    assert classes["yu"].child.id_number not in str(rows) and classes["yu"].child.id_number[-4:] not in str(rows)
    assert AuditEntry.objects.filter(action="export", changes__list="儿童报名").count() == 1


def test_the_enrolment_export_takes_as_many_queries_for_forty_as_for_two(web, admin, early_class, east1):
    def add(n):
        for _ in range(n):
            EnrolmentFactory(programme=early_class, child=child_in(east1))

    assert_export_queries_fixed(web.as_(admin), f"{reverse('children:enrolment_list')}?format=xlsx", add)


def test_the_programme_list_is_the_same_on_the_page_the_api_and_the_export(web, api, staff_east, classes,
                                                                           early_class):
    api_ids = {r["id"] for r in api.as_(staff_east).get("/api/v1/programmes/?kind=early_education").json()["results"]}
    page = web.as_(staff_east).get(f"{reverse('children:programme_list')}?kind=early_education")
    assert {p.pk for p in page.context["object_list"]} == api_ids == {early_class.pk}
    rows, _ = read_sheet(web.get(f"{reverse('children:programme_list')}?kind=early_education&format=xlsx"))
    assert [r[0] for r in rows[1:]] == ["亲子早教班"]


def test_the_programme_list_takes_a_fixed_number_of_queries(web, staff_east, hut, django_assert_num_queries):
    for _ in range(3):
        ProgrammeFactory(point=hut)
    client = web.as_(staff_east)
    client.get(reverse("children:programme_list"))
    # Session, account, its second factor, the account's communities (scope), the count, the places' sum, the
    # unread count, the filter's point and community choices, the page (its counts and points joined).
    with django_assert_num_queries(10):
        assert client.get(reverse("children:programme_list")).status_code == 200


def test_the_operator_sees_only_names_on_its_programme(web, operator, classes, early_class):
    page = web.as_(operator).get(reverse("children:programme_detail", args=[early_class.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "小雨" in body and "小米" in body
    child = classes["yu"].child
    assert child.id_number not in body and child.id_number_masked not in body and child.estate not in body


def test_the_operator_has_no_enrolment_list_and_no_other_point(web, operator, classes):
    client = web.as_(operator)
    assert client.get(reverse("children:enrolment_list")).status_code == 403
    other = classes["hua"].programme
    assert client.get(reverse("children:programme_detail", args=[other.pk])).status_code == 404


def test_staff_of_another_community_do_not_see_the_programme(web, staff_west, early_class):
    assert web.as_(staff_west).get(reverse("children:programme_detail", args=[early_class.pk])).status_code == 404


def test_the_operator_takes_the_register_with_one_tap_per_child(web, operator, classes, early_class):
    session = SessionFactory(programme=early_class)
    url = reverse("children:attendance", args=[session.pk])
    client = web.as_(operator)
    page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('name="present"') == 2  # the waiting child: no
    answer = client.post(url, {"present": [classes["yu"].pk]})
    assert answer.status_code == 302
    assert dict(Attendance.objects.values_list("enrolment", "present")) == {classes["yu"].pk: True,
                                                                           classes["bao"].pk: False}
    detail = client.get(reverse("children:programme_detail", args=[early_class.pk]))
    assert detail.context["totals"] == {"came": 1, "missed": 1, "rate": 50.0, "taken_sessions": 1}


def test_a_register_with_a_stranger_is_refused_and_writes_nothing(web, operator, classes, early_class):
    session = SessionFactory(programme=early_class)
    answer = web.as_(operator).post(reverse("children:attendance", args=[session.pk]),
                                    {"present": [classes["hua"].pk]})
    assert answer.status_code == 400 and not Attendance.objects.exists()


def test_children_absent_three_sessions_running_are_listed(web, staff_east, classes, early_class, operator):
    now = timezone.now()
    for days in (4, 3, 2, 1):
        session = SessionFactory(programme=early_class, starts_at=now - timedelta(days=days),
                                 ends_at=now - timedelta(days=days) + timedelta(hours=1))
        AttendanceFactory(session=session, enrolment=classes["yu"], present=days == 4, recorded_by=operator)
        AttendanceFactory(session=session, enrolment=classes["bao"], present=days == 2, recorded_by=operator)
    page = web.as_(staff_east).get(reverse("children:absences"))
    assert [(a.child_name, a.missed) for a in page.context["absent"]] == [("小雨", 3)]


def test_staff_enrol_by_the_childs_number_and_see_the_waiting_position(web, staff_east, early_class, east1,
                                                                       classes):
    # The class's two places are taken and 小米 waits first.
    early_class.capacity = 2
    early_class.save()
    newcomer = child_in(east1, name="小新")
    answer = web.as_(staff_east).post(reverse("children:enrol", args=[early_class.pk]), {
        "child_id_number": newcomer.id_number, "guardian_name": "刘芳", "guardian_phone": "13800001111"},
        follow=True)
    assert "已进入候补，第 2 位" in answer.content.decode()
    assert Enrolment.objects.get(child=newcomer).position == 2


def test_a_child_of_another_community_is_not_found_by_number(web, staff_east, early_class, west1):
    stranger = child_in(west1, name="小西")
    answer = web.as_(staff_east).post(reverse("children:enrol", args=[early_class.pk]), {
        "child_id_number": stranger.id_number, "guardian_name": "刘芳", "guardian_phone": "13800001111"})
    assert answer.status_code == 200 and "找不到该儿童" in answer.content.decode()
    assert not Enrolment.objects.exists()


def test_staff_withdraw_a_child_and_the_waiting_one_moves_up(web, staff_east, classes):
    answer = web.as_(staff_east).post(reverse("children:enrolment_withdraw", args=[classes["yu"].pk]),
                                      {"reason": "入园"})
    assert answer.status_code == 302
    classes["mi"].refresh_from_db()
    assert (classes["mi"].status, classes["mi"].position) == (EnrolmentStatus.ENROLLED, None)


def test_a_weekly_pattern_from_the_programme_page(web, staff_east, early_class):
    answer = web.as_(staff_east).post(reverse("children:sessions_add", args=[early_class.pk]),
                                      {"weekdays": ["1"], "start": "09:30", "end": "11:00"})
    assert answer.status_code == 302
    assert Session.objects.filter(programme=early_class).count() in (17, 18)  # Tuesdays over 121 days


def test_staff_create_a_programme_on_the_page(web, staff_east, hut):
    now = timezone.localtime()
    answer = web.as_(staff_east).post(reverse("children:programme_create"), {
        "point": hut.pk, "name": "周末亲子阅读", "kind": "early_education", "age_min_months": "12",
        "age_max_months": "36", "starts_on": str(now.date()), "ends_on": str(now.date() + timedelta(days=60)),
        "capacity": "12", "enrol_opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "enrol_closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "fee": "0", "description": ""})
    assert answer.status_code == 302, answer.context["form"].errors
    assert AuditEntry.objects.filter(target_type="programme", action="create").exists()


def test_the_auditor_is_refused_every_page(web, auditor, early_class):
    client = web.as_(auditor)
    for url in (reverse("children:programme_list"), reverse("children:enrolment_list"), reverse("children:absences"),
                reverse("children:programme_detail", args=[early_class.pk])):
        assert client.get(url).status_code == 403, url


def test_the_enrolment_list_and_the_absences_take_a_fixed_number_of_queries(web, admin, early_class, east1,
                                                                            operator, django_assert_num_queries):
    session = SessionFactory(programme=early_class)
    for _ in range(3):
        AttendanceFactory(session=session, enrolment=EnrolmentFactory(programme=early_class, child=child_in(east1)),
                          present=False, recorded_by=operator)
    client = web.as_(admin)
    client.get(reverse("children:enrolment_list"))
    # Session, account, its second factor, the count, the unread count, the filter's programme, point and
    # community choices (the sub-district's is hidden), the page (its child and programme's point joined). The
    # admin's scope is the sub-district: no query for it.
    with django_assert_num_queries(9):
        assert client.get(reverse("children:enrolment_list")).status_code == 200
    # Session, account, its second factor, the unread count; the enrolled, their attendance of past sessions.
    with django_assert_num_queries(6):
        assert client.get(reverse("children:absences")).status_code == 200
    # And a programme's page: the same four, the programme with its counts, its sessions with theirs, the
    # live enrolments with their children, the absences (two).
    with django_assert_num_queries(9):
        assert client.get(reverse("children:programme_detail", args=[early_class.pk])).status_code == 200


def test_no_child_list_or_export_shows_a_masked_number_beside_the_age_in_months(web, admin, early_class, east1):
    """A child's age in months and the check digit of a masked number left one to five birth dates: the lists
    of children show the name and the age, never a number."""
    from child_services import services as children
    from tests.factories import ResidentFactory

    today = timezone.localdate()
    child = ResidentFactory(name="小禾", grid=east1, birth=today - timedelta(days=400), female=True)
    children.enrolment_create(actor=admin, programme=early_class, child=child, guardian_name="小禾妈妈",
                              guardian_phone="13911112233")
    masked = child.id_number_masked
    browser = web.as_(admin)
    for path in ["/children/enrolments/", f"/children/programmes/{early_class.pk}/"]:
        page = browser.get(path).content.decode()
        assert "小禾" in page and masked not in page
    rows, _ = read_sheet(browser.get("/children/enrolments/?format=xlsx"))
    cells = [str(c) for row in rows for c in row if c is not None]
    assert "小禾" in cells and not any("*" in c for c in cells) and "身份证号" not in cells
