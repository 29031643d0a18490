"""A request body over DATA_UPLOAD_MAX_BYTES (6 MB) is refused with 413 before it is read: its
Content-Length says so, or, sent without one (chunked), reading stops at the limit."""

import io
import json

import pytest

from tests.conftest import PASSWORD
from tests.otp import code

pytestmark = pytest.mark.django_db

LIMIT = 6 * 1024 * 1024


class Body(io.BytesIO):
    """The request's input, counting what the portal read of it."""

    def __init__(self, size=0, content=b""):
        super().__init__(content or b"x" * size)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_the_api_answers_413_in_json(api, staff_east):
    body = Body(1024)
    response = api.as_(staff_east).generic("POST", "/api/v1/residents/", b"", CONTENT_LENGTH=str(LIMIT + 1),
                                           CONTENT_TYPE="application/json", **{"wsgi.input": body})
    assert response.status_code == 413 and body.taken == 0
    assert response.json() == {"detail": "提交的内容过大（上限 6 MB），没有被接收。"}


def test_a_chunked_body_is_read_only_up_to_the_limit(api, staff_east):
    body = Body(50 * 1024 * 1024)
    response = api.as_(staff_east).generic("POST", "/api/v1/residents/", b"", CONTENT_TYPE="application/json",
                                           HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": body})
    assert response.status_code == 413 and body.taken == LIMIT + 1


def test_a_chunked_body_within_the_limit_is_read_as_usual(client, staff_east):
    staff_east.set_password(PASSWORD)
    staff_east.save()
    content = json.dumps({"username": "staff_east", "password": PASSWORD, "otp": code()}).encode()
    response = client.generic("POST", "/api/v1/auth/token/", b"", CONTENT_TYPE="application/json",
                              HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": Body(content=content)})
    assert response.status_code == 200 and response.json()["token"]


def test_a_content_length_that_is_no_number_is_refused(api, staff_east):
    response = api.as_(staff_east).generic("POST", "/api/v1/residents/", b"", CONTENT_LENGTH="12abc",
                                           CONTENT_TYPE="application/json", **{"wsgi.input": Body(10)})
    assert response.status_code == 413
