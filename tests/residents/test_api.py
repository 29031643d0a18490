"""The resident API as a client programme sees it: fields, masking, writes, filters and bad input."""

from datetime import date

import pytest

from jiedao.models import AuditEntry
from residents.id_numbers import make, mask
from residents.models import Resident
from tests.doubles import addresses_off_the_app

pytestmark = pytest.mark.django_db


def test_a_resident_reads_with_every_documented_field(api, staff_east, zhang):
    data = api.as_(staff_east).get(f"/api/v1/residents/{zhang.pk}/").json()
    for field in ["id", "name", "id_number", "gender", "birth_date", "age", "phone", "community", "grid",
                  "household", "address", "estate", "building", "unit", "room", "residence_type", "tags",
                  "care_tier", "status", "notes"]:
        assert field in data, field
    assert data["gender"] == "F" and data["birth_date"] == "1941-05-02"
    assert data["community"] == zhang.community_id and data["tags"] == ["living_alone"]
    assert data["address"] == "和平里一区3号楼2单元501室"


def test_lists_mask_numbers_and_the_detail_shows_them_to_writers_only(api, staff_east, leader, zhang):
    row = api.as_(staff_east).get("/api/v1/residents/").json()["results"][0]
    assert row["id_number"] == zhang.id_number[:6] + "********" + zhang.id_number[-4:]
    assert row["phone"] == "139****5678"
    full = api.as_(staff_east).get(f"/api/v1/residents/{zhang.pk}/").json()
    assert full["id_number"] == zhang.id_number and full["phone"] == "13912345678"
    masked = api.as_(leader).get(f"/api/v1/residents/{zhang.pk}/").json()
    assert "********" in masked["id_number"] and masked["phone"] == "139****5678"


def test_creating_a_resident_derives_sex_and_birth_from_the_id_number(api, staff_east, east1):
    number = make("110105", date(1944, 2, 29), 12, female=True)
    response = api.as_(staff_east).post("/api/v1/residents/", {
        "name": "单秀兰", "id_number": number.lower(), "grid": east1.pk, "phone": "13800001111",
        "tags": ["living_alone", "disability"], "care_tier": "key",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["gender"] == "F" and body["community"] == east1.community_id
    # The answer to a write is masked like a list row; the detail shows the birth date to her, who may write.
    assert body["birth_date"] is None and body["age_band"] == "80–84岁"
    assert api.as_(staff_east).get(f"/api/v1/residents/{body['id']}/").json()["birth_date"] == "1944-02-29"
    resident = Resident.objects.get(pk=body["id"])
    assert resident.name_initials == "sxl" and resident.tag_codes == ["disability", "living_alone"]
    assert resident.created_by == staff_east


def test_a_duplicate_names_the_resident_only_to_someone_who_may_see_them(api, staff_east, staff_west, zhang, west1,
                                                                          east1):
    mine = api.as_(staff_east).post("/api/v1/residents/", {"name": "重复", "id_number": zhang.id_number,
                                                           "grid": east1.pk}, format="json")
    assert mine.status_code == 400
    assert "张春露" in mine.json()["id_number"][0]
    theirs = api.as_(staff_west).post("/api/v1/residents/", {"name": "重复", "id_number": zhang.id_number,
                                                             "grid": west1.pk}, format="json")
    assert theirs.status_code == 400
    message = theirs.json()["id_number"][0]
    # That the number exists elsewhere is not 李强's to learn: only that it cannot be registered here.
    assert "不能在此登记" in message and "张春露" not in message and "其他" not in message
    denied = AuditEntry.objects.get(action="denied", actor=staff_west)
    assert denied.changes["id_number"] == mask(zhang.id_number) and zhang.id_number not in str(denied.changes)


def test_patch_changes_tags_and_logs_each_changed_field(api, staff_east, zhang, east2):
    response = api.as_(staff_east).patch(f"/api/v1/residents/{zhang.pk}/", {
        "tags": ["empty_nest"], "grid": east2.pk, "phone": "13700002222"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["tags"] == ["empty_nest"] and response.json()["grid"] == east2.pk
    entry = AuditEntry.objects.get(action="update", target_id=str(zhang.pk))
    assert entry.changes["tags"] == [["living_alone"], ["empty_nest"]]
    assert [grid["id"] for grid in entry.changes["grid"]] == [zhang.grid_id, east2.pk]
    assert entry.changes["phone"] == ["139****5678", "137****2222"]  # masked even in the log
    assert entry.actor == staff_east


@pytest.mark.parametrize("payload, field", [
    ({"name": "甲", "id_number": "110105194912310021", "grid": "GRID"}, "id_number"),
    ({"name": "甲", "id_number": "VALID", "grid": 999999}, "grid"),
    ({"name": "甲", "id_number": "VALID", "grid": "abc"}, "grid"),
    ({"name": "甲" * 5000, "id_number": "VALID", "grid": "GRID"}, "name"),
    ({"name": "甲", "id_number": "VALID", "grid": "GRID", "tags": ["nope"]}, "tags"),
    ({"name": "甲", "id_number": "VALID", "grid": "GRID", "tags": "dibao"}, "tags"),
    ({"name": "甲", "id_number": "VALID", "grid": "GRID", "phone": "call me"}, "phone"),
    ({"name": "甲", "id_number": "VALID", "grid": "GRID", "care_tier": "gold"}, "care_tier"),
    ({"name": "甲", "id_number": "VALID", "grid": "GRID", "disability_grade": 7}, "disability_grade"),
    ({"name": "甲", "id_number": ["x"], "grid": "GRID"}, "id_number"),
    ({"id_number": "VALID", "grid": "GRID"}, "name"),
    ({"name": "甲", "grid": "GRID"}, "id_number"),
])
def test_bad_input_answers_400_at_the_field_and_stores_nothing(api, staff_east, east1, payload, field):
    payload = {k: (east1.pk if v == "GRID" else make("110105", date(1970, 1, 1), 9, female=False) if v == "VALID"
                   else v) for k, v in payload.items()}
    response = api.as_(staff_east).post("/api/v1/residents/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Resident.objects.exists()


def test_broken_json_and_wrong_shapes_answer_400(api, staff_east, zhang):
    client = api.as_(staff_east)
    assert client.post("/api/v1/residents/", "{not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/residents/", [1, 2], format="json").status_code == 400
    assert client.patch(f"/api/v1/residents/{zhang.pk}/", "[]", content_type="application/json").status_code == 400


@pytest.mark.parametrize("query", [
    "page_size=0", "page_size=201", "page_size=abc", "page=0", "page=abc", "age_min=old", "age_min=-1",
    "age_max=9999", "age_min=80&age_max=60", "gender=X", "care_tier=gold", "tags=unknown", "community=abc",
    "community=999999",
    "grid=1.5", "status=gone", "residence_type=moon", "search=" + "张" * 60, "ordering=id_number",
])
def test_bad_query_parameters_answer_400(api, staff_east, zhang, query):
    response = api.as_(staff_east).get(f"/api/v1/residents/?{query}")
    assert response.status_code == 400, response.content


def test_a_page_past_the_end_is_404_in_the_api(api, staff_east, zhang):
    assert api.as_(staff_east).get("/api/v1/residents/?page=5").status_code == 404


def test_pagination_answers_count_next_previous_results(api, admin, east1):
    from tests.factories import ResidentFactory

    for i in range(5):
        ResidentFactory(name=f"居民{i}", grid=east1)
    data = api.as_(admin).get("/api/v1/residents/?page_size=2&page=2").json()
    assert data["count"] == 5 and len(data["results"]) == 2
    assert "page=3" in data["next"]
    assert "page_size=2" in data["previous"] and "page=" not in data["previous"]  # page 1 drops its number


def test_the_schema_and_docs_are_served_without_internet(api, staff_east):
    client = api.as_(staff_east)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/residents/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert addresses_off_the_app(docs.content.decode()) == [] and b"/static/drf_spectacular_sidecar/" in docs.content


def test_an_oversized_body_answers_413_in_json_and_stores_nothing(api, staff_east, east1):
    body = '{"name": "' + "甲" * 1_000_000 + '"}'
    response = api.as_(staff_east).post("/api/v1/residents/", body, content_type="application/json")
    assert response.status_code == 413 and "过大" in response.json()["detail"]
    assert not Resident.objects.exists()


def test_the_answer_to_a_write_is_masked_and_only_the_detail_is_a_full_view(api, staff_east, zhang):
    response = api.as_(staff_east).patch(f"/api/v1/residents/{zhang.pk}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["id_number"] == zhang.id_number_masked and response.json()["phone"] == "139****5678"
    assert not AuditEntry.objects.filter(action="view_full").exists()


def test_changing_an_id_number_logs_the_new_birth_date_and_both_numbers_masked(api, staff_east, zhang):
    from residents.id_numbers import check_char

    first17 = "11010519410503" + zhang.id_number[14:17]  # one day later, same sequence
    new = first17 + check_char(first17)
    response = api.as_(staff_east).patch(f"/api/v1/residents/{zhang.pk}/", {"id_number": new}, format="json")
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes["birth_date"] == ["1941-05-02", "1941-05-03"]
    before, after = entry.changes["id_number"]
    assert "*" in before and "*" in after  # logged, masked


def test_a_name_too_long_for_its_pinyin_is_refused_at_the_name(api, web, staff_east, east1):
    from django.urls import reverse

    payload = {"name": "庄" * 50, "id_number": make("110105", date(1970, 1, 1), 9, female=False), "grid": east1.pk}
    response = api.as_(staff_east).post("/api/v1/residents/", payload, format="json")
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert "name" in response.json()
    page = web.as_(staff_east).post(reverse("residents:resident_create"), {**payload, "residence_type": "registered",
                                                                          "care_tier": "none", "name": "庄" * 51})
    assert page.status_code == 200 and "name" in page.context["form"].errors


def test_a_foreign_name_is_found_by_its_letters(api, admin, east1):
    from tests.factories import ResidentFactory

    # Foreigners' permanent residence cards (since 2023) start with 9 and use the same scheme.
    ResidentFactory(name="John Smith", grid=east1, id_number=make("910000", date(1980, 1, 1), 1, female=False))
    found = api.as_(admin).get("/api/v1/residents/?search=john").json()["results"]
    assert [r["name"] for r in found] == ["John Smith"]
    assert api.as_(admin).get("/api/v1/residents/?search=JS").json()["count"] == 1


def test_dibao_and_tekun_cannot_be_typed_in_they_follow_relief_cases(api, staff_east, li, east1):
    refused = api.as_(staff_east).patch(f"/api/v1/residents/{li.pk}/", {"tags": []}, format="json")  # drop 低保
    assert refused.status_code == 400 and "救助案件" in refused.json()["tags"][0]
    kept = api.as_(staff_east).patch(f"/api/v1/residents/{li.pk}/", {"tags": ["dibao", "empty_nest"]}, format="json")
    assert kept.status_code == 200 and kept.json()["tags"] == ["dibao", "empty_nest"]
