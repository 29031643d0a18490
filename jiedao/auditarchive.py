"""Keeping the audit log: each month archived to a file with its own checksum, and only archived months past
AUDIT_KEEP_DAYS (never below 180 days) pruned, by the tables' owner, leaving an anchor from which
audit_verify goes on verifying what is left.

The files go to STORAGES["audit_archive"] (AUDIT_ARCHIVE_DIR on one host, a bucket's audit-archive/ on several),
through Django's storage API, so the command may run on any host. An archive is JSON lines, one entry a line in
chain order, each line the canonical JSON of what the hash
covers (jiedao.auditchain.entry_payload) plus "hash" and "algorithm": anyone can recompute each hash from
its line and the line before, without the application. `audit-2026-11.jsonl.sha256` beside it is in
`sha256sum -c` format.
"""

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connections, transaction
from django.utils import timezone

from .auditchain import canonical, chain_verify, entry_payload, link_pending
from .checks import AUDIT_KEEP_DAYS_FLOOR
from .dbroles import is_owner, owner_alias
from .models import AuditAnchor, AuditArchive, AuditEntry, AuditLink


class ArchiveError(Exception):
    """A refusal, in words for the person running the command."""


def parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ArchiveError(f"月份“{text}”无法识别，请写成 2026-11 这样的格式。") from None


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first and the next month's first instant, in Asia/Shanghai (the office's months)."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    zone = timezone.get_default_timezone()
    return (datetime.combine(month, datetime.min.time(), zone), datetime.combine(following, datetime.min.time(), zone))


def archive_storage():
    return storages["audit_archive"]


def archive_name(month: date) -> str:
    return f"audit-{month:%Y-%m}.jsonl"


def where(storage, name: str) -> str:
    """The file's address for a person: its path on disk, or s3://bucket/key on object storage."""
    try:
        return storage.path(name)
    except NotImplementedError:
        key = "/".join(part for part in [storage.location.strip("/"), name] if part)
        return f"s3://{storage.bucket_name}/{key}"


def _sha256(handle) -> str:
    sha = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        sha.update(block)
    return sha.hexdigest()


def stored_sha256(name: str) -> str:
    with archive_storage().open(name, "rb") as handle:
        return _sha256(handle)


def _lines(month: date, using: str):
    start, end = month_bounds(month)
    links = (AuditLink.objects.using(using).filter(entry__at__gte=start, entry__at__lt=end)
             .select_related("entry").order_by("chain", "seq"))
    for link in links.iterator(chunk_size=2000):
        line = entry_payload(link.entry, chain=link.chain, seq=link.seq, prev=link.prev)
        line.update(hash=link.hash, algorithm=link.algorithm)
        yield line


@dataclass
class Archived:
    archive: AuditArchive
    changed: bool


def audit_archive(*, month: date, now: datetime | None = None, using: str | None = None) -> Archived:
    """Write the month's entries (every one linked first) to its file and its checksum, and record both.
    Run again, an unchanged month is left as it is; one that gained an entry since (a transaction that
    committed late) is written anew."""
    using = using or owner_alias()
    now = now or timezone.now()
    if month_bounds(month)[1] > now:
        raise ArchiveError(f"{month:%Y-%m} 尚未结束，只能归档已结束的月份。")
    link_pending(using=using)
    storage, name = archive_storage(), archive_name(month)
    count = 0
    # Written whole here first (memory up to 64 MB, then a temporary file), then stored in one piece.
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as handle:
        for line in _lines(month, using):
            handle.write(canonical(line) + b"\n")
            count += 1
        handle.seek(0)
        checksum = _sha256(handle)
        existing = AuditArchive.objects.using(using).filter(month=month).first()
        if existing and existing.sha256 == checksum and storage.exists(name) and stored_sha256(name) == checksum:
            return Archived(existing, changed=False)
        handle.seek(0)
        stored = storage.save(name, File(handle, name=name))  # replaces the month's earlier file, same name
    storage.save(f"{name}.sha256", ContentFile(f"{checksum}  {name}\n".encode()))
    archive, _ = AuditArchive.objects.using(using).update_or_create(
        month=month, defaults={"path": where(storage, stored), "sha256": checksum, "entries": count})
    return Archived(archive, changed=True)


def keep_days() -> int:
    # The check (jiedao.checks) refuses a smaller setting at start; this holds even without it.
    return max(AUDIT_KEEP_DAYS_FLOOR, settings.AUDIT_KEEP_DAYS)


def _archived_hashes(archive: AuditArchive) -> dict[int, str]:
    """{entry id: hash} of a month's archive, once its file is shown to be the one recorded."""
    import json

    storage, name = archive_storage(), archive_name(archive.month)
    if not storage.exists(name):
        raise ArchiveError(f"{archive.month:%Y-%m} 的归档文件 {archive.path} 不存在，不能清理。")
    # Read once: the lines checked are the lines hashed, whatever happens to the stored file meanwhile.
    with storage.open(name, "rb") as stored, tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as handle:
        for block in iter(lambda: stored.read(1 << 20), b""):
            handle.write(block)
        handle.seek(0)
        if _sha256(handle) != archive.sha256:
            raise ArchiveError(f"{archive.month:%Y-%m} 的归档文件校验值不符，已被改动，不能清理。")
        handle.seek(0)
        return {line["id"]: line["hash"] for line in map(json.loads, handle)}


@dataclass
class Pruned:
    entries: int
    before: datetime | None


def audit_prune(*, now: datetime | None = None, using: str | None = None) -> Pruned:
    """Delete the entries of archived months that ended more than keep_days() ago, as a prefix of each chain,
    and record where each chain now starts (AuditAnchor: the last deleted entry's seq and hash).

    Refused unless connected as the audit table's owner (never the runtime role of the web or a worker),
    while the chains do not verify (the evidence stays), or when an entry to delete is not in its month's
    archive exactly as it is in the database."""
    using = using or owner_alias()
    now = now or timezone.now()
    if not is_owner(using):
        raise ArchiveError("audit_prune 须以审计表的属主角色运行（DATABASE_OWNER_URL），运行时角色不能清理审计日志。")
    link_pending(using=using)
    verdict = chain_verify(using=using)
    if not verdict.ok:
        raise ArchiveError("审计链校验未通过，不清理任何日志：" + "；".join(map(str, verdict.breaks)))
    cutoff = now - timedelta(days=keep_days())
    oldest = AuditEntry.objects.using(using).order_by("at").values_list("at", flat=True).first()
    if oldest is None:
        return Pruned(0, None)
    # The boundary: the first month, from the oldest entry's on, that is not archived or not yet old enough.
    archives = {a.month: a for a in AuditArchive.objects.using(using)}
    month = timezone.localtime(oldest).date().replace(day=1)
    used = []
    while month in archives and month_bounds(month)[1] <= cutoff:
        used.append(archives[month])
        month = month_bounds(month)[1].date()
    before = month_bounds(month)[0]
    if not used:
        return Pruned(0, before)
    archived = {}
    for archive in used:
        archived.update(_archived_hashes(archive))
    deleted = 0
    with transaction.atomic(using=using):
        connection = connections[using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The append-only trigger lets the owner delete when told so, for this transaction only.
                cursor.execute("SET LOCAL jiedao.audit_prune = 'on'")
            for chain in AuditLink.objects.using(using).values_list("chain", flat=True).distinct():
                links = AuditLink.objects.using(using).filter(chain=chain)
                first_kept = links.filter(entry__at__gte=before).order_by("seq").values_list("seq", flat=True).first()
                doomed = links.filter(entry__at__lt=before)
                if first_kept is not None:
                    doomed = doomed.filter(seq__lt=first_kept)
                last = doomed.order_by("-seq").values("seq", "hash").first()
                if last is None:
                    continue
                for entry_id, value in doomed.values_list("entry_id", "hash").iterator(chunk_size=5000):
                    if archived.get(entry_id) != value:
                        raise ArchiveError(f"日志编号 {entry_id} 不在归档中或与归档不符：请先重新归档它所在的月份。")
                cursor.execute("DELETE FROM jiedao_auditentry WHERE id IN (SELECT entry_id FROM jiedao_auditlink "
                               "WHERE chain = %s AND seq <= %s)", [chain, last["seq"]])
                count = cursor.rowcount
                cursor.execute("DELETE FROM jiedao_auditlink WHERE chain = %s AND seq <= %s", [chain, last["seq"]])
                AuditAnchor.objects.using(using).create(chain=chain, seq=last["seq"], hash=last["hash"], pruned=count)
                deleted += count
    return Pruned(deleted, before)
