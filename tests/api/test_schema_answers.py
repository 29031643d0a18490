"""Answers schemathesis found outside the schema, each told once as a story (tests/api/test_schemathesis.py
fuzzes the whole API)."""

import pytest

from jiedao.services import api_token_issue
from tests.api.schema import CHECKS, SCHEMA, auth, served_schema

pytestmark = pytest.mark.django_db


def _token(user):
    return api_token_issue(user=user)[0]


def test_the_fuzzed_schema_is_the_one_the_api_serves(api, admin):
    response = api.as_(admin).get("/api/v1/schema/?format=json")
    assert response.status_code == 200 and response.json() == served_schema()


def test_an_id_that_is_no_number_answers_404_in_json_as_documented(staff_east):
    # "\x84" (or "３", or "abc") matches no URL pattern: Django's HTML 404 page answered, not the API.
    case = SCHEMA["/api/v1/households/{id}/"]["GET"].Case(path_parameters={"id": "\x84"})
    response = case.call_and_validate(headers=auth(_token(staff_east)), checks=CHECKS)
    assert response.status_code == 404 and response.json() == {"detail": "未找到，或不在您的管辖范围内。"}


def test_a_page_that_is_not_found_is_still_the_portal_page(web, staff_east):
    response = web.as_(staff_east).get("/residents/abc/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]
    assert "该页面或记录不存在" in response.content.decode()


def test_a_body_that_is_no_json_answers_the_documented_400(staff_east):
    case = SCHEMA["/api/v1/cases/"]["POST"].Case(body={"kind": "dibao"}, media_type="application/json")
    response = case.call_and_validate(headers={**auth(_token(staff_east)), "Content-Type": "application/json"},
                                      data=b"\x00", checks=CHECKS)
    assert response.status_code == 400 and response.json() == {"detail": "请求内容不是有效的 JSON。"}


def test_a_masked_phone_in_the_resident_list_is_what_the_schema_documents(staff_east, li):
    # 李秀英's phone is 139****5678 in the list: the model's pattern (digits only) had been documented for it.
    response = SCHEMA["/api/v1/residents/"]["GET"].Case().call_and_validate(headers=auth(_token(staff_east)),
                                                                           checks=CHECKS)
    assert [row["phone"] for row in response.json()["results"]] == ["139****5678"]


def test_a_phone_is_still_refused_when_it_is_not_digits(api, staff_east, li):
    response = api.as_(staff_east).patch(f"/api/v1/residents/{li.pk}/", {"phone": "139****5678"}, format="json")
    assert response.status_code == 400 and "11 位手机号" in response.json()["phone"][0]


def test_a_field_error_raised_as_one_message_is_still_a_list(api, admin):
    # The admin has no counter of their own: the service point must be named.
    response = SCHEMA["/api/v1/meals/"]["POST"].Case(body={"id_number": "11010519491231002X", "meal": "lunch"},
                                                      media_type="application/json").call_and_validate(
        headers=auth(_token(admin)), checks=CHECKS)
    assert response.status_code == 400 and response.json() == {"point": ["请指定服务点。"]}


def test_a_form_post_that_cannot_be_parsed_answers_400_in_json(api, staff_east):
    response = api.as_(staff_east).generic("POST", "/api/v1/visits/", b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400 and response.json() == {"detail": "请求内容无法解析。"}
