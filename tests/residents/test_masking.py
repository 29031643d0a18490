"""What a list or export row shows together never narrows an ID number to fewer than 50 people.

An attacker holds a row (from the leader's list, a grid worker's phone, an export on a USB stick) and
knows the district's few region codes. The masked number keeps the region and the last four — the
sequence and the check digit —; beside it, a five-year age band leaves every birth date of those five
years, and only one in eleven of them fits the check digit. Here every row of every list and export is
counted against that, as the attacker would count."""

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from elderly_care import services as care
from residents.id_numbers import check_char, make
from tests.factories import ResidentFactory, ServicePointFactory

pytestmark = pytest.mark.django_db

REGIONS = ["110105", "110101"]  # what an attacker is assumed to know: the district's codes
MIN_CANDIDATES = 50


def candidates(masked: str, band: str | None = None, age: int | None = None) -> int:
    """How many valid ID numbers fit a row: its masked number with an age band ("80–84岁") or an age."""
    today = timezone.localdate()
    if band:
        low, high = (int(x) for x in re.fullmatch(r"(\d+)–(\d+)岁", band).groups())
    elif age is not None:
        low = high = age
    else:
        low, high = 0, 120
    born_from = date(today.year - high - 1, today.month, min(today.day, 28)) + timedelta(days=1)
    born_to = date(today.year - low, today.month, min(today.day, 28))
    regions = [masked[:6]] if masked[:6].isdigit() else REGIONS
    sequence, check = masked[-4:-1], masked[-1]
    count, day = 0, born_from
    while day <= born_to:
        count += sum(check_char(f"{region}{day:%Y%m%d}{sequence}") == check for region in regions)
        day += timedelta(days=1)
    return count


@pytest.fixture
def street(east1, heping):
    today = timezone.localdate()
    people = [ResidentFactory(name=f"老人{i}", grid=east1, birth=date(today.year - age, 3, 1 + i), female=i % 2 == 0)
              for i, age in enumerate([60, 64, 71, 80, 85, 92, 101])]
    return people


def _sheet(response):
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_old_mask_beside_an_exact_age_left_about_33(street):
    # Why the lists changed: region, last four and the exact age of 85 leave about 365 / 11 numbers.
    masked = street[4].id_number_masked
    assert 25 <= candidates(masked, age=85) < MIN_CANDIDATES


@pytest.mark.parametrize("persona", ["staff_east", "leader", "gridder", "district"])
def test_no_row_of_the_resident_list_page_api_or_export_narrows_a_number_below_50(request, web, api, street,
                                                                                   persona):
    user = request.getfixturevalue(persona)
    rows = api.as_(user).get("/api/v1/residents/?page_size=50").json()["results"]
    assert len(rows) == len(street)
    for row in rows:
        assert row["birth_date"] is None and row["age"] is None
        assert candidates(row["id_number"], row["age_band"]) >= MIN_CANDIDATES, row
    page = web.as_(user).get(reverse("residents:resident_list")).content.decode()
    cells = re.findall(r'data-label="年龄段">([^<]*)</td>\s*<td data-label="身份证号" class="mono">([^<]*)<', page)
    assert len(cells) == len(street)
    for band, masked in cells:
        assert candidates(masked, band) >= MIN_CANDIDATES, (band, masked)
    header, lines = _sheet(web.as_(user).get(reverse("residents:resident_list") + "?format=xlsx"))
    assert "出生日期" not in header and "年龄" not in header
    for line in lines:
        shown = dict(zip(header, line, strict=True))
        assert candidates(shown["身份证号"], shown["年龄段"]) >= MIN_CANDIDATES, shown


def test_a_guests_meal_row_narrows_the_guests_number_no_more(web, api, admin, heping, east):
    care.default_pricing_ensure(subdistrict=heping)
    canteen = ServicePointFactory(subdistrict=heping, community=east, kind="canteen", name="东园老年食堂")
    guest = make("110101", date(timezone.localdate().year - 83, 6, 6), 17, female=True)  # not registered
    care.meal_check_in(operator=admin, point=canteen, meal="lunch", id_number=guest)
    row = api.as_(admin).get("/api/v1/meals/").json()["results"][0]
    assert row["age"] is None and candidates(row["guest_id_number"], row["age_band"]) >= MIN_CANDIDATES
    header, (line,) = _sheet(web.as_(admin).get(reverse("care:meal_list") + "?format=xlsx"))
    shown = dict(zip(header, line, strict=True))
    assert candidates(shown["来宾身份证号"], shown["年龄段"]) >= MIN_CANDIDATES


def test_the_counters_search_results_narrow_no_number_below_50(web, admin, heping, east, street):
    care.default_pricing_ensure(subdistrict=heping)
    canteen = ServicePointFactory(subdistrict=heping, community=east, kind="canteen", name="东园老年食堂")
    page = web.as_(admin).get(reverse("care:checkin"), {"point": canteen.pk, "q": "老人4"}).content.decode()
    band, masked = re.search(r"老人4 · ([^ ]+岁) · (\S+) ·", page).groups()
    assert candidates(masked, band) >= MIN_CANDIDATES


def test_only_those_who_see_birth_dates_may_sort_by_them(api, staff_east, leader, gridder, street):
    assert api.as_(staff_east).get("/api/v1/residents/?ordering=birth_date").status_code == 200
    for reader in (leader, gridder):
        refused = api.as_(reader).get("/api/v1/residents/?ordering=birth_date")
        assert refused.status_code == 400 and "ordering" in refused.json()


def test_a_reader_who_sees_age_bands_filters_by_bands_only(web, api, staff_east, leader, gridder, street):
    # 钱领导 sees 80–84岁 in each row; age_min=81&age_max=81 would have told her the exact age (about 33
    # candidates with the masked number). Band edges are what she can ask for: 80岁以上, 60–79岁.
    for reader in (leader, gridder):
        for query in ("age_min=81", "age_max=80", "age_min=81&age_max=81", "age_min=62&age_max=64"):
            refused = api.as_(reader).get(f"/api/v1/residents/?{query}")
            assert refused.status_code == 400, (reader, query)
            assert any("5 岁" in message for messages in refused.json().values() for message in messages)
        for query in ("age_min=80", "age_min=60&age_max=79", "age_max=59", "age_min=0&age_max=4"):
            assert api.as_(reader).get(f"/api/v1/residents/?{query}").status_code == 200, (reader, query)
    page = web.as_(leader).get(reverse("residents:resident_list"), {"age_min": "81"})
    assert "age_min" in page.context["filter_form"].errors
    # 王丽 writes the registry and sees each birth date on the detail: an exact age tells her nothing new.
    assert api.as_(staff_east).get("/api/v1/residents/?age_min=81&age_max=81").status_code == 200


def test_the_resident_page_shows_those_who_see_masks_an_age_band_not_the_birth_date(web, leader, staff_east,
                                                                                    district, street):
    """The mask hides exactly the eight digits of the birth date: a page that shows the masked number beside the
    birth date shows the whole number. The leader and the district bureau read a band; staff, who see the
    number in full anyway, read the date."""
    elder = street[4]
    for persona in (leader, district):
        page = web.as_(persona).get(f"/residents/{elder.pk}/").content.decode()
        masked = re.search(r'id="id-number">([^<]+)<', page).group(1)
        assert "*" in masked and f"{elder.birth_date:%Y-%m-%d}" not in page
        band = re.search(r"(\d+–\d+岁)", page).group(1)
        assert candidates(masked, band=band) >= MIN_CANDIDATES
    page = web.as_(staff_east).get(f"/residents/{elder.pk}/").content.decode()
    assert elder.id_number in page and f"{elder.birth_date:%Y-%m-%d}" in page
