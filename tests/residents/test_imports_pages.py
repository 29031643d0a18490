"""The import wizard on the pages: 王丽 uploads her community's ledger, reads the preview, confirms, and undoes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiedao.models import ImportRun, ImportTemplate
from residents.models import Resident
from tests.residents.import_books import HEADER, book, number, story_rows, upload


@pytest.fixture(autouse=True)
def read_in_the_request(settings):
    # No worker runs in these tests, even with REDIS_URL set: the ledger is read and written inside the request.
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def ledger(zhang, wang):
    return book(story_rows(zhang=zhang, wang=wang))


def _upload(client, content, **data):
    return client.post("/residents/imports/new/", {"file": upload(content), **data})


def test_staff_east_walks_the_wizard(web, staff_east, east, east1, zhang, ledger):
    client = web.as_(staff_east)
    assert "导入台账" in client.get("/residents/").content.decode()
    form = client.get("/residents/imports/new/").content.decode()
    assert "上传并预览" in form and "东园社区" in form
    answer = _upload(client, ledger, community=east.pk, grid=east1.pk)
    run = ImportRun.objects.get()
    assert answer.status_code == 302 and answer.url == f"/residents/imports/{run.pk}/"
    page = client.get(answer.url).content.decode()
    assert "确认导入" in page and "下载未导入的行" in page
    assert "与第 2 行重复" in page and "校验位" in page
    assert "联系电话：139****5678 → 138****0007" in page  # an update shows what it changes, masked
    assert number(1, female=False) not in page
    rejected = client.get(f"{answer.url}?outcome=rejected").content.decode()
    assert "孙大爷" in rejected and "钱大妈" not in rejected
    mapping = client.get(f"/residents/imports/{run.pk}/mapping/").content.decode()
    assert "工作表“台账”" in mapping and "第 2 列：身份证号码" in mapping
    assert client.get(f"/residents/imports/{run.pk}/rejected/download/").status_code == 200

    done = client.post(f"/residents/imports/{run.pk}/commit/")
    assert done.status_code == 302
    page = client.get(done.url).content.decode()
    assert "新建 3 人，更新 1 人" in page and "撤销导入" in page
    assert Resident.objects.filter(name="孙大爷").exists()
    history = client.get("/residents/imports/").content.decode()
    assert "东园社区台账.xlsx" in history and run.sha256[:12] in history and "已导入" in history

    undone = client.post(f"/residents/imports/{run.pk}/undo/", follow=True).content.decode()
    assert "已撤销导入" in undone
    assert not Resident.objects.filter(name="孙大爷").exists()


def test_a_dibao_mark_left_out_of_the_import_leads_to_a_case_for_the_resident_once_registered(
        web, staff_east, east, east1, west1, ledger):
    """周低保's row says 低保 (row 8): a mark the import may not set. The preview says so; once 周低保 is
    registered, the row links to opening her relief case, where 低保 is decided."""
    client = web.as_(staff_east)
    run_url = _upload(client, ledger, community=east.pk, grid=east1.pk).url
    preview = client.get(f"{run_url}?outcome=warning").content.decode()
    assert "请在救助案件中办理" in preview and "办理救助案件" not in preview  # nobody to open it for yet
    client.post(f"{run_url}commit/")
    zhou = Resident.objects.get(name="周低保")
    warned = client.get(f"{run_url}?outcome=warning").content.decode()
    assert f'href="/assistance/new/{zhou.pk}/"' in warned and "办理救助案件" in warned
    assert client.get(f"/assistance/new/{zhou.pk}/").status_code == 200
    # Moved to 西园 since: out of 王丽's scope, the row names her case no more (it would open a 404).
    Resident.objects.filter(pk=zhou.pk).update(grid=west1, community=west1.community)
    moved = client.get(f"{run_url}?outcome=warning").content.decode()
    assert "请在救助案件中办理" in moved and f"/assistance/new/{zhou.pk}/" not in moved


def test_undo_refused_on_the_page_says_what_changed(web, staff_east, east, east1, ledger):
    client = web.as_(staff_east)
    run = ImportRun.objects.get(pk=int(_upload(client, ledger, community=east.pk, grid=east1.pk).url.split("/")[-2]))
    client.post(f"/residents/imports/{run.pk}/commit/")
    sun = Resident.objects.get(name="孙大爷")
    Resident.objects.filter(pk=sun.pk).update(version=sun.version + 1)  # someone saved him since
    page = client.post(f"/residents/imports/{run.pk}/undo/", follow=True).content.decode()
    assert "不能撤销" in page and "孙大爷" in page
    assert Resident.objects.filter(name="钱大妈").exists()


def test_a_mapping_corrected_by_hand_and_saved_maps_next_months_ledger(web, staff_east, east, east1):
    header = ["居民姓名", "身份证号码", "联系电话"]  # 居民姓名: not a title the reader knows
    content = book([["赵新", number(20), ""], ["钱新", number(21), ""]], header=header)
    client = web.as_(staff_east)
    first = _upload(client, content, community=east.pk, grid=east1.pk)
    run = ImportRun.objects.get()
    client.post(f"/residents/imports/{run.pk}/mapping/", {"map-0-name": "0", "map-0-id_number": "1",
                                                          "map-0-phone": "2", "save_template": "1"})
    run.refresh_from_db()
    assert run.status == "preview" and run.count_new == 2, run.error
    assert ImportTemplate.objects.get().mapping == {"台账": {"name": "居民姓名", "id_number": "身份证号码",
                                                           "phone": "联系电话"}}
    assert first.status_code == 302
    # Next month: the columns moved, the titles stayed.
    moved = book([["13900000003", number(22), "孙新"]], header=["联系电话", "身份证号码", "居民姓名"])
    _upload(client, moved, community=east.pk, grid=east1.pk)
    latest = ImportRun.objects.first()
    assert latest.count_new == 1 and latest.rows.get().name == "孙新"


def test_a_bad_file_on_the_page_is_a_field_error(web, staff_east, east, east1):
    answer = _upload(web.as_(staff_east), b"not a workbook", community=east.pk, grid=east1.pk)
    assert answer.status_code == 400 and "xlsx" in answer.content.decode()
    assert ImportRun.objects.count() == 0


def test_an_admin_chooses_the_community(web, admin, east, west, west1):
    client = web.as_(admin)
    page = client.get("/residents/imports/new/").content.decode()
    assert "东园社区" in page and "西园社区" in page
    answer = _upload(client, book([["新居民", number(30), ""] + [""] * (len(HEADER) - 3)]), community=west.pk)
    assert answer.status_code == 302


@pytest.mark.parametrize("path", ["", "new/"])
def test_a_gridder_is_refused_the_import_pages(web, gridder, path):
    assert web.as_(gridder).get(f"/residents/imports/{path}").status_code == 403


def test_staff_west_finds_no_run_of_east(web, staff_east, staff_west, east, east1, ledger):
    run_url = _upload(web.as_(staff_east), ledger, community=east.pk, grid=east1.pk).url
    client = web.as_(staff_west)
    for path in ("", "mapping/", "rejected/download/", "status/"):
        assert client.get(f"{run_url}{path}").status_code == 404
    for path in ("commit/", "undo/", "mapping/"):
        assert client.post(f"{run_url}{path}").status_code == 404
    assert ImportRun.objects.get().status == "preview"
    assert "还没有导入过台账" in client.get("/residents/imports/").content.decode()


def test_the_import_list_costs_the_same_queries_for_many_runs(web, staff_east, east, east1,
                                                              django_assert_max_num_queries):
    client = web.as_(staff_east)
    content = book([["赵新", number(20)] + [""] * (len(HEADER) - 2)])
    for _ in range(2):
        _upload(client, content, community=east.pk, grid=east1.pk)
    client.get("/residents/imports/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/residents/imports/").status_code == 200
    few = len(few.captured_queries)  # read now: each request empties the connection's query log
    for _ in range(8):
        _upload(client, content, community=east.pk, grid=east1.pk)
    with django_assert_max_num_queries(min(few, 12)):
        assert client.get("/residents/imports/").content.decode().count("东园社区") >= 10


def test_the_run_page_costs_the_same_queries_for_many_rows(web, staff_east, east, east1, zhang,
                                                           django_assert_max_num_queries):
    client = web.as_(staff_east)
    rows = [[f"居民{chr(0x4e00 + i)}", number(i)] + [""] * (len(HEADER) - 2) for i in range(40)]
    rows.append(["张春露", zhang.id_number, "13800000007"] + [""] * (len(HEADER) - 3))
    url = _upload(client, book(rows), community=east.pk, grid=east1.pk).url
    client.get(url)
    with django_assert_max_num_queries(14):
        assert "居民" in client.get(url).content.decode()


def test_an_interrupted_read_says_so_and_starts_again_from_the_page(web, staff_east, east, east1, ledger,
                                                                    monkeypatch):
    """The worker was restarted while 王丽's ledger waited: her run page says 已中断 and 重新开始读取 reads it."""
    from datetime import timedelta

    from django.utils import timezone

    from jiedao import tasks

    client = web.as_(staff_east)
    monkeypatch.setattr(tasks.import_preview_task, "delay", lambda pk: None)  # the worker never comes
    run = ImportRun.objects.get(pk=_upload(client, ledger, community=east.pk, grid=east1.pk).url.split("/")[-2])
    page = client.get(f"/residents/imports/{run.pk}/").content.decode()
    assert "排队中" in page and "已中断" not in page and "重新开始" not in page
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=31))
    page = client.get(f"/residents/imports/{run.pk}/").content.decode()
    assert "已中断" in page and "重新开始读取" in page and "自动刷新" not in page
    monkeypatch.undo()
    answer = client.post(f"/residents/imports/{run.pk}/restart/", follow=True)
    page = answer.content.decode()
    assert "已重新开始" in page and "确认导入" in page  # read at once here (no worker in the tests)
    assert client.post(f"/residents/imports/{run.pk}/restart/", follow=True).content.decode().count("没有中断") == 1
