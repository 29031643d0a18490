"""Stories of importing a community's ledger through the API: upload → preview → commit → undo."""

import pytest

from jiedao.models import AuditAction, AuditEntry, ImportRow, ImportRun
from residents.models import Household, RelationToHead, Resident
from tests.residents.import_books import book, number, story_rows, upload
from tests.workbooks import read_sheet

URL = "/api/v1/imports/residents/"


def _upload(api, user, content, **params):
    return api.as_(user).post(URL, {"file": upload(content), **params}, format="multipart")


@pytest.fixture(autouse=True)
def read_in_the_request(settings):
    # No worker runs in these tests, even with REDIS_URL set: the ledger is read and written inside the request.
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def ledger(zhang, wang):
    return book(story_rows(zhang=zhang, wang=wang))


def test_staff_east_imports_her_communitys_ledger(api, staff_east, east, east1, zhang, wang, ledger):
    answer = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "preview"
    assert body["counts"] == {"new": 2, "update": 1, "warning": 1, "rejected": 3}

    rows = api.get(f"/api/v1/imports/{body['id']}/rows/?outcome=rejected").json()
    assert [(r["row"], r["outcome"]) for r in rows["results"]] == [(4, "rejected"), (5, "rejected"), (6, "rejected")]
    assert all(r["reasons"] for r in rows["results"])
    assert rows["results"][0]["id_number"] == number(1, female=False)[:6] + "********" + number(1, female=False)[-4:]
    assert "与第 2 行重复" in rows["results"][0]["reasons"][0]
    assert "其他社区" in rows["results"][2]["reasons"][0]

    committed = api.post(f"/api/v1/imports/{body['id']}/commit/")
    assert committed.status_code == 200, committed.json()
    assert committed.json() == {"status": "committed", "created": 3, "updated": 1, "note": ""}
    sun = Resident.objects.get(name="孙大爷")
    qian = Resident.objects.get(name="钱大妈")
    assert sun.community == east and sun.grid == east1 and sun.phone == "13900000001"
    assert sun.household_id and sun.household == qian.household and sun.household.head == sun
    assert qian.relation_to_head == RelationToHead.SPOUSE and qian.tag_codes == ["living_alone"]
    zhang.refresh_from_db()
    assert zhang.phone == "13800000007" and zhang.version == 2
    assert Resident.objects.get(name="周低保").tag_codes == []  # 低保 is the relief case's, not the import's
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="resident").count() == 3
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, target_id=str(zhang.pk)).count() == 1
    run = ImportRun.objects.get()
    assert (run.user, run.committed_by, run.created, run.updated, len(run.sha256)) == (staff_east, staff_east, 3, 1, 64)

    detail = api.get(f"/api/v1/imports/{run.pk}/").json()
    assert detail["status"] == "committed" and detail["counts"]["new"] == 2


def test_the_same_file_twice_changes_nothing_the_second_time(api, staff_east, east, east1, ledger):
    first = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    assert api.post(f"/api/v1/imports/{first['id']}/commit/").json()["created"] == 3
    # The same run confirmed again: nothing more is written.
    again = api.post(f"/api/v1/imports/{first['id']}/commit/").json()
    assert (again["created"], again["updated"]) == (3, 1)
    # The same file uploaded again: read again (its rows now updates), committed with nothing changed.
    second = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    assert second["counts"]["new"] == 0
    count = Resident.objects.count()
    answer = api.post(f"/api/v1/imports/{second['id']}/commit/").json()
    assert (answer["created"], answer["updated"]) == (0, 0)
    assert "本次没有做任何修改" in answer["note"]
    assert Resident.objects.count() == count


def test_undo_removes_what_was_created_and_restores_what_was_updated(api, staff_east, east, east1, zhang, ledger):
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    api.post(f"/api/v1/imports/{run['id']}/commit/")
    before = Resident.objects.count()
    answer = api.post(f"/api/v1/imports/{run['id']}/undo/")
    assert answer.status_code == 200 and answer.json() == {"status": "undone"}
    assert Resident.objects.count() == before - 3
    assert not Resident.objects.filter(name__in=["孙大爷", "钱大妈", "周低保"]).exists()
    assert not Household.objects.filter(estate="和平里二区").exists()
    zhang.refresh_from_db()
    assert zhang.phone == "13912345678" and zhang.version == 3
    assert AuditEntry.objects.filter(action=AuditAction.UNDO).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, target_type="resident").count() == 3
    # The same file may then be imported again.
    again = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    assert again["counts"]["new"] == 2
    assert api.post(f"/api/v1/imports/{again['id']}/commit/").json()["created"] == 3


def test_undo_is_refused_after_a_resident_was_edited(api, staff_east, east, east1, ledger):
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    api.post(f"/api/v1/imports/{run['id']}/commit/")
    sun = Resident.objects.get(name="孙大爷")
    assert api.patch(f"/api/v1/residents/{sun.pk}/", {"notes": "已走访"}, format="json").status_code == 200
    answer = api.post(f"/api/v1/imports/{run['id']}/undo/")
    assert answer.status_code == 409
    assert any("孙大爷" in change for change in answer.json()["changes"])
    assert Resident.objects.filter(name="钱大妈").exists()
    assert ImportRun.objects.get().status == "committed"


def test_a_failure_in_the_middle_of_the_commit_leaves_nothing(api, staff_east, east, east1, zhang, ledger,
                                                              monkeypatch):
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    count, phone = Resident.objects.count(), zhang.phone
    from residents import imports

    def broken(*args, **kwargs):  # the creations are written; the updates then fail
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_update", broken)
    answer = api.post(f"/api/v1/imports/{run['id']}/commit/")
    assert answer.status_code == 400
    assert "没有写入任何数据" in answer.json()["detail"][0]
    assert Resident.objects.count() == count and not Household.objects.filter(estate="和平里二区").exists()
    zhang.refresh_from_db()
    assert zhang.phone == phone
    assert ImportRun.objects.get().status == "preview"
    monkeypatch.undo()
    assert api.post(f"/api/v1/imports/{run['id']}/commit/").json()["created"] == 3


def test_an_admin_imports_for_any_of_her_communities(api, admin, west, west1, wang):
    content = book([["新居民", number(9), "", "", "", "", "", "", "", "", "", ""],
                    ["王建国", wang.id_number, "13800000009", "", "", "", "", "", "", "", "", ""]])
    answer = _upload(api, admin, content, community=west.pk)  # 西园 has one grid
    assert answer.status_code == 201, answer.json()
    assert answer.json()["counts"] == {"new": 1, "update": 1, "warning": 0, "rejected": 0}
    assert api.post(f"/api/v1/imports/{answer.json()['id']}/commit/").json()["created"] == 1
    assert Resident.objects.get(name="新居民").grid == west1


def test_a_gridder_may_not_import(api, gridder, east, east1):
    assert _upload(api, gridder, book([]), community=east.pk, grid=east1.pk).status_code == 403


def test_staff_west_finds_no_run_of_east(api, staff_east, staff_west, east, east1, ledger):
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    for path in ("", "rows/", "rejected/"):
        assert api.as_(staff_west).get(f"/api/v1/imports/{run['id']}/{path}").status_code == 404
    for path in ("commit/", "undo/"):
        assert api.as_(staff_west).post(f"/api/v1/imports/{run['id']}/{path}").status_code == 404
    assert api.as_(staff_west).get("/api/v1/imports/").json()["count"] == 0
    # …nor may she import into 东园.
    assert _upload(api, staff_west, ledger, community=east.pk, grid=east1.pk).status_code == 404


def test_the_rejected_rows_download_as_a_workbook_with_their_reasons(api, staff_east, east, east1, ledger):
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    rows, _ = read_sheet(api.get(f"/api/v1/imports/{run['id']}/rejected/"))
    # One sheet: Excel's row number, the columns as the ledger had them, the reason.
    assert rows[0][:2] == ("原表行号", "姓名") and rows[0][-1] == "原因"
    assert [r[0] for r in rows[1:]] == [4, 5, 6]
    assert rows[1][2] == number(1, female=False)  # as typed: ready to fix and upload again
    assert all(r[-1] for r in rows[1:])
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, changes__full_numbers=True).count() == 1


@pytest.mark.parametrize("community", ["9" * 30, "1\x00", "٣", "-1", "", "abc"])
def test_bad_community_values_answer_400(api, staff_east, east, community):
    answer = api.as_(staff_east).post(URL, {"file": upload(book([])), "community": community}, format="multipart")
    assert answer.status_code == 400
    assert ImportRun.objects.count() == 0


def test_a_huge_community_id_in_scope_terms_is_404_not_500(api, staff_east):
    answer = api.as_(staff_east).post(URL, {"file": upload(book([])), "community": str(2**63 - 1)},
                                      format="multipart")
    assert answer.status_code == 404


@pytest.mark.parametrize("file", ["not a file", None])
def test_a_non_file_answers_400(api, staff_east, east, east1, file):
    data = {"community": east.pk, "grid": east1.pk}
    if file is not None:
        data["file"] = file
    answer = api.as_(staff_east).post(URL, data, format="multipart")
    assert answer.status_code == 400 and "file" in answer.json()


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken"])
def test_a_file_that_is_no_workbook_is_refused_at_once(api, staff_east, east, east1, content):
    answer = _upload(api, staff_east, content, community=east.pk, grid=east1.pk)
    assert answer.status_code == 400 and answer.json()["file"]
    assert ImportRun.objects.count() == 0


def test_a_zip_that_is_no_xlsx_is_refused(api, staff_east, east, east1):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    answer = _upload(api, staff_east, out.getvalue(), community=east.pk, grid=east1.pk)
    assert answer.status_code == 400


def test_a_community_with_several_grids_needs_one_chosen(api, staff_east, east, east1, east2):
    answer = _upload(api, staff_east, book([]), community=east.pk)
    assert answer.status_code == 400 and "网格" in answer.json()["grid"][0]
    wrong = _upload(api, staff_east, book([]), community=east.pk, grid="99999")
    assert wrong.status_code == 400


@pytest.mark.parametrize("outcome", ["bogus", "new\x00"])
def test_bad_outcome_filter_answers_400(api, staff_east, east, east1, ledger, outcome):
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    assert api.get(f"/api/v1/imports/{run['id']}/rows/", {"outcome": outcome}).status_code == 400


def test_the_rows_list_costs_the_same_queries_for_many_rows(api, staff_east, east, east1,
                                                            django_assert_max_num_queries):
    small = _upload(api, staff_east, book([[f"居民{chr(0x4e00 + i)}", number(i), "", "", "", "", "", "", "", "", "",
                                            ""] for i in range(3)]), community=east.pk, grid=east1.pk).json()
    big = _upload(api, staff_east, book([[f"居民{chr(0x4e00 + i)}", number(i), "", "", "", "", "", "", "", "", "",
                                          ""] for i in range(40)]), community=east.pk, grid=east1.pk).json()
    api.get(f"/api/v1/imports/{small['id']}/rows/")
    with django_assert_max_num_queries(8):
        assert api.get(f"/api/v1/imports/{big['id']}/rows/").json()["count"] == 40
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/imports/").json()["count"] == 2


def test_rows_of_a_run_in_preview_are_kept_sealed(api, staff_east, east, east1, ledger):
    from django.db import connection

    _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM jiedao_importrow")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert number(1, female=False) not in stored and "孙大爷" not in stored
    assert ImportRow.objects.filter(outcome="new").count() == 2


def test_with_a_worker_the_upload_and_the_commit_answer_202_until_it_is_done(api, staff_east, east, east1, ledger,
                                                                              monkeypatch):
    from jiedao import tasks

    queued = []
    monkeypatch.setattr(tasks.import_preview_task, "delay", lambda pk: queued.append(("preview", pk)))
    monkeypatch.setattr(tasks.import_commit_task, "delay", lambda pk: queued.append(("commit", pk)))
    answer = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk)
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    run_id = answer.json()["id"]
    assert queued == [("preview", run_id)]
    assert api.post(f"/api/v1/imports/{run_id}/commit/").status_code == 400  # not read yet
    assert tasks.import_preview_task.apply(args=[run_id]).get() == "preview"
    assert tasks.import_preview_task.apply(args=[run_id]).get() == "preview"  # a second run leaves it
    assert api.get(f"/api/v1/imports/{run_id}/").json()["counts"]["new"] == 2
    committing = api.post(f"/api/v1/imports/{run_id}/commit/")
    assert committing.status_code == 202 and committing.json()["status"] == "committing"
    assert api.post(f"/api/v1/imports/{run_id}/commit/").status_code == 202  # asked twice: queued once
    assert queued[1:] == [("commit", run_id)]
    assert tasks.import_commit_task.apply(args=[run_id]).get() == "committed"
    assert api.post(f"/api/v1/imports/{run_id}/commit/").json()["created"] == 3


def test_a_ledger_the_reader_refuses_ends_failed_with_the_reason(api, staff_east, east, east1, monkeypatch):
    from jiedao import imports
    from jiedao.ledger import LedgerRefused

    def refuse(*args, **kwargs):
        raise LedgerRefused("工作表中没有找到“姓名”“身份证号码”等表头。")

    monkeypatch.setattr(imports, "plan_ledger", refuse)
    answer = _upload(api, staff_east, book([]), community=east.pk, grid=east1.pk)
    assert answer.status_code == 400
    assert answer.json()["status"] == "failed" and "表头" in answer.json()["detail"]
    assert api.get(f"/api/v1/imports/{answer.json()['id']}/").json()["error"].startswith("工作表中没有")


def test_a_ledger_larger_than_a_scan_is_taken_and_one_past_the_ledger_cap_is_not(api, staff_east, east, east1,
                                                                                 settings):
    settings.LEDGER_MAX_BYTES = 8 * 1024 * 1024
    bigger_than_a_scan = b"x" * (settings.DATA_UPLOAD_MAX_BYTES + 1024)
    answer = _upload(api, staff_east, bigger_than_a_scan, community=east.pk, grid=east1.pk)
    assert answer.status_code == 400 and answer.json()["file"]  # read, and refused as no workbook
    too_big = _upload(api, staff_east, b"x" * (9 * 1024 * 1024), community=east.pk, grid=east1.pk)
    assert too_big.status_code == 413 and "8 MB" in too_big.json()["detail"]
    # Elsewhere the cap of a scan still holds.
    elsewhere = api.post("/api/v1/residents/", {"file": upload(bigger_than_a_scan)}, format="multipart")
    assert elsewhere.status_code == 413


@pytest.mark.parametrize("made", ["visit", "care_plan"])
def test_undo_is_refused_once_someone_worked_with_an_imported_resident(api, staff_east, east, east1, ledger, made):
    from tests.visits.factories import CarePlanFactory, VisitFactory

    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    api.post(f"/api/v1/imports/{run['id']}/commit/")
    sun = Resident.objects.get(name="孙大爷")
    (VisitFactory if made == "visit" else CarePlanFactory)(resident=sun)
    answer = api.post(f"/api/v1/imports/{run['id']}/undo/")
    assert answer.status_code == 409 and "不能删除" in answer.json()["changes"][0]
    assert Resident.objects.filter(name="孙大爷").exists() and ImportRun.objects.get().status == "committed"


def test_staff_east_brings_in_the_shared_sample_ledger_end_to_end(api, staff_east, east, east1):
    """The office's own 困难老人 sheet, as it was sent: every good row comes in, every bad one says why, the
    rejected rows come back as a workbook to fix, and undo leaves the registry as it was."""
    import json

    from tests.residents import ledgers

    expected = json.loads(ledgers.SAMPLE_EXPECTED.read_text())
    answer = _upload(api, staff_east, ledgers.SAMPLE.read_bytes(), community=east.pk, grid=east1.pk)
    assert answer.status_code == 201, answer.json()
    run = answer.json()
    counts = run["counts"]
    good = sum(1 for e in expected if e["outcome"] != "reject")
    assert counts["new"] + counts["update"] + counts["warning"] == good  # all 24 good rows: above the 95% bar
    assert counts["rejected"] == sum(1 for e in expected if e["outcome"] == "reject")
    rejected = api.get(f"/api/v1/imports/{run['id']}/rows/?outcome=rejected&page_size=50").json()["results"]
    assert all(r["reasons"] for r in rejected) and all("*" in r["id_number"] or not r["id_number"] for r in rejected)
    assert sorted(r["row"] for r in rejected) == sorted(e["row"] for e in expected if e["outcome"] == "reject")
    rows, _ = read_sheet(api.get(f"/api/v1/imports/{run['id']}/rejected/"))
    assert len(rows) == 1 + counts["rejected"] and rows[0][-1] == "原因"

    committed = api.post(f"/api/v1/imports/{run['id']}/commit/").json()
    assert committed["status"] == "committed" and committed["created"] == good
    assert Resident.objects.filter(community=east).count() == good
    assert {e["name"] for e in expected if e["outcome"] != "reject"} == set(
        Resident.objects.filter(community=east).values_list("name", flat=True))
    undone = api.post(f"/api/v1/imports/{run['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert not Resident.objects.filter(community=east).exists()


def _worker_died(run_id, minutes=31):
    """The worker that had the run was killed: nothing has touched it for `minutes`."""
    from datetime import timedelta

    from django.utils import timezone

    ImportRun.objects.filter(pk=run_id).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def test_a_run_whose_worker_died_is_shown_interrupted_and_starts_again(api, staff_east, east, east1, ledger,
                                                                       monkeypatch):
    """王丽 uploads; the worker is restarted before reading it. Half an hour later the run says it was
    interrupted (not 排队中 for ever), 重新开始 reads it, and only once however often she asks."""
    from jiedao import tasks

    queued = []
    monkeypatch.setattr(tasks.import_preview_task, "delay", lambda pk: queued.append(("preview", pk)))
    monkeypatch.setattr(tasks.import_commit_task, "delay", lambda pk: queued.append(("commit", pk)))
    run_id = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()["id"]
    _worker_died(run_id, minutes=29)
    assert api.get(f"/api/v1/imports/{run_id}/").json()["stalled"] is False
    refused = api.post(f"/api/v1/imports/{run_id}/restart/")
    assert refused.status_code == 400 and "没有中断" in str(refused.json())
    _worker_died(run_id)
    assert api.get(f"/api/v1/imports/{run_id}/").json()["stalled"] is True
    restarted = api.post(f"/api/v1/imports/{run_id}/restart/")
    assert restarted.status_code == 202 and restarted.json()["status"] == "pending"
    assert api.post(f"/api/v1/imports/{run_id}/restart/").status_code == 400  # started again: not stalled
    assert queued == [("preview", run_id), ("preview", run_id)]
    assert tasks.import_preview_task.apply(args=[run_id]).get() == "preview"
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, changes__step="restart").count() == 1


def test_an_interrupted_commit_wrote_nothing_and_is_asked_for_again(api, staff_east, east, east1, ledger,
                                                                    monkeypatch):
    from jiedao import tasks

    queued = []
    monkeypatch.setattr(tasks.import_commit_task, "delay", lambda pk: queued.append(pk))
    run_id = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()["id"]
    before = Resident.objects.count()
    assert api.post(f"/api/v1/imports/{run_id}/commit/").status_code == 202
    _worker_died(run_id)  # the commit's transaction died with its worker
    assert api.post(f"/api/v1/imports/{run_id}/restart/").json()["status"] == "committing"
    assert queued == [run_id, run_id] and Resident.objects.count() == before
    assert tasks.import_commit_task.apply(args=[run_id]).get() == "committed"
    assert Resident.objects.count() == before + 3
    done = api.get(f"/api/v1/imports/{run_id}/").json()
    assert done["status"] == "committed" and done["stalled"] is False


def test_only_the_importers_may_restart_and_another_communitys_run_is_not_found(api, staff_east, staff_west,
                                                                               gridder, east, east1, ledger):
    run_id = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()["id"]
    ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.RUNNING)
    _worker_died(run_id)
    assert api.as_(staff_west).post(f"/api/v1/imports/{run_id}/restart/").status_code == 404
    assert api.as_(gridder).post(f"/api/v1/imports/{run_id}/restart/").status_code == 403


def test_a_commit_stores_afresh_the_due_dates_of_the_residents_it_wrote_and_no_others(
        api, staff_east, heping, east, east1, east2, zhang, ledger):
    """张春露 (key tier) is updated by the ledger, 赵大爷 (key tier, 东二网格) is not in it: the commit keeps
    her plan's dates afresh and leaves his as they were stored (a refill of the district would rewrite them)."""
    from datetime import date

    from tests.factories import ResidentFactory
    from visits.models import DueDate
    from visits.services import default_rules_ensure

    default_rules_ensure(subdistrict=heping)
    zhao = ResidentFactory(name="赵大爷", grid=east2, care_tier="key")
    marked = date(2000, 1, 1)  # no date the schedule would give: shows whether a row was written since
    DueDate.objects.filter(resident__in=[zhang, zhao]).update(due_date=marked)
    run = _upload(api, staff_east, ledger, community=east.pk, grid=east1.pk).json()
    assert api.post(f"/api/v1/imports/{run['id']}/commit/").json()["updated"] == 1
    assert set(DueDate.objects.filter(resident=zhao).values_list("due_date", flat=True)) == {marked}
    hers = set(DueDate.objects.filter(resident=zhang).values_list("due_date", flat=True))
    assert hers and marked not in hers
