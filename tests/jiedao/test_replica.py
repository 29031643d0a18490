"""With a read replica (DATABASE_REPLICA_URL), 钱领导's dashboard, 王丽's export and the monthly pack read their
figures and rows there, and nothing else does: the session, the user, the job just queued, every write and
every page after a form stay on default (jiedao.routers). Here the replica is a second connection to the test
database (as TEST MIRROR makes it), and each test counts which queries go where."""

import io
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jiedao.models import AuditEntry
from jiedao.routers import reading_replica
from residents.models import Resident

# Committed rows: the replica's connection sees what default committed, not an open test transaction.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """The alias for this module only, made once the test database exists (so it names the test database),
    before each test declares the databases it uses."""
    connections.settings["replica"] = {**connections["default"].settings_dict}
    yield
    with django_db_blocker.unblock():
        connections["replica"].close()
    del connections.settings["replica"]
    del connections["replica"]


@pytest.fixture
def replica():
    return connections["replica"]


@contextmanager
def counted(replica):
    with CaptureQueriesContext(connections["default"]) as default, CaptureQueriesContext(replica) as copy:
        yield default, copy


def test_the_dashboard_reads_its_figures_on_the_replica(api, leader, zhang, replica, settings):
    with counted(replica) as (default, copy):
        figures = api.as_(leader).get("/api/v1/dashboard/")
    assert figures.status_code == 200
    assert len(copy) > 0  # the figures
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in copy.captured_queries)


def test_an_export_reads_its_rows_on_the_replica_and_writes_its_audit_entry_on_default(web, staff_east, zhang,
                                                                                     li, replica):
    with counted(replica) as (default, copy):
        answer = web.as_(staff_east).get(reverse("residents:resident_list") + "?status=all&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["张春露", "李秀英"]
    assert any("residents_resident" in q["sql"] for q in copy.captured_queries)  # the rows
    assert not any(q["sql"].startswith("INSERT") for q in copy.captured_queries)
    assert any(q["sql"].startswith("INSERT") and "jiedao_auditentry" in q["sql"] for q in default.captured_queries)
    assert AuditEntry.objects.filter(action="export").count() == 1


def test_a_queued_export_loads_its_job_on_default_and_its_rows_on_the_replica(web, staff_east, zhang, li,
                                                                             replica, settings):
    from jiedao.exports import export_job_build
    from tests.factories import ExportJobFactory

    settings.MEDIA_ROOT = settings.BASE_DIR / "media-test-replica"
    job = ExportJobFactory(user=staff_east, query="status=all&format=xlsx", total=2)
    with counted(replica) as (default, copy):
        built = export_job_build(job_id=job.pk)
    assert built.state == "done" and built.done == 2
    assert not any("jiedao_exportjob" in q["sql"] for q in copy.captured_queries)  # just written: default
    assert any("residents_resident" in q["sql"] for q in copy.captured_queries)
    built.file.delete(save=False)


def test_the_monthly_pack_reads_on_the_replica_and_is_stored_on_default(heping, admin, zhang, replica):
    from reports.models import MonthlyReport
    from reports.services import previous_month, report_build

    with counted(replica) as (default, copy):
        report = report_build(subdistrict=heping, month=previous_month(), actor=admin)
    assert len(copy) > 0 and not any(q["sql"].startswith(("INSERT", "UPDATE")) for q in copy.captured_queries)
    assert any(q["sql"].startswith("INSERT") and "_monthlyreport" in q["sql"]
               for q in default.captured_queries)
    assert MonthlyReport.objects.get().pk == report.pk


def test_everything_else_reads_default_and_no_write_ever_goes_to_the_replica(web, staff_east, zhang, replica):
    with counted(replica) as (_, copy):
        assert web.as_(staff_east).get(reverse("residents:resident_list")).status_code == 200
    assert len(copy) == 0  # a list (a page after a form, say) sees what was just written
    with reading_replica():
        found = Resident.objects.get(pk=zhang.pk)
        assert found._state.db == "replica"
        found.notes = "电话已核实"
        with counted(replica) as (default, copy):
            found.save()
    assert not copy.captured_queries and any(q["sql"].startswith("UPDATE") for q in default.captured_queries)
    assert Resident.objects.get(pk=zhang.pk).notes == "电话已核实"


def test_without_a_replica_the_block_changes_nothing(zhang, monkeypatch):
    monkeypatch.delitem(connections.settings, "replica")
    with reading_replica():
        assert Resident.objects.get(pk=zhang.pk)._state.db == "default"


def test_figures_started_afresh_by_a_write_a_moment_ago_are_counted_on_the_primary(api, leader, zhang, replica,
                                                                                  settings):
    """王丽 records a visit; 钱领导 opens the dashboard a second later. A replica a moment behind would count
    the month without that visit and the cache would keep it so for ten minutes: the parts the visit started
    afresh are counted on the primary. Once the replica has had REPLICA_LAG_SECONDS, misses read it again."""
    from reports.selectors import figures_changed
    from visits.models import Visit

    def visit_queries(queries):
        return [q for q in queries.captured_queries if "visits_visit" in q["sql"]]

    settings.REPLICA_LAG_SECONDS = 3600
    figures_changed(Visit)
    with counted(replica) as (default, copy):
        assert api.as_(leader).get("/api/v1/dashboard/").status_code == 200
    assert visit_queries(default) and not visit_queries(copy)
    settings.REPLICA_LAG_SECONDS = 0
    figures_changed(Visit)
    with counted(replica) as (default, copy):
        assert api.as_(leader).get("/api/v1/dashboard/").status_code == 200
    assert visit_queries(copy) and not visit_queries(default)


def test_a_data_migration_reads_and_writes_on_its_own_connection(zhang, replica):
    """A migration run as the tables' owner calls the application's code inside jiedao.routers.on_database:
    every read and write of it goes to the migration's connection (here the second alias), none to default."""
    from jiedao.routers import on_database

    with counted(replica) as (default, copy), on_database("replica"):
        found = Resident.objects.get(pk=zhang.pk)
        found.notes = "迁移时写入"
        found.save()
    # (a signal's own atomic block opens and closes on default, empty)
    assert found._state.db == "replica" and {q["sql"] for q in default.captured_queries} <= {"BEGIN", "COMMIT"}
    assert any(q["sql"].startswith("UPDATE") for q in copy.captured_queries)
