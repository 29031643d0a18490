"""The API's own OpenAPI document loaded into schemathesis, called in-process through Django's WSGI handler
(no server, no network), and the checks every answer must pass: no 5xx, and the status code, content type,
headers and body the schema documents for it."""

import json

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)


def served_schema() -> dict:
    """The document `/api/v1/schema/` serves (drf-spectacular's generator, public: the same for every role)."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def load(*, phase: str | None = None):
    """The schema, called in-process; with `phase`, schemathesis runs that phase alone ("coverage": the
    deterministic boundary and invalid values of every parameter, "fuzzing": random examples)."""
    schema = schemathesis.openapi.from_dict(served_schema())
    schema.app = WSGIHandler()  # not jiedao.wsgi: that one refuses to start without a production SECRET_KEY
    if phase is not None:
        for name in ("examples", "coverage", "fuzzing", "stateful"):
            schema.config.phases.get_by_name(name=name).enabled = name == phase
    return schema


SCHEMA = load()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
TOKEN_PATH = "/api/v1/auth/token/"


def auth(token: str) -> dict:
    return {"Authorization": f"Token {token}"}
