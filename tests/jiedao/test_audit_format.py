"""The auditor reads every entry, whatever JSON its `changes` were written with (jiedao/templatetags/audit_format.py).

A visit's entry says how many hazards it found (`"hazards": 1`): "hazards" is also the name of the visit's
reverse relation, which has no verbose name, and the auditor's page was a 500 from the first visit with a
hazard on.
"""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from jiedao.models import AuditAction, AuditEntry
from jiedao.templatetags.audit_format import readable_changes

# Every JSON shape, under names that are a model's field, a reverse relation, a list field, a choice field,
# a foreign key, an entry's own words (after, filters, deleted) and nothing at all.
VALUES = [None, "", "文本", 0, 3, -1, 2**63, 1.5, True, False, [], {}, [1, 2], [1, 2, 3], ["home", "phone"],
          [None, "home"], [[], ["living_alone"]], [["x"], 2], [{"a": 1}, {"b": [2]}], {"a": {"b": [1, None]}},
          ["张" * 300]]
NAMES = ["hazards", "method", "tags", "resident", "resident_id", "visitor", "ok", "grids", "communities", "status",
         "after", "filters", "deleted", "via", "rows", "no_such_field", ""]
SHAPES = [{name: value} for name in NAMES for value in VALUES] + [
    None, {}, [], "文本", 3, [1, 2], {"after": {"hazards": 2, "method": "home", "tags": ["living_alone"], "x": []}}]
TARGETS = sorted({m._meta.model_name for m in apps.get_models()} | {"", "no_such_model"})


@pytest.mark.parametrize("target_type", TARGETS)
def test_an_entry_of_any_shape_reads_as_labels_and_text(target_type):
    for changes in SHAPES:
        rows = readable_changes(AuditEntry(target_type=target_type, changes=changes))
        assert isinstance(rows, list), changes
        assert all(isinstance(label, str) and isinstance(text, str) for label, text in rows), (target_type, changes)


def test_a_visits_hazards_read_as_a_count_and_a_change_as_an_arrow():
    visit = AuditEntry(target_type="visit", changes={"resident": 5, "method": "home", "hazards": 1})
    assert readable_changes(visit) == [("居民", "5"), ("方式", "上门探访"), ("隐患", "1")]
    hazard = AuditEntry(target_type="hazard", changes={"status": ["open", "in_hand"]})
    assert readable_changes(hazard) == [("状态", "待处理 → 处理中")]


@pytest.mark.django_db
def test_the_auditors_page_and_endpoint_read_entries_of_every_shape(api, auditor, heping):
    for changes in SHAPES:
        if changes is None:
            continue  # the column holds no SQL NULL
        AuditEntry.objects.create(actor_username="staff_east", action=AuditAction.UPDATE, target_type="visit",
                                  target_id="1", subdistrict=heping, changes=changes)
    client = Client(raise_request_exception=False)
    client.force_login(auditor)
    assert client.get(reverse("audit_log"), {"page_size": 200}).status_code == 200
    assert api.as_(auditor).get("/api/v1/audit/", {"page_size": 200}).status_code == 200
