"""Backups: one encrypted file holding the database, the stored files (STORAGES["default"], still sealed as
they are stored) and the audit archives (STORAGES["audit_archive"]), and its restore into an empty database.
Files are read and written through Django's storage API, so the same command backs up a host's directories or
an S3 bucket, and writes the backup to STORAGES["backups"] (BACKUP_DIR, or the bucket's backups/) unless
told a directory (--output).

The database is dumped by its own tool (pg_dump's custom format on PostgreSQL, SQLite's online backup API
otherwise), as the tables' owner. The bundle (a tar with a manifest of every table's row count) is
encrypted with AES-256-GCM in one pass, so a dump of any size streams through in constant memory. The key
is derived with HKDF-SHA256 from BACKUP_KEY and a random salt kept in the file's header; the header is
authenticated too. A file cut short, changed by one bit or opened with another key restores nothing.

File layout: MAGIC, salt (16 bytes), nonce (12 bytes), ciphertext, GCM tag (16 bytes).
"""

import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import connections
from django.utils import timezone

from .auditchain import link_pending
from .crypto import EncryptedStorageMixin
from .dbroles import grant_runtime, owner_alias, runtime_role

MAGIC = b"JIEDAO-BACKUP-1\n"
SALT, NONCE, TAG = 16, 12, 16
CHUNK = 1 << 20
MIN_KEY_CHARS = 32


class BackupError(Exception):
    """A refusal, in words for the person running the command."""


def _key(salt: bytes) -> bytes:
    secret = settings.BACKUP_KEY or ""
    if len(secret) < MIN_KEY_CHARS:
        raise BackupError(f"请设置 BACKUP_KEY：至少 {MIN_KEY_CHARS} 个字符的密钥（与备份分开保管）。")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"jiedao backup v1").derive(secret.encode())


def encrypt_file(source: Path, target: Path) -> None:
    salt, nonce = os.urandom(SALT), os.urandom(NONCE)
    encryptor = Cipher(algorithms.AES(_key(salt)), modes.GCM(nonce)).encryptor()
    header = MAGIC + salt + nonce
    encryptor.authenticate_additional_data(header)
    with source.open("rb") as plain, target.open("wb") as out:
        out.write(header)
        for block in iter(lambda: plain.read(CHUNK), b""):
            out.write(encryptor.update(block))
        out.write(encryptor.finalize())
        out.write(encryptor.tag)


def decrypt_file(source: Path, target: Path) -> None:
    """Decrypt to `target`; on any doubt (cut, changed, other key) the target is removed and BackupError raised."""
    size = source.stat().st_size
    header_size = len(MAGIC) + SALT + NONCE
    with source.open("rb") as encrypted:
        header = encrypted.read(header_size)
        if size < header_size + TAG or not header.startswith(MAGIC):
            raise BackupError("这不是 jiedao 的备份文件（或文件不完整）。")
        salt, nonce = header[len(MAGIC):len(MAGIC) + SALT], header[len(MAGIC) + SALT:]
        encrypted.seek(size - TAG)
        tag = encrypted.read(TAG)
        encrypted.seek(header_size)
        decryptor = Cipher(algorithms.AES(_key(salt)), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(header)
        remaining = size - header_size - TAG
        try:
            with target.open("wb") as out:
                while remaining:
                    block = encrypted.read(min(CHUNK, remaining))
                    remaining -= len(block)
                    out.write(decryptor.update(block))
                out.write(decryptor.finalize())
        except InvalidTag:
            target.unlink(missing_ok=True)
            raise BackupError("备份文件校验失败：文件已损坏或被改动，或 BACKUP_KEY 不对。") from None


def row_counts(using: str) -> dict[str, int]:
    """Every table's row count, by model label: what a restore must give back."""
    return {model._meta.label: model._base_manager.using(using).count()
            for model in apps.get_models() if model._meta.managed and not model._meta.proxy}


def _pg_env(db: dict) -> tuple[list[str], dict]:
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[:500]}")


def _file_stores() -> dict:
    """The bundle's folder for each storage it carries."""
    return {"media": storages["default"], "audit-archive": storages["audit_archive"]}


def _names(storage, folder: str = ""):
    """Every file's name in `storage`, at any depth (listdir works alike on disk and on S3)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a directory never written to
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _names(storage, f"{folder}/{sub}" if folder else sub)


def _stored(storage, name: str):
    """A file as it is stored: sealed files stay sealed in the backup (BACKUP_KEY seals the whole again)."""
    if isinstance(storage, EncryptedStorageMixin):
        return storage.sealed_open(name), storage.sealed_size(name)
    return storage.open(name, "rb"), storage.size(name)


def _add_files(tar: tarfile.TarFile) -> None:
    for folder, storage in _file_stores().items():
        for name in _names(storage):
            handle, size = _stored(storage, name)
            with handle:
                info = tarfile.TarInfo(f"{folder}/{name}")
                info.size, info.mode = size, 0o600
                tar.addfile(info, handle)


def _put_back_files(out: Path) -> None:
    for folder, storage in _file_stores().items():
        root = out / folder
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            with path.open("rb") as handle:
                if isinstance(storage, EncryptedStorageMixin):
                    stored = storage.sealed_save(name, File(handle, name=name))
                else:
                    if storage.exists(name):
                        storage.delete(name)
                    stored = storage.save(name, File(handle, name=name))
            if stored != name:  # a file's name is what its row points at
                raise BackupError(f"文件 {name} 未能按原名恢复（存为 {stored}）。")


def backup_create(*, output_dir: Path | None = None, using: str | None = None) -> str:
    """Write one encrypted backup into `output_dir`, or else STORAGES["backups"], and return where it is."""
    using = using or owner_alias()
    _key(b"\0" * SALT)  # no key, no work
    # Every committed entry with its place in the chain: a commit of the last second may have left it to the
    # minute job (jiedao.auditchain), and a restore verifies the chain it brings back.
    link_pending(using=using)
    connection = connections[using]
    db = connection.settings_dict
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"jiedao-{stamp}.backup"
    with tempfile.TemporaryDirectory(prefix="jiedao-backup-") as work:
        work = Path(work)
        if connection.vendor == "postgresql":
            dump = work / "database.pgdump"
            args, env = _pg_env(db)
            _run(["pg_dump", *args, "--format=custom", "--file", str(dump), db["NAME"]], env)
        else:
            dump = work / "database.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(dump) as copy:
                connection.connection.backup(copy)
        manifest = {"vendor": connection.vendor, "created_at": timezone.now().isoformat(),
                    "database": dump.name, "counts": row_counts(using)}
        bundle = work / "bundle.tar"
        with tarfile.open(bundle, "w") as tar:
            tar.add(dump, arcname=dump.name)
            _add_files(tar)
            info = tarfile.TarInfo("manifest.json")
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        partial = work / "backup.partial"
        encrypt_file(bundle, partial)
        bundle.unlink()  # room on the temporary disk before the upload
        if output_dir:
            output_dir = Path(output_dir)
            output_dir.mkdir(parents=True, exist_ok=True)
            target = output_dir / name
            os.chmod(partial, 0o600)
            os.replace(partial, target)  # whole or not at all under its name
            return str(target)
        backups = storages["backups"]
        with partial.open("rb") as handle:
            stored = backups.save(name, File(handle, name=name))
        try:
            return backups.path(stored)
        except NotImplementedError:
            return f"{backups.bucket_name}:{stored}（对象存储 backups）"


def _fetch(path: str, work: Path) -> Path:
    """A backup given as a file on this host, else by its name in STORAGES["backups"], as a local file."""
    if Path(path).is_file():
        return Path(path)
    backups = storages["backups"]
    if not backups.exists(path):
        raise BackupError(f"找不到备份文件 {path}（本机路径或备份存储中的文件名）。")
    local = work / "fetched.backup"
    with backups.open(path, "rb") as stored, local.open("wb") as out:
        for block in iter(lambda: stored.read(CHUNK), b""):
            out.write(block)
    return local


def _empty(using: str) -> bool:
    return not connections[using].introspection.table_names()


def backup_restore(*, path: Path | str, using: str | None = None) -> dict:
    """Restore a backup (a file here, or a name in STORAGES["backups"]) into an empty database, and its files
    into STORAGES["default"] and ["audit_archive"]; returns the manifest. Refused into a database that has
    tables, and when the restored counts differ."""
    using = using or owner_alias()
    connection = connections[using]
    db = connection.settings_dict
    if not _empty(using):
        raise BackupError("目标数据库不是空的：只能恢复到一个新建的空数据库。")
    with tempfile.TemporaryDirectory(prefix="jiedao-restore-") as work:
        work = Path(work)
        bundle = work / "bundle.tar"
        decrypt_file(_fetch(str(path), work), bundle)
        with tarfile.open(bundle) as tar:
            tar.extractall(work / "out", filter="data")
        out = work / "out"
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"这是 {manifest['vendor']} 的备份，不能恢复到 {connection.vendor}。")
        dump = out / manifest["database"]
        if connection.vendor == "postgresql":
            args, env = _pg_env(db)
            # Owned by whoever restores (the owner role here), rights given afresh below.
            _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "-d", db["NAME"],
                  str(dump)], env)
            role = runtime_role()
            if role:
                grant_runtime(role=role, using=using)
        else:
            connection.ensure_connection()
            with sqlite3.connect(dump) as source:
                source.backup(connection.connection)
        _put_back_files(out)
    connection.close()  # the restored schema, read afresh
    counts = row_counts(using)
    if counts != manifest["counts"]:
        differ = {k: (v, counts.get(k)) for k, v in manifest["counts"].items() if counts.get(k) != v}
        raise BackupError(f"恢复后的行数与备份时不同：{differ}")
    return manifest
