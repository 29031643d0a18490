"""孙审计 reads who and what by name, never by a row number.

An entry used to read `网格：1 → 2`, `居民：5`, `负责社区：3`: the auditor had to ask the office which
grid "2" was. Each related object is written into the entry with its name as it was at that moment
(the log never reaches into the apps to read it later, and names a grid that has since been renamed as
it was then)."""

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry
from jiedao.services import user_save
from jiedao.templatetags.audit_format import readable_changes
from residents.services import grid_save, resident_update
from visits.services import visit_record


def _last(target):
    return AuditEntry.objects.filter(target_type=target._meta.model_name, target_id=str(target.pk)).latest("id")


@pytest.mark.django_db
def test_moving_a_resident_to_another_grid_reads_as_the_two_grids_names(staff_east, zhang, east1, east2):
    resident_update(actor=staff_east, resident=zhang, data={"grid": east2})
    rows = dict(readable_changes(_last(zhang)))
    assert rows["网格"] == "东园社区 · 东一网格 → 东园社区 · 东二网格"


@pytest.mark.django_db
def test_a_grid_moved_to_another_community_reads_as_the_communities(admin, east1, west):
    east1.community = west
    grid_save(actor=admin, grid=east1)
    assert dict(readable_changes(_last(east1)))["社区"] == "东园社区 → 西园社区"


@pytest.mark.django_db
def test_a_visit_names_its_resident(gridder, zhang):
    visit = visit_record(actor=gridder, resident=zhang, method="home")
    assert dict(readable_changes(_last(visit)))["居民"] == "张春露"


@pytest.mark.django_db
def test_an_accounts_places_read_as_community_names(security, staff_east, east, west):
    user_save(actor=security, user=staff_east, communities=[east, west], grids=[])
    assert dict(readable_changes(_last(staff_east)))["负责社区"] == "东园社区 → 东园社区、西园社区"


@pytest.mark.django_db
def test_the_auditors_page_shows_the_names(web, auditor, staff_east, zhang, east2):
    resident_update(actor=staff_east, resident=zhang, data={"grid": east2})
    page = web.as_(auditor).get(reverse("audit_log")).content.decode()
    assert "东园社区 · 东二网格" in page
