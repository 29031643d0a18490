"""Community staff at their desks: registering, correcting and archiving residents in the browser forms."""

import re
from datetime import date

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry
from residents.choices import tag_labels
from residents.id_numbers import make
from residents.models import Household, Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

GOOD = make("110105", date(1948, 10, 1), 21, female=False)


def _form(grid, **overrides):
    data = {"name": "刘德明", "id_number": GOOD, "grid": grid.pk, "residence_type": "registered",
            "care_tier": "none", "phone": "13600001234", "estate": "和平里一区", "building": "5",
            "tags": ["empty_nest"]}
    data.update(overrides)
    return data


def test_wang_li_registers_a_resident_and_lands_on_their_page(web, staff_east, east1):
    response = web.as_(staff_east).post(reverse("residents:resident_create"), _form(east1), follow=True)
    resident = Resident.objects.get()
    assert response.redirect_chain[-1][0] == reverse("residents:resident_detail", args=[resident.pk])
    assert resident.gender == "M" and resident.birth_date == date(1948, 10, 1)
    assert resident.tag_codes == ["empty_nest"] and resident.community == east1.community
    assert "刘德明" in response.content.decode()


@pytest.mark.parametrize("bad, words", [
    ("11010519481001021", "18 位"), ("110105194813010217", "出生日期"), (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"),
                                                                         "校验位")])
def test_a_bad_id_number_is_explained_at_the_field_and_what_was_typed_stays(web, staff_east, east1, bad, words):
    response = web.as_(staff_east).post(reverse("residents:resident_create"), _form(east1, id_number=bad))
    assert response.status_code == 200
    form = response.context["form"]
    assert words in form.errors["id_number"][0]
    assert form["name"].value() == "刘德明" and form["phone"].value() == "13600001234"
    assert not Resident.objects.exists()


def test_a_duplicate_in_scope_names_the_resident_at_the_field(web, staff_east, east1, zhang):
    response = web.as_(staff_east).post(reverse("residents:resident_create"), _form(east1, id_number=zhang.id_number))
    assert "张春露" in response.context["form"].errors["id_number"][0]


def test_a_grid_of_another_community_is_refused_at_the_field(web, staff_east, west1):
    response = web.as_(staff_east).post(reverse("residents:resident_create"), _form(west1))
    assert "grid" in response.context["form"].errors
    assert not Resident.objects.exists()


def test_editing_keeps_a_history_that_the_detail_page_shows(web, staff_east, zhang):
    client = web.as_(staff_east)
    assert client.get(reverse("residents:resident_update", args=[zhang.pk])).context["form"]["room"].value() == "501"
    data = _form(zhang.grid, name="张春露", id_number=zhang.id_number, phone="13912345678", tags=["living_alone"],
                 care_tier="key", estate=zhang.estate, building=zhang.building, unit=zhang.unit, room="502")
    response = client.post(reverse("residents:resident_update", args=[zhang.pk]), data, follow=True)
    assert response.status_code == 200
    zhang.refresh_from_db()
    assert zhang.room == "502"
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes["room"] == ["501", "502"]
    assert "502" in str(response.context["history"][0].changes)


def test_archiving_needs_a_reason_and_keeps_the_record(web, staff_east, zhang):
    client = web.as_(staff_east)
    url = reverse("residents:resident_archive", args=[zhang.pk])
    response = client.post(url, {"status": "moved_out", "on": "2026-11-01", "reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"status": "moved_out", "on": "2099-01-01", "reason": "迁往外区"})
    assert "on" in response.context["form"].errors
    client.post(url, {"status": "moved_out", "on": "2026-11-01", "reason": "迁往外区"})
    zhang.refresh_from_db()
    assert zhang.status == "moved_out" and zhang.status_reason == "迁往外区"
    assert zhang not in client.get(reverse("residents:resident_list")).context["object_list"]
    assert zhang in client.get(reverse("residents:resident_list") + "?status=all").context["object_list"]


def test_the_list_page_masks_numbers(web, admin, zhang):
    html = web.as_(admin).get(reverse("residents:resident_list")).content.decode()
    assert zhang.id_number not in html and "13912345678" not in html
    assert zhang.id_number[-4:] in html and "139****5678" in html


def test_each_list_row_shows_the_residents_own_places_and_tags(web, admin, zhang, li, wang, east2):
    """The rows read their place names and tag codes in the rows' own query (for_rows): each row still shows
    its own, tags in code order, 高龄 from the age, and none where there are none."""
    ResidentFactory(name="赵多签", grid=east2, birth=date(1950, 1, 1), tags=["dibao", "living_alone", "disabled_care"])
    html = web.as_(admin).get(reverse("residents:resident_list")).content.decode()
    rows = {name: row for row in html.split("<tr>")[1:] for name in ("张春露", "李秀英", "王建国", "赵多签")
            if f">{name}</a>" in row}
    assert "东园社区 · 东一网格" in rows["张春露"] and "西园社区" in rows["王建国"]
    assert '<span class="tag">独居</span>' in rows["张春露"] and "高龄" in rows["张春露"]  # born 1941
    assert '<span class="tag">低保</span>' in rows["李秀英"] and "独居" not in rows["李秀英"]
    assert 'class="tag' not in rows["王建国"]
    tags = re.findall(r'<span class="tag">([^<]+)</span>', rows["赵多签"])
    assert tags == tag_labels(["dibao", "living_alone", "disabled_care"]) and len(tags) == 3


def test_a_household_gathers_its_members_and_the_head(web, staff_east, east1):
    client = web.as_(staff_east)
    client.post(reverse("residents:household_create"), {"grid": east1.pk, "number": "H001", "estate": "和平里一区",
                                                          "building": "3", "unit": "1", "room": "101"})
    household = Household.objects.get()
    form = client.get(reverse("residents:resident_create") + f"?household={household.pk}").context["form"]
    assert form.initial["grid"] == east1.pk and form.initial["room"] == "101"
    client.post(reverse("residents:resident_create"), _form(east1, household=household.pk, relation_to_head="self"))
    household.refresh_from_db()
    assert household.head.name == "刘德明"
    page = client.get(reverse("residents:household_detail", args=[household.pk]))
    assert [m.name for m in page.context["members"]] == ["刘德明"]


@pytest.mark.parametrize("persona, sees", [
    ("staff_east", "登记居民"), ("gridder", "我的网格"), ("auditor", "审计日志"),
    ("leader", "在册居民"), ("district", "在册居民"), ("admin", "社区管理"), ("security", "打开账号管理"),
    ("district_security", "各街道的安全管理员"),
])
def test_each_role_has_a_home_page(request, web, persona, sees, zhang):
    page = web.as_(request.getfixturevalue(persona)).get("/")
    assert page.status_code == 200 and sees in page.content.decode()
