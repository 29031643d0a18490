"""Keeping the audit log: months archived with their checksum, only archived months past 180 days pruned,
and the chain still verified from the archive's last hash."""

import json
from datetime import datetime
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from jiedao import audit
from jiedao.auditarchive import ArchiveError, audit_archive, audit_prune, keep_days, parse_month
from jiedao.auditchain import canonical, chain_verify, digest, link_pending
from jiedao.models import AuditAnchor, AuditEntry, AuditLink

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 12, 1, 9, 0))  # 180 days back is 2026-06-04


def at(moment: str):
    return mock.patch("django.utils.timezone.now", return_value=timezone.make_aware(datetime.fromisoformat(moment)))


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit"
    return settings.AUDIT_ARCHIVE_DIR


@pytest.fixture
def half_a_year(staff_east, other_admin, zhang, chen):
    """王丽 looked at 张春露 in May, June and November; 青龙's admin at 陈青龙 in May."""
    for moment in ["2026-05-03T10:00", "2026-05-31T23:59", "2026-06-15T09:00", "2026-11-20T09:00"]:
        with at(moment):
            audit.record(actor=staff_east, action="view_full", target=zhang)
    with at("2026-05-10T08:00"):
        audit.record(actor=other_admin, action="view_full", target=chen)
    link_pending()


def test_a_month_is_archived_to_json_lines_with_its_checksum(half_a_year, archive_dir):
    done = audit_archive(month=date_of("2026-05"), now=NOW)
    path = archive_dir / "audit-2026-05.jsonl"
    assert done.changed and done.archive.entries == 3 and done.archive.path == str(path)
    import hashlib

    assert (archive_dir / "audit-2026-05.jsonl.sha256").read_text() == (
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  audit-2026-05.jsonl\n")
    # Each line holds what its hash covers: anyone can recompute it without the application.
    for line in map(json.loads, path.read_text().splitlines()):
        value, algorithm = line.pop("hash"), line.pop("algorithm")
        assert digest(canonical(line), algorithm) == value
    # Run again, an unchanged month is left as it was.
    assert not audit_archive(month=date_of("2026-05"), now=NOW).changed


def date_of(text):
    return parse_month(text)


def test_only_a_month_that_is_over_is_archived_and_the_month_is_read_one_way(half_a_year):
    with pytest.raises(ArchiveError, match="2026-12 尚未结束"):
        audit_archive(month=date_of("2026-12"), now=NOW)
    with pytest.raises(CommandError, match="请写成 2026-11 这样的格式"):
        call_command("audit_archive", "--month", "十一月")


def test_nothing_is_pruned_before_it_is_archived(half_a_year):
    assert audit_prune(now=NOW).entries == 0
    assert AuditEntry.objects.count() == 5


def test_archived_months_older_than_180_days_are_pruned_and_the_chain_verifies_from_the_anchor(
        half_a_year, heping, qinglong, staff_east, zhang, capsys):
    for month in ["2026-05", "2026-06"]:
        call_command("audit_archive", "--month", month, "--now", "2026-12-01T09:00")
    call_command("audit_prune", "--now", "2026-12-01T09:00")
    assert "已清理 2026-06-01 之前的 3 条审计日志" in capsys.readouterr().out
    # June is archived but younger than 180 days: kept, with November's.
    assert sorted(timezone.localtime(e.at).strftime("%m-%d") for e in AuditEntry.objects.all()) == ["06-15", "11-20"]
    anchors = {a.chain: (a.seq, a.pruned) for a in AuditAnchor.objects.all()}
    assert anchors == {heping.pk: (2, 2), qinglong.pk: (1, 1)}
    assert chain_verify().ok
    # The chain goes on from where it was: 和平里's next entry is its fifth.
    with at("2026-12-01T10:00"):
        entry = audit.record(actor=staff_east, action="view_full", target=zhang)
    link_pending()
    assert AuditLink.objects.get(entry=entry).seq == 5
    assert chain_verify().ok
    # Pruned again, nothing more goes.
    assert audit_prune(now=NOW).entries == 0


def test_keeping_longer_prunes_less_and_never_less_than_180_days(half_a_year, settings):
    audit_archive(month=date_of("2026-05"), now=NOW)
    settings.AUDIT_KEEP_DAYS = 365
    assert audit_prune(now=NOW).entries == 0
    settings.AUDIT_KEEP_DAYS = 30  # refused by the system check; the prune holds to 180 all the same
    assert keep_days() == 180
    assert audit_prune(now=timezone.make_aware(datetime(2026, 11, 20))).entries == 0  # May's end + 173 days


def test_a_changed_archive_file_stops_the_prune(half_a_year, archive_dir):
    audit_archive(month=date_of("2026-05"), now=NOW)
    path = archive_dir / "audit-2026-05.jsonl"
    path.write_text(path.read_text().replace("view_full", "login", 1))
    with pytest.raises(ArchiveError, match="校验值不符"):
        audit_prune(now=NOW)
    assert AuditEntry.objects.count() == 5


def test_a_broken_chain_stops_the_prune(half_a_year):
    from tests.jiedao.test_audit_chain import tamper

    audit_archive(month=date_of("2026-05"), now=NOW)
    tamper("UPDATE jiedao_auditentry SET actor_username = 'x' WHERE id = %s", [AuditEntry.objects.earliest("at").pk])
    with pytest.raises(CommandError, match="审计链校验未通过，不清理任何日志"):
        call_command("audit_prune", "--now", "2026-12-01T09:00")


def test_an_entry_the_archive_missed_stops_the_prune_until_the_month_is_archived_again(half_a_year, other_admin,
                                                                                       chen):
    audit_archive(month=date_of("2026-05"), now=NOW)
    # A transaction of May that committed after the archive was written (青龙's chain has nothing later, so
    # it falls in the part to prune; in 和平里's it would come after June's entry and simply be kept).
    with at("2026-05-20T12:00"):
        late = audit.record(actor=other_admin, action="view_full", target=chen)
    with pytest.raises(ArchiveError, match=f"日志编号 {late.pk} 不在归档中"):
        audit_prune(now=NOW)
    assert audit_archive(month=date_of("2026-05"), now=NOW).changed
    assert audit_prune(now=NOW).entries == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_even_the_owner_deletes_an_entry_only_through_the_prune(half_a_year):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM jiedao_auditlink")
