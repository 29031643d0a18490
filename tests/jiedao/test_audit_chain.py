"""The audit log's hash chain: every entry is chained to the one before in its sub-district's chain, any
change or deletion is named by audit_verify, which exits non-zero and tells the sub-district's auditors."""

import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from jiedao import audit
from jiedao.auditchain import LINK_EVERY, canonical, chain_verify, digest, entry_payload, link_pending
from jiedao.models import AuditEntry, AuditLink, Notification, NotificationKind
from jiedao.tasks import link_audit_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tamper(sql: str, params: list) -> None:
    """What someone with the database's superuser account could do: change a row behind every trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def a_day_of_work(staff_east, staff_west, other_admin, zhang, wang, chen):
    """王丽 and 李强 of 和平里 look at their residents, 青龙's admin at his, and a stranger fails to log in."""
    audit.record(actor=staff_east, action="view_full", target=zhang)
    audit.record(actor=staff_west, action="view_full", target=wang)
    audit.record(actor=other_admin, action="view_full", target=chen)
    audit.record(actor=staff_east, action="update", target=zhang, changes={"phone": ["1", "2"], "n": 1.5})
    audit.record(actor=None, action="login_failed", username="nobody", ip="10.0.0.9")
    link_pending()
    return list(AuditEntry.objects.order_by("id"))


def test_each_sub_district_has_its_own_chain_each_entry_linked_to_the_one_before(a_day_of_work, heping, qinglong):
    links = {link.entry_id: link for link in AuditLink.objects.all()}
    heping_chain = [links[e.pk] for e in a_day_of_work if e.subdistrict_id == heping.pk]
    assert [link.seq for link in heping_chain] == [1, 2, 3]
    assert heping_chain[0].prev == ""
    assert [link.prev for link in heping_chain[1:]] == [link.hash for link in heping_chain[:-1]]
    assert {links[e.pk].chain for e in a_day_of_work if e.subdistrict_id == qinglong.pk} == {qinglong.pk}
    assert links[a_day_of_work[-1].pk].chain == 0 and links[a_day_of_work[-1].pk].seq == 1
    assert all(len(link.hash) == 64 and link.algorithm == "sha256" for link in links.values())
    assert chain_verify().ok


def test_the_hash_covers_every_field_and_the_hash_before(a_day_of_work):
    entry, link = a_day_of_work[3], a_day_of_work[3].link
    payload = entry_payload(entry, chain=link.chain, seq=link.seq, prev=link.prev)
    assert set(payload) == {"id", "chain", "seq", "prev", "at", "actor", "username", "action", "target_type",
                            "target_id", "target_label", "subdistrict", "ip", "changes"}
    assert link.hash == digest(canonical(payload), "sha256")
    # Canonical JSON: the same changes in another key order hash the same.
    assert canonical({"b": 1, "a": [1, "二"]}) == '{"a":[1,"二"],"b":1}'.encode()


def test_linking_again_links_nothing_twice(a_day_of_work):
    assert link_pending() == 0
    assert AuditLink.objects.count() == len(a_day_of_work)


@pytest.mark.parametrize("column, value", [
    ("at", "2026-01-01 00:00:00+00:00"), ("actor_id", None), ("actor_username", "someone_else"),
    ("action", "login"), ("target_type", "household"), ("target_id", "999"), ("target_label", "居民 别人"),
    ("ip", "10.9.9.9"), ("changes", '{"phone": ["1", "3"], "n": 1.5}'),
])
def test_a_changed_field_is_named_by_its_entry(a_day_of_work, column, value):
    entry = a_day_of_work[3]
    tamper(f"UPDATE jiedao_auditentry SET {column} = %s WHERE id = %s", [value, entry.pk])
    verdict = chain_verify()
    assert [(b.entry_id, b.reason) for b in verdict.breaks] == [(entry.pk, "日志内容与哈希不符，已被改动")]


def test_an_entry_moved_to_another_sub_district_is_named(a_day_of_work, qinglong):
    entry = a_day_of_work[0]
    tamper("UPDATE jiedao_auditentry SET subdistrict_id = %s WHERE id = %s", [qinglong.pk, entry.pk])
    assert [b.entry_id for b in chain_verify().breaks] == [entry.pk]


def test_a_deleted_entry_is_named_by_the_seq_that_is_missing(a_day_of_work, heping):
    entry = a_day_of_work[1]  # 李强's look at 王建国: the second of 和平里's chain
    tamper("DELETE FROM jiedao_auditlink WHERE entry_id = %s", [entry.pk])
    tamper("DELETE FROM jiedao_auditentry WHERE id = %s", [entry.pk])
    (problem,) = chain_verify().breaks
    assert (problem.chain, problem.seq) == (heping.pk, 2)
    assert "缺少第 2 条" in problem.reason


def test_a_rewritten_hash_breaks_the_next_link(a_day_of_work):
    first = a_day_of_work[0]
    tamper("UPDATE jiedao_auditlink SET hash = %s WHERE entry_id = %s", ["0" * 64, first.pk])
    (problem,) = chain_verify().breaks
    assert problem.entry_id == first.pk  # its own hash no longer matches its fields


def test_audit_verify_passes_on_an_intact_log(a_day_of_work, capsys):
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "审计链完整：3 条链，共 5 条日志" in out
    # Each chain's head is printed (and logged by the nightly job): a copy kept outside the database.
    last = AuditLink.objects.get(entry=a_day_of_work[3])
    assert f"链 {last.chain}：至第 3 条，哈希 {last.hash}" in out


def test_audit_verify_names_the_break_exits_non_zero_and_tells_the_sub_districts_auditors(
        a_day_of_work, auditor, qinglong, capsys):
    other_auditor = UserFactory(username="qinglong_auditor", role="auditor", subdistrict=qinglong)
    entry = a_day_of_work[3]
    tamper("UPDATE jiedao_auditentry SET actor_username = %s WHERE id = %s", ["ghost", entry.pk])
    with pytest.raises(CommandError, match="审计日志校验未通过"):
        call_command("audit_verify")
    assert f"（日志编号 {entry.pk}）：日志内容与哈希不符" in capsys.readouterr().err
    (alert,) = Notification.objects.filter(kind=NotificationKind.AUDIT_CHAIN)
    assert alert.recipient == auditor  # 孙审计 of 和平里; 青龙's auditor is not told of 和平里's chain
    assert f"日志编号 {entry.pk}" in alert.message and alert.link == "/audit/"
    assert not Notification.objects.filter(recipient=other_auditor).exists()
    # The next night finds the same break and writes no second alert.
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert Notification.objects.filter(kind=NotificationKind.AUDIT_CHAIN).count() == 1


def test_the_nightly_task_links_and_verifies(staff_east, zhang):
    from jiedao.tasks import verify_audit_chain_task

    audit.record(actor=staff_east, action="view_full", target=zhang)
    assert verify_audit_chain_task() == "ok"
    assert AuditLink.objects.count() == 1


def test_the_verify_job_runs_every_night_at_four():
    job = settings.CELERY_BEAT_SCHEDULE["verify-audit-chain"]
    assert job["task"] == "jiedao.verify_audit_chain_task"
    assert (job["schedule"].hour, job["schedule"].minute) == ({4}, {0})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_an_entry_is_linked_when_its_transaction_commits_with_one_linker_run(
        staff_east, zhang, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for _ in range(3):
                audit.record(actor=staff_east, action="view_full", target=zhang)
            assert not AuditLink.objects.exists()  # nothing is linked (nor locked) inside the transaction
    assert len(callbacks) == 1
    assert AuditLink.objects.count() == 3


def test_under_guomi_the_chain_is_hashed_with_sm3(settings, staff_east, zhang):
    settings.AUDIT_HASH = "sm3"
    entry = audit.record(actor=staff_east, action="view_full", target=zhang)
    link_pending()
    link = AuditLink.objects.get(entry=entry)
    assert link.algorithm == "sm3"
    assert link.hash == digest(canonical(entry_payload(entry, chain=link.chain, seq=1, prev="")), "sm3")
    assert digest(b"abc", "sm3") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905
    # A later switch back leaves the SM3 entries verifiable: each link names its algorithm.
    settings.AUDIT_HASH = "sha256"
    audit.record(actor=staff_east, action="view_full", target=zhang)
    link_pending()
    assert chain_verify().ok


def test_audit_keep_days_below_180_stops_every_command(settings):
    from django.core.management import call_command as run

    settings.AUDIT_KEEP_DAYS = 90
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="至少保留 180 天"):
        run("check")
    # The web server, which runs no system checks, refuses to start as well.
    from django.core.exceptions import ImproperlyConfigured

    from jiedao.checks import require_audit_settings

    with pytest.raises(ImproperlyConfigured, match="至少保留 180 天"):
        require_audit_settings()
    settings.AUDIT_KEEP_DAYS = 180
    require_audit_settings()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL "
                                                               "(SQLite lets one writer in at a time)")
@pytest.mark.django_db(transaction=True)
def test_two_open_transactions_write_audit_entries_without_waiting_for_each_other(staff_east, staff_west, zhang,
                                                                                    wang, leader):
    """An import in one transaction and a colleague's edits in another, both in 和平里: neither waits for the
    other's commit, and the linker links a third colleague's committed entry meanwhile, waiting for neither."""
    both_written = threading.Barrier(3, timeout=10)
    linked_meanwhile = threading.Barrier(3, timeout=10)
    done, errors = [], []

    def work(actor, target):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")  # a lock wait would fail, not hang
                audit.record(actor=actor, action="view_full", target=target)
                # Both transactions are open now, each with its entry written: had the first held a chain
                # lock to its end, the second could not have reached this point and the barrier breaks.
                both_written.wait()
                linked_meanwhile.wait()
                audit.record(actor=actor, action="view_full", target=target)
            done.append(actor.username)
        except Exception as error:  # reported below, on the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(staff_east, zhang)),
               threading.Thread(target=work, args=(staff_west, wang))]
    for thread in threads:
        thread.start()
    both_written.wait()
    # 钱领导 looks at a resident meanwhile, committed at once: linked now, first in the chain.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    first = audit.record(actor=leader, action="view_full", target=zhang)
    link_pending()
    assert AuditLink.objects.get(entry=first).seq == 1
    linked_meanwhile.wait()
    for thread in threads:
        thread.join(20)
    assert errors == [] and sorted(done) == ["staff_east", "staff_west"]
    link_pending()  # what the commits left to a later run (one run a second), as the minute job would
    links = list(AuditLink.objects.filter(chain=staff_east.subdistrict_id).order_by("seq"))
    assert [link.seq for link in links] == [1, 2, 3, 4, 5]
    assert links[0].entry_id == first.pk and first.pk > min(link.entry_id for link in links)  # commit order
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)  # each request commits, as in production, and its callbacks run
def test_an_office_reading_many_records_in_a_second_runs_the_linker_once(client, staff_east, zhang, monkeypatch):
    """王丽 opens 张 three times in a second (each view of a full number is an entry): the first commit links its
    entry, the next two skip the linker's seven statements, and the minute job links the two left, in id order."""
    monkeypatch.setattr("jiedao.auditchain.LINK_EVERY", 60)  # "within a second", however slow the machine
    client.force_login(staff_east)
    cache.clear()  # the fixtures' and the sign-in's entries were linked as they committed: a second later
    statements = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/residents/{zhang.pk}/").status_code == 200
        statements.append([q["sql"] for q in queries.captured_queries if "auditlink" in q["sql"].lower()])
    assert statements[0] and statements[1] == [] and statements[2] == []
    viewed = AuditEntry.objects.filter(action="view_full").order_by("id")
    assert viewed.count() == 3 and AuditLink.objects.filter(entry__in=viewed).count() == 1

    assert link_audit_task() == 2
    links = [AuditLink.objects.get(entry=entry) for entry in viewed]
    assert [link.seq for link in links] == sorted(link.seq for link in links)  # id order
    assert [link.prev for link in links[1:]] == [link.hash for link in links[:-1]]
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_commit_a_moment_after_the_last_run_links_again(staff_east, zhang, monkeypatch):
    cache.clear()
    audit.record(actor=staff_east, action="view_full", target=zhang)  # committed at once: linked
    later = time.time() + LINK_EVERY + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's clock: the last run's mark has lapsed
    audit.record(actor=staff_east, action="view_full", target=zhang)
    assert AuditLink.objects.filter(entry__action="view_full").count() == 2


def test_the_linker_job_runs_every_minute_on_the_upkeep_queue():
    job = settings.CELERY_BEAT_SCHEDULE["link-audit-entries"]
    assert job["task"] == "jiedao.link_audit_task" and job["schedule"] == 60
    assert settings.CELERY_TASK_ROUTES["jiedao.link_audit_task"] == {"queue": "upkeep"}


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_unreachable_each_commit_links_as_before(staff_east, zhang, monkeypatch):
    """Redis restarting: the mark cannot be read, so nothing is left unlinked for want of it."""
    class Unreachable:
        def add(self, *args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("jiedao.auditchain.cache", Unreachable())
    for _ in range(2):
        audit.record(actor=staff_east, action="view_full", target=zhang)
    assert AuditLink.objects.filter(entry__action="view_full").count() == 2


def test_an_entry_not_yet_linked_is_counted_not_passed_over(staff_east, zhang):
    """An entry whose commit left its link to a later run is no part of any chain yet: the check says how many
    such entries there are instead of calling the log whole without them."""
    audit.record(actor=staff_east, action="view_full", target=zhang)  # the test's transaction never commits
    assert chain_verify().unlinked == 1
    link_pending()
    assert chain_verify().unlinked == 0 and chain_verify().ok


def test_an_entry_linked_into_another_sub_districts_chain_is_named(staff_east, other_admin, zhang, chen, qinglong):
    """The runtime role may insert links: one that puts 和平里's entry into 青龙's chain with a hash that fits
    would take it out of 和平里's auditors' view. The check names it."""
    audit.record(actor=other_admin, action="view_full", target=chen)
    link_pending()
    entry = audit.record(actor=staff_east, action="view_full", target=zhang)
    seq, prev = AuditLink.objects.filter(chain=qinglong.pk).values_list("seq", "hash").get()
    value = digest(canonical(entry_payload(entry, chain=qinglong.pk, seq=seq + 1, prev=prev)), "sha256")
    AuditLink.objects.create(entry=entry, chain=qinglong.pk, seq=seq + 1, prev=prev, hash=value, algorithm="sha256")
    verdict = chain_verify()
    assert [str(problem) for problem in verdict.breaks] == [
        f"链 {qinglong.pk} 第 {seq + 1} 条（日志编号 {entry.pk}）：日志属于另一条链，被链入此链"]
