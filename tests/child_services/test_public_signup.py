"""A parent signs up on the programme's public page with no account: the child's ID number and the guardian's
phone. The page answers the same whether they match the registry or not; the text says what happened."""

import logging
import re

import pytest
from django.urls import reverse

from child_services.models import Enrolment, EnrolmentChannel, EnrolmentStatus
from tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def family(east1, xiaoyu):
    """小雨 and her mother 刘芳 (13800001111) in one household."""
    home = HouseholdFactory(grid=east1)
    xiaoyu.household = home
    xiaoyu.save()
    mother = ResidentFactory(name="刘芳", grid=east1, household=home, phone="13800001111", female=True)
    return {"child": xiaoyu, "mother": mother}


def sign_up(client, programme, id_number, phone="13800001111"):
    return client.post(reverse("children:public", args=[programme.pk]),
                       {"id_number": id_number, "guardian_phone": phone})


def test_a_parent_signs_up_and_is_told_by_text(client, early_class, family, outbox):
    page = client.get(reverse("children:public", args=[early_class.pk]))
    assert page.status_code == 200 and "亲子早教班" in page.content.decode()
    answer = sign_up(client, early_class, family["child"].id_number)
    assert answer.status_code == 200 and "结果将以短信发送" in answer.content.decode()
    enrolment = Enrolment.objects.get()
    assert (enrolment.child, enrolment.guardian, enrolment.channel, enrolment.status) == (
        family["child"], family["mother"], EnrolmentChannel.PUBLIC, EnrolmentStatus.ENROLLED)
    assert outbox == [("13800001111", "【街道民政】小雨 报名“亲子早教班”：已录取。")]


def test_the_page_answers_the_same_whether_the_pair_matches_or_not(client, early_class, family, outbox, li):
    def answer_for(id_number, phone):
        body = sign_up(client, early_class, id_number, phone).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)  # masked afresh on every page

    matched = answer_for(family["child"].id_number, "13800001111")
    wrong_phone = answer_for(family["child"].id_number, "13900009999")
    stranger = answer_for(li.id_number, "13800001111")  # registered, but no child of this phone
    assert matched == wrong_phone == stranger
    assert Enrolment.objects.count() == 1
    assert [phone for phone, _ in outbox] == ["13800001111", "13900009999", "13800001111"]
    assert "未能与居民登记信息核实" in outbox[1][1] and "未能与居民登记信息核实" not in outbox[0][1]


def test_the_page_says_whether_places_are_left_never_how_many(client, early_class, family, outbox):
    """The attacker's review: 尚余 4 became 尚余 3 after a sign-up whose child and phone matched the registry,
    and stayed 4 when they did not — a stranger could test any pair. The page says only 尚有名额 or 已满."""
    def page():
        body = client.get(reverse("children:public", args=[early_class.pk])).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    before = page()
    assert "尚有名额" in before and "尚余" not in before
    sign_up(client, early_class, family["child"].id_number)
    assert Enrolment.objects.count() == 1 and page() == before


def test_one_request_per_child_sends_one_text(client, early_class, family, outbox):
    for _ in range(3):
        assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    assert len(outbox) == 1 and Enrolment.objects.count() == 1


def test_a_cache_that_forgets_still_sends_one_text_a_day(client, early_class, family, outbox):
    """The cache evicts under memory pressure (and is emptied by a restart of Redis): the once-a-day rule is kept in
    the database, so a mother who sends the form again after the cache forgot gets no second text that day."""
    from django.core.cache import cache

    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    cache.clear()
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    assert len(outbox) == 1 and Enrolment.objects.count() == 1


def test_the_next_day_the_same_pair_is_handled_again(client, early_class, family, outbox, monkeypatch):
    from datetime import timedelta

    from child_services import signup

    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    tomorrow = signup.now() + timedelta(days=1)
    monkeypatch.setattr(signup, "now", lambda: tomorrow)
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    # Handled again (a second text, saying where she stands), never a second place.
    assert len(outbox) == 2 and Enrolment.objects.count() == 1
    assert outbox[1] == ("13800001111", "【街道民政】小雨 报名“亲子早教班”：已录取。")


def test_a_text_that_did_not_go_out_may_be_asked_for_again_the_same_day(client, early_class, family, outbox,
                                                                          monkeypatch):
    """The gateway failed: the mother heard nothing, so the same form sent again is answered (with where her
    child stands, the place kept), where a mark left behind would have held her off until tomorrow."""
    from child_services import signup

    monkeypatch.setattr(signup, "text_send", lambda **kwargs: False)
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    assert Enrolment.objects.count() == 1 and outbox == []
    monkeypatch.undo()
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    assert outbox == [("13800001111", "【街道民政】小雨 报名“亲子早教班”：已录取。")]
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    assert len(outbox) == 1 and Enrolment.objects.count() == 1


def test_the_nightly_purge_keeps_only_todays_marks(client, early_class, family, outbox, monkeypatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    from child_services import signup
    from child_services.models import PublicRequest
    from child_services.tasks import purge_public_requests_task

    assert "purge-public-requests" in settings.CELERY_BEAT_SCHEDULE
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    tomorrow = signup.now() + timedelta(days=1)
    monkeypatch.setattr(signup, "now", lambda: tomorrow)
    assert sign_up(client, early_class, family["child"].id_number).status_code == 200
    assert PublicRequest.objects.count() == 2
    assert purge_public_requests_task() == 1 and purge_public_requests_task() == 0
    assert list(PublicRequest.objects.values_list("day", flat=True)) == [timezone.localdate(tomorrow)]
    assert family["child"].id_number not in str(list(PublicRequest.objects.values("key")))


def test_a_refusal_is_told_by_text_with_its_reason(client, hut, family, outbox):
    from tests.child_services.factories import ProgrammeFactory

    summer = ProgrammeFactory(point=hut, name="暑期阅读公益班", age_min_months=72, age_max_months=144)
    sign_up(client, summer, family["child"].id_number)
    assert "未成功：年龄不符" in outbox[0][1]
    assert not Enrolment.objects.exists()


def test_an_address_sending_too_many_is_slowed_down(client, early_class, settings, outbox, east1):
    from tests.child_services.factories import child_in

    settings.SIGNUP_PER_ADDRESS = 3
    answers = [sign_up(client, early_class, child_in(east1).id_number).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert len(outbox) == 3


def test_a_malformed_number_is_refused_at_its_field(client, early_class, outbox):
    answer = sign_up(client, early_class, "12345")
    assert answer.status_code == 400 and "18 位" in answer.content.decode()
    assert outbox == []


def test_the_log_backend_never_logs_the_full_numbers(client, early_class, family, settings, caplog):
    settings.TEXT_MESSAGE_BACKEND = "jiedao.notifications.LogTextBackend"
    with caplog.at_level(logging.INFO, logger="jiedao.notifications"):
        sign_up(client, early_class, family["child"].id_number)
        sign_up(client, early_class, family["child"].id_number, "13900009999")
    assert "短信" in caplog.text
    assert "13800001111" not in caplog.text and family["child"].id_number not in caplog.text


def test_an_unknown_programme_is_not_found(client, db):
    assert client.get(reverse("children:public", args=[99999])).status_code == 404
    assert client.get("/children/public/99999999999999999999/").status_code == 404


@pytest.mark.parametrize("typed", ["138 0000 1111", "１３８００００１１１１", "+86 138-0000-1111"])
def test_a_phone_typed_as_people_do_still_finds_the_mother(client, early_class, family, outbox, typed):
    assert sign_up(client, early_class, family["child"].id_number, typed).status_code == 200
    assert Enrolment.objects.get().guardian.name == "刘芳"
    assert [phone for phone, _ in outbox] == ["13800001111"]
