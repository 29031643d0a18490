"""What 王丽 met registering households and residents in her first week, and what she meets now."""

from datetime import date

import pytest
from django.urls import reverse

from residents import id_numbers
from residents.models import Grid, Household, Resident
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _resident_form(grid, **changes):
    return {"name": "马大爷", "id_number": id_numbers.make("110101", date(1945, 5, 6), 1, female=False), "phone": "",
            "residence_type": "registered",
            "grid": grid.pk, "household": "", "relation_to_head": "", "estate": "和平里一区", "building": "3",
            "unit": "2", "room": "502", "care_tier": "none", "care_dependency": "", "disability_type": "",
            "disability_grade": "", "notes": "", **changes}


@pytest.mark.parametrize("building, unit, room", [
    ("3号楼", "2单元", "501室"), ("3", "2", "501"), ("3号", "2", "501"), ("３号楼", "２单元", "５０１"),
    (" 3 ", "2 单元", "501 室"),
])
def test_a_household_address_is_stored_once_whatever_was_typed(web, staff_east, east1, building, unit, room):
    web.as_(staff_east).post(reverse("residents:household_create"), {
        "grid": east1.pk, "number": "", "estate": "和平里一区", "building": building, "unit": unit, "room": room})
    household = Household.objects.get()
    assert household.address == "和平里一区3号楼2单元501室"
    assert (household.building, household.unit, household.room) == ("3", "2", "501")


@pytest.mark.parametrize("name", ["李😀明", "李明!", "李明<b>", "张\x07三", "王★", "12345", "李明\u200b"])
def test_a_name_with_emoji_or_symbols_is_refused_at_the_field(web, staff_east, east1, name):
    page = web.as_(staff_east).post(reverse("residents:resident_create"), _resident_form(east1, name=name))
    # A control character is refused before any form (400, for every field); the rest at the name.
    assert page.status_code == 400 if name == "张\x07三" else "name" in page.context["form"].errors, name
    assert not Resident.objects.exists()


@pytest.mark.parametrize("name, stored", [
    ("阿卜杜·艾力", "阿卜杜·艾力"), ("阿卜杜•艾力", "阿卜杜·艾力"), ("阿卜杜・艾力", "阿卜杜·艾力"),
    ("JOHN SMITH", "JOHN SMITH"), ("𠮷田", "𠮷田"), (" 马大爷 ", "马大爷"),
])
def test_names_of_every_kind_of_card_are_accepted(web, staff_east, east1, name, stored):
    response = web.as_(staff_east).post(reverse("residents:resident_create"), _resident_form(east1, name=name))
    assert response.status_code == 302, response.context["form"].errors
    assert Resident.objects.get().name == stored


@pytest.mark.parametrize("name", ["东一网格😀", "网格<script>", "东\x00一"])
def test_a_grid_name_takes_no_emoji_or_markup(web, admin, east, name):
    web.as_(admin).post(reverse("manage:grid_create"), {"community": east.pk, "name": name, "code": "",
                                                        "description": ""})
    assert not Grid.objects.exists()


def test_a_grid_name_with_digits_and_brackets_is_fine(web, admin, east):
    web.as_(admin).post(reverse("manage:grid_create"), {"community": east.pk, "name": "第3网格（A区）", "code": "",
                                                        "description": ""})
    assert Grid.objects.get().name == "第3网格（A区）"


def test_dibao_and_tekun_are_shown_as_decided_by_cases_not_offered_as_ticks(web, staff_east, li):
    page = web.as_(staff_east).get(reverse("residents:resident_update", args=[li.pk]))
    form = page.context["form"]
    assert "dibao" not in dict(form.fields["tags"].choices) and "tekun" not in dict(form.fields["tags"].choices)
    text = page.content.decode()
    assert "由救助案件决定" in text and "低保" in text
    assert reverse("assistance:case_create", args=[li.pk]) in text


def test_ticking_dibao_by_hand_is_refused_with_a_reason(web, staff_east, east1):
    page = web.as_(staff_east).post(reverse("residents:resident_create"), _resident_form(east1, tags=["dibao"]))
    errors = page.context["form"].errors
    assert "tags" in errors and "救助案件" in " ".join(errors["tags"])
    assert not Resident.objects.exists()


def test_an_existing_household_keeps_its_address(staff_east, east1):
    household = HouseholdFactory(grid=east1, estate="和平里一区", building="3", unit="2", room="501")
    assert household.address == "和平里一区3号楼2单元501室"


@pytest.mark.parametrize("phone", [
    "12345", "abc", "call me", "1391234567", "139123456789", "23912345678", "12912345678", "010-123456",
    "0000-1234567", "139😀12345678", "13912345678转8", "+1 415 555 0100", "１２３４５",
])
def test_a_phone_that_is_not_a_mainland_number_is_refused_at_the_field(web, staff_east, east1, phone):
    page = web.as_(staff_east).post(reverse("residents:resident_create"), _resident_form(east1, phone=phone))
    assert page.status_code == 200 and "11 位手机号" in " ".join(page.context["form"].errors["phone"]), phone
    assert not Resident.objects.exists()


@pytest.mark.parametrize("phone, stored", [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"), ("139-1234-5678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"), ("１３９　１２３４　５６７８", "13912345678"),
    ("+86 139 1234 5678", "13912345678"), ("008613912345678", "13912345678"),
    ("010-64000001", "010-64000001"), ("(010)64000001", "010-64000001"), ("（010）6400-0001", "010-64000001"),
    ("01064000001", "010-64000001"), ("０１０－６４０００００１", "010-64000001"), ("020-1234567", "020-1234567"),
    ("0571-88888888", "0571-88888888"), ("057188888888", "0571-88888888"), ("0898 6666 6666", "0898-66666666"),
])
def test_a_phone_is_accepted_as_people_type_it_and_stored_in_one_form(web, staff_east, east1, phone, stored):
    response = web.as_(staff_east).post(reverse("residents:resident_create"), _resident_form(east1, phone=phone))
    assert response.status_code == 302, response.context["form"].errors
    assert Resident.objects.get().phone == stored


def test_the_api_refuses_a_short_phone_and_stores_a_full_width_one_as_digits(api, staff_east, east1):
    body = {**_resident_form(east1), "grid": east1.pk}
    for key in ("household", "relation_to_head", "care_dependency", "disability_type", "disability_grade"):
        body.pop(key)
    refused = api.as_(staff_east).post("/api/v1/residents/", {**body, "phone": "12345"}, format="json")
    assert refused.status_code == 400 and "11 位手机号" in refused.json()["phone"][0]
    full_width = "１３９ １２３４ ５６７８"
    created = api.as_(staff_east).post("/api/v1/residents/", {**body, "phone": full_width}, format="json")
    assert created.status_code == 201, created.json()
    assert Resident.objects.get().phone == "13912345678"


@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "１３９１２３４５６７８", "+86 13912345678"])
def test_a_search_finds_the_phone_however_it_is_typed(web, staff_east, east1, typed):
    ResidentFactory(grid=east1, name="马大爷", phone="139 1234 5678")  # a writer that skipped full_clean
    ResidentFactory(grid=east1, name="牛大妈", phone="13700005678")
    page = web.as_(staff_east).get(reverse("residents:resident_list"), {"search": typed})
    assert [r.name for r in page.context["object_list"]] == ["马大爷"]


def test_a_search_for_part_of_a_phone_finds_nobody(web, staff_east, east1):
    ResidentFactory(grid=east1, name="马大爷", phone="13912345678")
    page = web.as_(staff_east).get(reverse("residents:resident_list"), {"search": "1391234"})
    assert list(page.context["object_list"]) == []


def test_phones_stored_before_the_rule_are_rewritten_in_its_form_by_the_migration(east1):
    from django.db import connection
    from django.db.models import Value

    from jiedao.crypto import encrypt
    from jiedao.text import normalise_stored_phones

    typed_then = ResidentFactory(grid=east1, phone="13912345678")
    not_a_phone = ResidentFactory(grid=east1, phone="13700001111")
    field = Resident._meta.get_field("phone")
    # As the old rule let them be stored: spaces and brackets, or five digits.
    Resident.objects.filter(pk=typed_then.pk).update(phone=Value(encrypt("(010) 6400 0001", aad=field.aad())))
    Resident.objects.filter(pk=not_a_phone.pk).update(phone=Value(encrypt("12345", aad=field.aad())))
    assert normalise_stored_phones(Resident, "phone", using=connection.alias) == 1
    typed_then.refresh_from_db()
    not_a_phone.refresh_from_db()
    assert typed_then.phone == "010-64000001" and not_a_phone.phone == "12345"
    from residents import selectors
    assert list(selectors.filter_by_phone(Resident.objects.all(), "010-64000001")) == [typed_then]
