"""Bad input answers 400 (or the page shows what is wrong), never 500: each story below was a 500.

The whole family of bad values against every list, form and endpoint is tests/jiedao/test_bad_input_family.py;
here is each cause, told once, where it was found.
"""

from datetime import date

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from elderly_care.models import PriceRule
from jiedao.models import AuditEntry
from residents.id_numbers import make
from residents.models import Resident
from tests.conftest import PASSWORD
from tests.factories import ServicePointFactory
from visits import services as visits

pytestmark = pytest.mark.django_db

UNICODE_DIGITS = ["²", "３", "٣"]  # str.isdigit() says yes to all three; int() refuses the first


def _browser(user=None) -> Client:
    """A browser that gets the 500 page rather than the exception, as a user would."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# Page numbers and sizes: one reading of a positive whole number, in ASCII digits.

@pytest.mark.parametrize("raw", UNICODE_DIGITS)
def test_a_page_size_in_other_digits_is_ignored_by_the_page_and_refused_by_the_api(api, staff_east, zhang, raw):
    page = _browser(staff_east).get(reverse("residents:resident_list"), {"page_size": raw})
    assert page.status_code == 200 and page.context["paginator"].per_page == 50
    answer = api.as_(staff_east).get("/api/v1/residents/", {"page_size": raw})
    assert answer.status_code == 400 and "每页条数" in answer.json()["page_size"][0]


@pytest.mark.parametrize("raw", UNICODE_DIGITS)
def test_a_page_number_in_other_digits_shows_a_page_and_the_api_says_why_not(api, staff_east, zhang, raw):
    page = _browser(staff_east).get(reverse("residents:resident_list"), {"page": raw})
    assert page.status_code == 200 and page.context["page_obj"].number == 1
    answer = api.as_(staff_east).get("/api/v1/residents/", {"page": raw})
    assert answer.status_code == 400 and answer.json() == {"page": ["页码应为正整数。"]}


@pytest.mark.parametrize("raw", UNICODE_DIGITS)
def test_a_household_or_point_named_in_other_digits_is_no_household_or_point(staff_east, east, zhang, raw):
    canteen = ServicePointFactory(community=east, name="东园老年食堂")
    form = _browser(staff_east).get(reverse("residents:resident_create"), {"household": raw})
    assert form.status_code == 200 and not form.context["form"].initial.get("household")
    day = _browser(staff_east).get(reverse("care:deliveries"), {"point": raw})
    assert day.status_code == 200 and day.context["point"] == canteen
    posted = _browser(staff_east).post(reverse("care:deliveries"), {"enrolment": raw, "status": "delivered"})
    assert posted.status_code == 404


# An ID number in other digits is a wrong ID number (full-width ones are read as the digits they are).

@pytest.mark.parametrize("digit", ["¹", "١"])  # superscript one (int() refuses it), Arabic-Indic one (int() reads 1)
def test_an_id_number_with_a_digit_of_another_script_is_refused_at_its_field(web, staff_east, east1, digit):
    number = make("110105", date(1950, 3, 1), 11, female=False)
    page = _browser(staff_east).post(reverse("residents:resident_create"), {
        "name": "马大爷", "id_number": digit + number[1:], "grid": east1.pk, "residence_type": "registered",
        "care_tier": "none"})
    assert page.status_code == 200 and "前 17 位应为数字" in page.context["form"].errors["id_number"][0]
    assert not Resident.objects.filter(name="马大爷").exists()


# Days: one reading, that refuses a day whose next day does not exist, or any absurdly far out.

@pytest.mark.parametrize("url, field", [
    ("/api/v1/cases/", "opened_to"), ("/api/v1/cases/", "opened_from"),
    ("/api/v1/visits/", "date_to"), ("/api/v1/visits/", "date_from"),
])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "3000-01-01"])
def test_a_day_out_of_this_world_is_a_400_at_its_field(api, staff_east, zhang, url, field, day):
    answer = api.as_(staff_east).get(url, {field: day})
    assert answer.status_code == 400, answer.content
    assert "日期应在" in answer.json()[field][0]


@pytest.mark.parametrize("url, field", [
    ("assistance:case_list", "opened_to"), ("visits:list", "date_to"), ("visits:list", "date_from"),
])
def test_the_page_shows_the_days_error_at_its_field(staff_east, zhang, url, field):
    page = _browser(staff_east).get(reverse(url), {field: "9999-12-31"})
    assert page.status_code == 200
    assert "日期应在" in page.context["filter_form"].errors[field][0]


def test_a_day_far_ahead_but_in_this_world_still_lists(api, staff_east, zhang):
    assert api.as_(staff_east).get("/api/v1/visits/", {"date_to": "2099-12-31"}).status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_out_of_this_world_in_a_form_is_an_error_at_its_field(web, staff_east, zhang, day):
    page = web.as_(staff_east).post(reverse("residents:resident_archive", args=[zhang.pk]),
                                    {"status": "moved_out", "on": day, "reason": "迁出"})
    assert page.status_code == 200 and "日期应在" in page.context["form"].errors["on"][0]
    zhang.refresh_from_db()
    assert zhang.status == "active"


# Control characters: refused before any filter, form, audit entry or database sees them.

@pytest.mark.parametrize("query", [{"search": "张\x00"}, {"x\x00": "1"}, {"search": "a\x1bb"}])
def test_a_nul_byte_in_the_query_string_is_refused_with_a_chinese_message(api, staff_east, zhang, query):
    answer = api.as_(staff_east).get("/api/v1/residents/", query)
    assert answer.status_code == 400 and "控制字符" in str(answer.json())
    page = _browser(staff_east).get(reverse("residents:resident_list"), query)
    assert page.status_code == 400 and "控制字符" in page.content.decode()


@pytest.mark.parametrize("via", ["page", "api"])
def test_an_export_with_a_nul_byte_in_its_filters_is_refused_not_left_unaudited(api, staff_east, zhang, via):
    query = {"format": "xlsx", "status": "all", "note": "a\x00b"}
    if via == "page":
        answer = _browser(staff_east).get(reverse("residents:resident_list"), query)
    else:
        answer = api.as_(staff_east).get("/api/v1/residents/", query)
    assert answer.status_code == 400
    assert not AuditEntry.objects.filter(action="export").exists()


def test_an_export_whose_filters_are_wrong_is_refused_and_the_page_says_why(staff_east, zhang):
    page = _browser(staff_east).get(reverse("residents:resident_list"), {"format": "xlsx", "age_min": "old"})
    assert page.status_code == 400 and "筛选条件有误" in page.content.decode()
    assert "age_min" in page.context["filter_form"].errors
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_saved(staff_east, zhang):
    page = _browser(staff_east).post(reverse("residents:resident_archive", args=[zhang.pk]),
                                     {"status": "moved_out", "on": "2026-01-05", "reason": "迁往\x00外地"})
    assert page.status_code == 400 and "控制字符" in page.content.decode()
    zhang.refresh_from_db()
    assert zhang.status == "active" and not AuditEntry.objects.filter(action="archive").exists()


@pytest.mark.parametrize("text", [r"迁往\u0000外地", r"\ud800"])  # as JSON writes them
def test_a_nul_byte_or_a_broken_character_in_a_json_body_is_refused(api, staff_east, zhang, text):
    answer = api.as_(staff_east).patch(f"/api/v1/residents/{zhang.pk}/", f'{{"notes": "{text}"}}',
                                       content_type="application/json")
    assert answer.status_code == 400 and "控制字符" in answer.json()["notes"][0]
    zhang.refresh_from_db()
    assert zhang.notes == ""


def test_tabs_and_line_breaks_are_ordinary_text(staff_east, zhang):
    response = _browser(staff_east).post(reverse("residents:resident_archive", args=[zhang.pk]),
                                         {"status": "moved_out", "on": "2026-01-05", "reason": "迁往\t外地\r\n投亲"})
    assert response.status_code == 302


# A login with a name longer than any account's: a message, and the attempt still counts.

@pytest.mark.parametrize("length", [151, 256, 1000])
def test_a_login_name_too_long_for_any_account_gets_a_message_and_still_counts(client, staff_east, length):
    name = "staff_east" + "x" * (length - 10)
    page = Client(raise_request_exception=False).post(reverse("login"), {"username": name, "password": PASSWORD})
    assert page.status_code == 200 and "用户名最多 150 个字符" in page.content.decode()
    assert AccessAttempt.objects.get(username=name[:150]).failures_since_start == 1
    assert AuditEntry.objects.filter(action="login_failed", actor_username=name[:150]).exists()


def test_the_token_endpoint_says_the_same_and_counts_the_same(api, staff_east):
    name = "x" * 300
    answer = api.post("/api/v1/auth/token/", {"username": name, "password": PASSWORD}, format="json")
    assert answer.status_code == 400 and "用户名最多 150 个字符" in answer.json()["username"][0]
    assert AccessAttempt.objects.get(username=name[:150]).failures_since_start == 1


@pytest.mark.urls("tests.admin_urls")
def test_the_django_admins_login_says_the_same(admin):
    page = Client(raise_request_exception=False).post("/django-admin/login/", {"username": "x" * 300,
                                                                                  "password": PASSWORD})
    assert page.status_code == 200 and "用户名最多 150 个字符" in page.content.decode()


def test_enough_long_names_lock_that_name_like_any_other(settings, staff_east):
    name = "y" * 200
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": name, "password": "wrong"})
    assert Client().post(reverse("login"), {"username": name, "password": "wrong"}).status_code == 403


# A report download whose id is not a number is no report.

@pytest.mark.parametrize("pk", ["abc", "²", "1.5"])
def test_a_report_download_at_a_path_that_is_no_number_is_not_found(api, admin, pk):
    assert api.as_(admin).get(f"/api/v1/reports/{pk}/download/").status_code == 404


# A meal price rule of more than 100%: the message at the field, its own % no longer read as a format.

def test_a_price_rule_over_100_percent_is_told_at_its_field(web, admin):
    page = web.as_(admin).post(reverse("care:pricing"), {"label": "九十岁以上", "min_age": 90, "pays_percent": 150})
    assert page.status_code == 200
    assert page.context["form"].errors["pays_percent"] == ["支付比例不能超过 100%。"]
    assert not PriceRule.objects.exists()


def test_every_validator_message_formats_with_its_own_values():
    # Django formats a validator's message with its params (`message % params`): a bare % in one is a 500.
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.get_fields():
            for validator in getattr(field, "validators", []):
                message = getattr(validator, "message", None)
                if isinstance(message, str) and "%" in message:
                    params = {"limit_value": 1, "show_value": 2, "value": 2, "max": 1, "min": 1}
                    assert message % params, f"{model.__name__}.{field.name}"


# The auditor's log as soon as a visit with hazards has been recorded.

def test_the_audit_log_reads_a_visit_with_hazards(web, api, auditor, gridder, zhang):
    visits.visit_record(actor=gridder, resident=zhang, method="home",
                        hazards=[{"kind": "gas", "description": "燃气软管老化"}])
    page = _browser(auditor).get(reverse("audit_log"))
    assert page.status_code == 200
    assert "<b>隐患</b>：1" in page.content.decode()
    entry = api.as_(auditor).get("/api/v1/audit/", {"action": "create"}).json()["results"][0]
    assert entry["changes"] == {"resident": {"id": zhang.pk, "name": "张春露"}, "method": "home", "hazards": 1}



@pytest.mark.parametrize("key", ["３", "٣", "²"])
def test_an_id_in_an_api_url_is_ascii_digits_or_names_nothing(api, staff_east, key):
    assert api.as_(staff_east).get(f"/api/v1/residents/{key}/").status_code == 404
    assert api.as_(staff_east).get(f"/api/v1/cases/{key}/").status_code == 404


@pytest.mark.parametrize("moment", ["1399-07-13T01:56:48+19:26", "1899-12-31T23:00:00+08:00",
                                    "2101-01-01T08:00:00+08:00"])
def test_a_date_time_outside_the_days_a_person_may_name_is_refused_at_the_field(moment):
    """As every day the portal takes (1900–2100): a service order wanted in 1399 was saved and then answered
    with an offset (+08:05:43, Shanghai's mean time) that no client reads as a date-time."""
    from rest_framework import serializers

    from jiedao.dates import DAY_ERROR
    from jiedao.serializers import SafeDateTimeField

    with pytest.raises(serializers.ValidationError) as refused:
        SafeDateTimeField().run_validation(moment)
    assert refused.value.detail == [DAY_ERROR]
