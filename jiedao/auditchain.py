"""The audit log's hash chain: each entry's hash covers every field of the entry and the hash before it,
one chain per sub-district (entries of none share chain 0).

Why it never makes the application's writes wait on each other: record() only INSERTs the entry, as it
always did, inside the caller's transaction, and takes no lock. Audited writes run inside long
transactions (an import of thousands of residents, a burst of enrolments); a chain head locked by the
INSERT would be held until that transaction ends (PostgreSQL keeps row and advisory locks to the end of
the transaction) and every other audited write of the sub-district would queue behind it. Instead, the
entry gets its place in the chain after it commits: record() asks for link_pending() on commit, and the
nightly audit_verify runs it too, for entries whose process died before. The linker takes one lock in its
own short transaction (only committed entries are visible to it, so it waits for no one), gives every
unlinked entry the next seq of its chain in id order (of the entries committed by then) and writes an
AuditLink row. Nothing is ever UPDATEd, so the runtime database role needs only INSERT and SELECT on both
tables (jiedao.dbroles).

Why a commit links only when no run started in the last LINK_EVERY seconds: a run is seven statements, one of
them an anti-join over the last hours' entries, and every look at a full number writes an entry, so an office
reading records paid for a run on nearly every page (7 of an API detail's 13 statements). The mark is in the
shared cache, so one run a second serves every web process; what a skipped commit wrote is linked by the next
run, by the link-audit-entries job every minute, or by the nightly pass. An entry waits about a minute while the
upkeep worker is free (on a machine without a beat, until the next audited commit) for its link; its row is never
writable by the runtime role meanwhile (INSERT and SELECT only). Two entries that committed in the second after a
run are linked by the next in id order, which may differ from the order they committed in; nothing reads the
order of commits from the chain (verify, archive and prune read seq).
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from .models import AuditAnchor, AuditEntry, AuditLink

logger = logging.getLogger("jiedao.audit")

# How far back the linker called on commit looks for unlinked entries: the anti-join stays on an index
# range of recent rows. A transaction open longer than this is linked by the nightly full pass.
RECENT = timedelta(hours=6)
BATCH = 2000
# One key for the linker's advisory lock (any constant; this is "jiedao-au" in ASCII).
LOCK_KEY = 0x6A696564616F6175
# At most one linker run on commit in this many seconds, across every process (the module's docstring says why).
LINK_EVERY = 1


def algorithm() -> str:
    return "sm3" if getattr(settings, "AUDIT_HASH", "sha256") == "sm3" else "sha256"


def digest(data: bytes, algo: str) -> str:
    if algo == "sm3":
        from gmssl import func, sm3  # 国密 SM3 (GB/T 32905), only when AUDIT_HASH=sm3

        return sm3.sm3_hash(func.bytes_to_list(data))
    return hashlib.sha256(data).hexdigest()


def canonical(data: dict) -> bytes:
    """One byte string for one value: sorted keys, no spaces, UTF-8 (an archive line is this, plus the hash)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_payload(entry: AuditEntry, *, chain: int, seq: int, prev: str) -> dict:
    """Every field of the entry, its place in the chain and the hash before it: what the hash covers."""
    return {
        "id": entry.pk, "chain": chain, "seq": seq, "prev": prev,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id, "username": entry.actor_username, "action": entry.action,
        "target_type": entry.target_type, "target_id": entry.target_id, "target_label": entry.target_label,
        "subdistrict": entry.subdistrict_id, "ip": entry.ip, "changes": entry.changes,
    }


def chain_of(entry: AuditEntry) -> int:
    return entry.subdistrict_id or 0


def chain_head(chain: int, using: str = DEFAULT_DB_ALIAS) -> tuple[int, str]:
    """(seq, hash) of the chain's last link; after pruning, of its anchor; (0, "") for a new chain."""
    last = AuditLink.objects.using(using).filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
    if last:
        return last
    anchor = AuditAnchor.objects.using(using).filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
    return anchor or (0, "")


def link_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Ask for one linker run when the current transaction commits (once, however many entries it wrote).
    `robust`: a failed link is logged and left to the nightly run; the caller's work is committed already."""
    pending = connections[using].run_on_commit
    if any(callback is _link_recent for _, callback, _ in pending):
        return
    transaction.on_commit(_link_recent, using=using, robust=True)


def _mark() -> str:
    # Of this database: two deployments sharing one Redis (staging, production) never hold back each other's.
    return f"audit:link-started:{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}"


def _link_recent() -> None:
    try:
        due = cache.add(_mark(), True, LINK_EVERY)  # False: a run started less than LINK_EVERY seconds ago
    except Exception:  # the cache unreachable (Redis restarting): link on this commit, as every commit once did
        logger.warning("audit linker: the cache did not answer; linking on this commit", exc_info=True)
        due = True
    if due:
        link_recent()


def link_recent() -> int:
    """The minute job's run (jiedao.link_audit_task): what commits left to the next run, and any older entry
    still unlinked within RECENT."""
    return link_pending(since=timezone.now() - RECENT)


def link_pending(*, since=None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Give every committed entry without a link its place in its chain; returns how many were linked.
    Entries are taken in id order among those committed by the time of the run (an entry of a transaction still
    open is invisible here, linked by a later run with a later seq)."""
    algo, linked = algorithm(), 0
    while True:
        with transaction.atomic(using=using):
            conn = connections[using]
            if conn.vendor == "postgresql":
                with conn.cursor() as cursor:
                    # Held for this short transaction only: two linkers never hand out the same seq.
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                    # No wait for the disk: links lost in a crash are lost with every later transaction
                    # (the log is written in order) and the next run links those entries again.
                    cursor.execute("SET LOCAL synchronous_commit = off")
            pending = AuditEntry.objects.using(using).filter(link__isnull=True)
            if since is not None:
                pending = pending.filter(at__gte=since)
            batch = list(pending.order_by("id")[:BATCH])
            if not batch:
                return linked
            heads: dict[int, tuple[int, str]] = {}
            links = []
            for entry in batch:
                chain = chain_of(entry)
                seq, prev = heads.get(chain) or chain_head(chain, using)
                seq += 1
                value = digest(canonical(entry_payload(entry, chain=chain, seq=seq, prev=prev)), algo)
                links.append(AuditLink(entry=entry, chain=chain, seq=seq, prev=prev, hash=value, algorithm=algo))
                heads[chain] = (seq, value)
            AuditLink.objects.using(using).bulk_create(links)
            linked += len(links)
        if len(batch) < BATCH:
            return linked


@dataclass
class Break:
    chain: int
    seq: int
    entry_id: int | None
    reason: str

    def __str__(self):
        where = f"链 {self.chain} 第 {self.seq} 条" + (f"（日志编号 {self.entry_id}）" if self.entry_id else "")
        return f"{where}：{self.reason}"


@dataclass
class Verdict:
    checked: int = 0
    chains: int = 0
    breaks: list[Break] = field(default_factory=list)
    # Each intact chain's last (seq, hash). Logged every night: a copy outside the database, against which
    # even the owner's rewrite of a chain's tail (which no chain alone can show) is seen.
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)
    # Committed entries with no place in a chain yet (a commit leaves its link to a run a moment later): told,
    # so that a restore or a check never calls a log whole whose newest entries no chain covers yet.
    unlinked: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks


def chain_verify(*, using: str = DEFAULT_DB_ALIAS) -> Verdict:
    """Walk every chain from its anchor (or its start) and name the first entry where each one breaks: a
    seq missing (an entry deleted), a link not pointing at the hash before it, or an entry whose fields no
    longer give its hash (an entry changed), or one linked into a chain not its own (the runtime role may insert
    links: a correct hash in another sub-district's chain would take the entry from its auditors' view)."""
    verdict = Verdict(unlinked=AuditEntry.objects.using(using).filter(link__isnull=True).count())
    chains = AuditLink.objects.using(using).values_list("chain", flat=True).distinct().order_by("chain")
    for chain in list(chains):
        verdict.chains += 1
        anchor = AuditAnchor.objects.using(using).filter(chain=chain).order_by("-seq").first()
        expected, prev = (anchor.seq + 1, anchor.hash) if anchor else (1, "")
        links = (AuditLink.objects.using(using).filter(chain=chain, seq__gte=expected)
                 .select_related("entry").order_by("seq"))
        for link in links.iterator(chunk_size=BATCH):
            problem = None
            if link.seq != expected:
                problem = Break(chain, expected, None, f"缺少第 {expected} 条（下一条是第 {link.seq} 条），日志被删除")
            elif link.prev != prev:
                problem = Break(chain, link.seq, link.entry_id, "与前一条的哈希不相接")
            elif chain_of(link.entry) != chain:
                problem = Break(chain, link.seq, link.entry_id, "日志属于另一条链，被链入此链")
            elif link.entry.pk is None or digest(canonical(entry_payload(
                    link.entry, chain=chain, seq=link.seq, prev=prev)), link.algorithm) != link.hash:
                problem = Break(chain, link.seq, link.entry_id, "日志内容与哈希不符，已被改动")
            if problem:
                verdict.breaks.append(problem)
                break
            verdict.checked += 1
            expected, prev = link.seq + 1, link.hash
        else:
            verdict.heads[chain] = (expected - 1, prev)
    return verdict


def chain_verify_and_alert(*, using: str = DEFAULT_DB_ALIAS) -> Verdict:
    """The nightly job: link what is pending (all of it, however old), verify, and tell the auditors of each
    broken chain's sub-district (every auditor for chain 0, the entries of no sub-district) in their inbox."""
    link_pending(using=using)
    verdict = chain_verify(using=using)
    for chain, (seq, value) in verdict.heads.items():
        logger.info("审计链 %s 完整，至第 %s 条，哈希 %s", chain, seq, value)
    if verdict.breaks:
        alert_auditors(verdict.breaks)
    return verdict


def alert_auditors(breaks: list[Break]) -> int:
    from django.urls import reverse

    from .models import Notification, NotificationKind, User
    from .notifications import notifications_deliver, notifications_write
    from .roles import Role

    rows = []
    for problem in breaks:
        auditors = User.objects.filter(role=Role.AUDITOR, is_active=True)
        if problem.chain:
            auditors = auditors.filter(subdistrict_id=problem.chain)
        for auditor in auditors:
            rows.append(Notification(
                recipient=auditor, kind=NotificationKind.AUDIT_CHAIN, link=reverse("audit_log"),
                message=f"审计日志校验未通过：{problem}。请核查数据库操作记录与备份。"[:300],
                # One alert per break and auditor: the next nights' runs find the same break and write nothing.
                key=f"audit-chain:{problem.chain}:{problem.seq}:{problem.entry_id or 0}:{auditor.pk}"))
    written = notifications_write(rows)
    notifications_deliver()
    logger.error("审计链校验未通过：%s", "；".join(str(b) for b in breaks))
    return written
