"""Enrolment, withdrawal and attendance as the offices tell them: 王丽 of 东园 enrols the children of her
community in the 亲子小屋's class, three places, first come first served, then a waiting list."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from child_services import services
from child_services.models import Attendance, Enrolment, EnrolmentStatus
from jiedao.models import AuditEntry, Notification, NotificationKind
from tests.child_services.factories import ProgrammeFactory, SessionFactory, child_in

ENROLLED, WAITLISTED, WITHDRAWN = EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.WITHDRAWN


def enrol(actor, programme, child, **kwargs):
    kwargs.setdefault("guardian_name", "刘芳")
    kwargs.setdefault("guardian_phone", "13800001111")
    return services.enrolment_create(actor=actor, programme=programme, child=child, **kwargs)


def test_the_first_three_take_the_places_and_the_fourth_waits(staff_east, early_class, east1):
    children = [child_in(east1, years=1, days=n, name=f"孩子{n}") for n in range(5)]
    answers = [enrol(staff_east, early_class, c) for c in children]
    assert [(e.status, e.position) for e in answers] == [
        (ENROLLED, None), (ENROLLED, None), (ENROLLED, None), (WAITLISTED, 1), (WAITLISTED, 2)]


def test_a_withdrawal_moves_the_first_waiting_child_up_and_tells_the_staff(staff_east, early_class, east1, hut,
                                                                          operator):
    children = [child_in(east1, years=1, days=n, name=f"孩子{n}") for n in range(6)]
    first, *_, fourth, fifth, sixth = [enrol(staff_east, early_class, c) for c in children]
    services.enrolment_withdraw(actor=staff_east, enrolment=first, reason="搬家")
    statuses = {e.pk: (e.status, e.position) for e in Enrolment.objects.all()}
    assert statuses[first.pk] == (WITHDRAWN, None)
    assert statuses[fourth.pk] == (ENROLLED, None)
    assert (statuses[fifth.pk], statuses[sixth.pk]) == ((WAITLISTED, 1), (WAITLISTED, 2))
    told = Notification.objects.filter(kind=NotificationKind.ENROLMENT)
    assert set(told.values_list("recipient", flat=True)) == {staff_east.pk, operator.pk}
    assert "孩子3 已转为录取" in told.first().message


def test_a_waiting_child_withdrawing_closes_the_gap_behind_them(staff_east, early_class, east1):
    children = [child_in(east1, years=1, days=n, name=f"孩子{n}") for n in range(7)]
    *_, w1, w2, w3, w4 = [enrol(staff_east, early_class, c) for c in children]
    services.enrolment_withdraw(actor=staff_east, enrolment=w2)
    positions = dict(Enrolment.objects.filter(status=WAITLISTED).values_list("pk", "position"))
    assert positions == {w1.pk: 1, w3.pk: 2, w4.pk: 3}
    with pytest.raises(ValidationError, match="已退出"):
        services.enrolment_withdraw(actor=staff_east, enrolment=w2)


def test_more_places_go_to_the_first_waiting_at_once(staff_east, early_class, east1):
    children = [child_in(east1, years=1, days=n, name=f"孩子{n}") for n in range(5)]
    *_, w1, w2 = [enrol(staff_east, early_class, c) for c in children]
    early_class.capacity = 4
    services.programme_save(actor=staff_east, programme=early_class)
    w1.refresh_from_db()
    w2.refresh_from_db()
    assert (w1.status, w2.status, w2.position) == (ENROLLED, WAITLISTED, 1)


def test_fewer_places_than_children_enrolled_is_refused_with_what_to_do(staff_east, early_class, east1):
    """The attacker's review: capacity 1 was saved over four enrolled children. A place once given is the
    child's; fewer places come from withdrawals, each with its reason."""
    for n in range(3):
        enrol(staff_east, early_class, child_in(east1, years=1, days=n, name=f"孩子{n}"))
    early_class.capacity = 1
    with pytest.raises(ValidationError) as refused:
        services.programme_save(actor=staff_east, programme=early_class)
    assert "已录取 3 名儿童，名额不能少于 3" in refused.value.message_dict["capacity"][0]
    early_class.refresh_from_db()
    assert early_class.capacity == 3
    early_class.capacity = 3
    services.programme_save(actor=staff_east, programme=early_class)  # as many as enrolled: fine


def test_a_child_outside_the_age_range_is_refused(staff_east, early_class, east1):
    four = child_in(east1, years=4, name="大宝")
    with pytest.raises(ValidationError) as refused:
        enrol(staff_east, early_class, four)
    assert "年龄不符" in refused.value.message_dict["child"][0]
    assert "招收0 个月至3 岁的儿童，该儿童届时4 岁" in refused.value.message_dict["child"][0]


def test_an_adult_is_never_a_child(staff_east, east1, hut):
    anyone = ProgrammeFactory(point=hut, age_min_months=0, age_max_months=216)
    with pytest.raises(ValidationError, match="未满 18 周岁"):
        enrol(staff_east, anyone, child_in(east1, years=30, name="成人"))


def test_a_child_already_enrolled_or_waiting_is_refused(staff_east, early_class, xiaoyu):
    enrol(staff_east, early_class, xiaoyu)
    with pytest.raises(ValidationError, match="已报名或在候补中"):
        enrol(staff_east, early_class, xiaoyu)
    assert Enrolment.objects.count() == 1


def test_a_child_withdrawn_may_enrol_again(staff_east, early_class, xiaoyu):
    services.enrolment_withdraw(actor=staff_east, enrolment=enrol(staff_east, early_class, xiaoyu))
    assert enrol(staff_east, early_class, xiaoyu).status == ENROLLED


def test_a_clashing_session_in_another_programme_is_refused(staff_east, early_class, hut, xiaoyu):
    music = ProgrammeFactory(point=hut, name="亲子音乐课")
    at = timezone.now() + timedelta(days=3)
    SessionFactory(programme=early_class, starts_at=at, ends_at=at + timedelta(hours=1))
    SessionFactory(programme=music, starts_at=at + timedelta(minutes=30), ends_at=at + timedelta(hours=2))
    enrol(staff_east, early_class, xiaoyu)
    with pytest.raises(ValidationError) as refused:
        enrol(staff_east, music, xiaoyu)
    assert "时间冲突" in refused.value.message_dict["child"][0]
    assert "亲子早教班" in refused.value.message_dict["child"][0]


def test_sessions_that_only_touch_do_not_clash(staff_east, early_class, hut, xiaoyu):
    music = ProgrammeFactory(point=hut, name="亲子音乐课")
    at = timezone.now() + timedelta(days=3)
    SessionFactory(programme=early_class, starts_at=at, ends_at=at + timedelta(hours=1))
    SessionFactory(programme=music, starts_at=at + timedelta(hours=1), ends_at=at + timedelta(hours=2))
    enrol(staff_east, early_class, xiaoyu)
    assert enrol(staff_east, music, xiaoyu).status == ENROLLED


def test_the_window_not_yet_open_or_closed_is_refused(staff_east, hut, xiaoyu):
    later = ProgrammeFactory(point=hut, enrol_opens_at=timezone.now() + timedelta(hours=2),
                             enrol_closes_at=timezone.now() + timedelta(days=2))
    with pytest.raises(ValidationError, match="报名尚未开始"):
        enrol(staff_east, later, xiaoyu)
    past = ProgrammeFactory(point=hut, enrol_opens_at=timezone.now() - timedelta(days=9),
                            enrol_closes_at=timezone.now() - timedelta(days=2))
    with pytest.raises(ValidationError, match="报名已于"):
        enrol(staff_east, past, xiaoyu)


def test_a_guardian_is_a_resident_or_a_name_and_a_phone(staff_east, early_class, xiaoyu, zhang):
    with pytest.raises(ValidationError, match="监护人"):
        enrol(staff_east, early_class, xiaoyu, guardian_name="", guardian_phone="")
    with pytest.raises(ValidationError, match="监护人电话"):
        enrol(staff_east, early_class, xiaoyu, guardian_phone="")
    with pytest.raises(ValidationError) as refused:
        enrol(staff_east, early_class, xiaoyu, guardian_phone="abc")
    assert "guardian_phone" in refused.value.message_dict
    enrolment = enrol(staff_east, early_class, xiaoyu, guardian=zhang, guardian_name="", guardian_phone="")
    assert enrolment.guardian == zhang


def test_staff_of_another_community_cannot_enrol_here(staff_west, early_class, xiaoyu):
    with pytest.raises(PermissionDenied):
        enrol(staff_west, early_class, xiaoyu)


def test_grid_workers_and_operators_do_not_enrol(gridder, operator, early_class, xiaoyu):
    for actor in (gridder, operator):
        with pytest.raises(PermissionDenied):
            enrol(actor, early_class, xiaoyu)


def test_an_enrolment_is_audited_without_the_childs_number_or_the_phone(staff_east, early_class, xiaoyu):
    enrolment = enrol(staff_east, early_class, xiaoyu)
    entry = AuditEntry.objects.get(target_type="enrolment", target_id=str(enrolment.pk))
    assert xiaoyu.id_number not in str(entry.changes) and "13800001111" not in str(entry.changes)
    assert entry.changes["child"]["name"] == "小雨"


def test_a_weekly_pattern_makes_every_tuesday_and_thursday_once(staff_east, hut):
    from datetime import date, time

    spring = ProgrammeFactory(point=hut, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 29))
    made = services.sessions_from_pattern(actor=staff_east, programme=spring, weekdays=[1, 3], start=time(9, 30),
                                          end=time(11))
    assert len(made) == 8
    assert {timezone.localtime(s.starts_at).weekday() for s in made} == {1, 3}
    assert services.sessions_from_pattern(actor=staff_east, programme=spring, weekdays=[1, 3], start=time(9, 30),
                                          end=time(11)) == []


def test_a_session_outside_the_programme_dates_is_refused(staff_east, early_class):
    at = timezone.now() + timedelta(days=400)
    with pytest.raises(ValidationError, match="课程日期内"):
        services.session_create(actor=staff_east, programme=early_class, starts_at=at, ends_at=at + timedelta(hours=1))


def test_the_operator_takes_attendance_with_one_tap_per_child(operator, staff_east, early_class, xiaoyu, xiaobao,
                                                                xiaomi):
    yu, bao, mi = (enrol(staff_east, early_class, c) for c in (xiaoyu, xiaobao, xiaomi))
    session = SessionFactory(programme=early_class)
    assert services.attendance_record(actor=operator, session=session, present=[yu.pk, mi.pk]) == {
        "present": 2, "absent": 1, "written": 3}
    assert dict(Attendance.objects.values_list("enrolment", "present")) == {yu.pk: True, bao.pk: False, mi.pk: True}
    # A correction writes the one row that changed.
    assert services.attendance_record(actor=operator, session=session, present=[yu.pk, bao.pk, mi.pk])["written"] == 1


def test_attendance_is_only_for_the_programmes_enrolled_children(operator, staff_east, early_class, xiaoyu, hut,
                                                                 xiaobao):
    other = enrol(staff_east, ProgrammeFactory(point=hut), xiaobao)
    session = SessionFactory(programme=early_class)
    with pytest.raises(ValidationError, match="已录取的儿童"):
        services.attendance_record(actor=operator, session=session, present=[other.pk])


def test_an_operator_of_another_point_cannot_take_attendance_here(early_class, west_hut):
    from tests.factories import operator_at

    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=operator_at(west_hut), session=SessionFactory(programme=early_class),
                                   present=[])


def test_a_session_not_begun_takes_no_attendance(operator, early_class):
    at = timezone.now() + timedelta(days=2)
    session = SessionFactory(programme=early_class, starts_at=at, ends_at=at + timedelta(hours=1))
    with pytest.raises(ValidationError, match="还没有开始"):
        services.attendance_record(actor=operator, session=session, present=[])
