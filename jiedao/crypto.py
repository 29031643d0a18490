"""Encryption at rest of personal data: ID numbers, phones and stored files (等保 数据保密性).

One secret, FIELD_ENCRYPTION_KEY (32 characters at least, from the environment), gives through HKDF-SHA256
separate keys for separate uses, so a key that leaks through one use opens no other:

- the encryption key: AES-256-GCM (or SM4-GCM when FIELD_CIPHER=sm4, where OpenSSL offers it), for
  column values and files;
- the blind-index key: HMAC-SHA256 of a whole normalised value (an ID number, a phone), which exact
  look-ups and the uniqueness of an ID number use;
- the last-four key: HMAC-SHA256 of the last four characters, which the "whole number or last four"
  search uses. In clear, beside the birth date and sex, the last four (three sequence digits and the check
  digit) would give the whole number back; keyed, a dump without the key gives nothing;
- a key id (4 bytes) written into every ciphertext, so that reading picks the key it was written with.

FIELD_ENCRYPTION_OLD_KEYS (comma-separated) are earlier secrets: still read, and still searched (an index
is looked for under every key), until `manage.py rotate_field_key` has re-encrypted and re-indexed every
row and file under the current one; then they can be dropped. Nothing stops while it runs.

A column value is stored as base64 text of: version (1 byte: 1 AES-256-GCM, 2 SM4-GCM) · key id (4) ·
nonce (12) · ciphertext and tag. The associated data is the column's name (table.column), so a value
copied into another column does not decrypt. The empty string stays empty: it holds nothing to hide and
"has no phone" stays a plain query.
"""

import base64
import binascii
import hmac
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.dispatch import receiver

MIN_SECRET_LENGTH = 32
AES_GCM, SM4_GCM = 1, 2
CIPHERS = {"aes": AES_GCM, "sm4": SM4_GCM}
NONCE, TAG, KEY_ID = 12, 16, 4


class DecryptionError(Exception):
    """A value or file that no configured key opens (a wrong or missing key, or altered data)."""


@dataclass(frozen=True)
class Key:
    key_id: bytes
    encryption: bytes  # 32 bytes; SM4 uses the first 16
    blind_index: bytes
    last4: bytes
    cursor: bytes  # seals list cursors (jiedao.pagination): a use of its own, apart from the stored fields


def _derive(secret: str, purpose: bytes, length: int = 32) -> bytes:
    # A fixed salt: the secret is already high-entropy (32+ characters); HKDF here separates the uses.
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"jiedao field encryption",
                info=purpose).derive(secret.encode())


def _key(secret: str) -> Key:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY must be at least {MIN_SECRET_LENGTH} characters.")
    return Key(key_id=_derive(secret, b"key id", KEY_ID), encryption=_derive(secret, b"encryption"),
               blind_index=_derive(secret, b"blind index"), last4=_derive(secret, b"last four"),
               cursor=_derive(secret, b"list cursor"))


@dataclass(frozen=True)
class _Keyring:
    keys: list  # the current key first, then the old ones still being read
    by_id: dict
    version: int


_keyring: _Keyring | None = None


def _ring() -> _Keyring:
    # Derived once per process (an export decrypts 200,000 values: reading the settings each time cost
    # more than the decryption), and afresh when a test changes the settings.
    global _keyring
    if _keyring is None:
        try:
            version = CIPHERS[settings.FIELD_CIPHER]
        except KeyError:
            raise ImproperlyConfigured("FIELD_CIPHER must be aes or sm4.") from None
        keys = [_key(settings.FIELD_ENCRYPTION_KEY), *(_key(s) for s in settings.FIELD_ENCRYPTION_OLD_KEYS)]
        _keyring = _Keyring(keys=keys, by_id={k.key_id: k for k in reversed(keys)}, version=version)
    return _keyring


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    global _keyring
    if setting.startswith("FIELD_"):
        _keyring = None


def current_key() -> Key:
    return _ring().keys[0]


def all_keys() -> list[Key]:
    """The current key first, then the old ones still being read."""
    return _ring().keys


def _key_by_id(key_id: bytes) -> Key:
    try:
        return _ring().by_id[key_id]
    except KeyError:
        raise DecryptionError("no configured key has this key id (is FIELD_ENCRYPTION_OLD_KEYS missing one?)") from None


def cipher_version() -> int:
    return _ring().version


@cache
def _aesgcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def _seal(version: int, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if version == AES_GCM:
        return _aesgcm(key).encrypt(nonce, data, aad)
    # SM4-GCM through the generic Cipher interface (the AEAD classes have no SM4); needs an OpenSSL with
    # SM4, as the wheels of cryptography ship.
    encryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _open(version: int, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    try:
        if version == AES_GCM:
            return _aesgcm(key).decrypt(nonce, data, aad)
        if version == SM4_GCM:
            decryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce, data[-TAG:])).decryptor()
            decryptor.authenticate_additional_data(aad)
            return decryptor.update(data[:-TAG]) + decryptor.finalize()
    except InvalidTag:
        raise DecryptionError("the data was altered, or was written under another key") from None
    raise DecryptionError(f"unknown cipher version {version}")


def encrypt(plain: str, *, aad: str) -> str:
    if plain == "":
        return ""
    key, version, nonce = current_key(), cipher_version(), os.urandom(NONCE)
    return _stored(version, key.key_id, nonce, _seal(version, key.encryption, nonce, plain.encode(), aad.encode()))


def _stored(version: int, key_id: bytes, nonce: bytes, sealed: bytes) -> str:
    """What a column holds (the one layout _split reads back): version, key id, nonce, ciphertext and tag."""
    return base64.b64encode(bytes([version]) + key_id + nonce + sealed).decode("ascii")


def _split(stored: str) -> tuple[int, bytes, bytes, bytes]:
    try:
        raw = binascii.a2b_base64(stored, strict_mode=True)
    except (ValueError, TypeError):
        raise DecryptionError("not an encrypted value") from None
    if len(raw) < 1 + KEY_ID + NONCE + TAG:
        raise DecryptionError("not an encrypted value")
    return raw[0], raw[1:1 + KEY_ID], raw[1 + KEY_ID:1 + KEY_ID + NONCE], raw[1 + KEY_ID + NONCE:]


def encrypter(*, aad: str) -> Callable[[str], str]:
    """encrypt(·, aad=aad) for a stream of values (a bulk load of a million): the key, cipher and associated
    data looked up once, and the nonces read from the OS a thousand at a time (as random as one read each,
    without a system call per value)."""
    key, version = current_key(), cipher_version()
    associated = aad.encode()
    nonces = _nonces()
    seal = _aesgcm(key.encryption).encrypt if version == AES_GCM else (
        lambda nonce, data, aad: _seal(version, key.encryption, nonce, data, aad))

    def encrypt_value(plain: str) -> str:
        if plain == "":
            return ""
        nonce = next(nonces)
        return _stored(version, key.key_id, nonce, seal(nonce, plain.encode(), associated))

    return encrypt_value


def _nonces() -> Iterator[bytes]:
    while True:
        block = os.urandom(NONCE * 1024)
        for start in range(0, len(block), NONCE):
            yield block[start:start + NONCE]


def decrypt(stored: str, *, aad: str) -> str:
    if stored == "":
        return ""
    version, key_id, nonce, sealed = _split(stored)
    return _open(version, _key_by_id(key_id).encryption, nonce, sealed, aad.encode()).decode()


def is_current(stored: str) -> bool:
    """Written under the current key and cipher (what rotate_field_key leaves alone)."""
    if stored == "":
        return True
    version, key_id, _, _ = _split(stored)
    return key_id == current_key().key_id and version == cipher_version()


# --- keyed indexes ----------------------------------------------------------------------------------


def _mac(key: bytes, label: str, value: str) -> str:
    # hmac.digest: OpenSSL's one-shot HMAC, the same value as hmac.new(...).hexdigest() in a third of the time
    # (a bulk load goes through indexer() instead).
    return hmac.digest(key, f"{label}\0{value}".encode(), "sha256").hex()


def indexer(label: str, *, last4: bool = False) -> Callable[[str], str]:
    """blind_index(label, ·) (last4_index with `last4`) under the current key, for a stream of values: the
    HMAC keyed and fed the label once and copied for each value (hmac's copy() keeps the hashed pads), the
    digest _mac gives in about two thirds of its time (1.7 against 2.7 µs here)."""
    key = current_key().last4 if last4 else current_key().blind_index
    keyed = hmac.new(key, f"{label}\0".encode(), "sha256")

    def index(value: str) -> str:
        if not value:
            return ""
        mac = keyed.copy()
        mac.update((value[-4:] if last4 else value).encode())
        return mac.hexdigest()

    return index


def blind_index(label: str, value: str, key: Key | None = None) -> str:
    """The keyed index of a whole value (already normalised); "" for no value. `label` keeps the indexes
    of two kinds of number apart (the same digits as a phone and as an ID number index differently)."""
    return _mac((key or current_key()).blind_index, label, value) if value else ""


def last4_index(label: str, value: str, key: Key | None = None) -> str:
    """The keyed index of a value's last four characters; "" for none."""
    return _mac((key or current_key()).last4, label, value[-4:]) if value else ""


# --- the model field --------------------------------------------------------------------------------


class _EmptyExact(Exact):
    """`phone=""` (has none) still works; any other equality would compare with a random ciphertext."""

    def get_db_prep_lookup(self, value, connection):
        if value != "":
            raise FieldError(f"{self.lhs.target.name} is encrypted: look it up through its keyed index.")
        return super().get_db_prep_lookup(value, connection)


class EncryptedCharField(models.CharField):
    """A CharField stored encrypted (a text column). `max_length` is the clear value's, for forms and
    validation. Only `isnull` and `=""` can be looked up: equality and search go through the keyed indexes
    named here (`blind_index`: the whole value; `last4_index`: its last four), CharFields of the same model
    declared after it, filled on every save (pre_save; set_indexes() for a save with update_fields) and
    re-keyed by rotate_field_key. The caller normalises the value
    first (an ID number's x as X), so that the index of what is typed meets the index of what is stored."""

    encrypted = True

    def __init__(self, *args, blind_index: str = "", last4_index: str = "", **kwargs):
        self.blind_index, self.last4_index = blind_index, last4_index
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index:
            kwargs["blind_index"] = self.blind_index
        if self.last4_index:
            kwargs["last4_index"] = self.last4_index
        return name, path, args, kwargs

    def db_type(self, connection):
        return connection.data_types["TextField"]

    def get_internal_type(self):
        return "TextField"

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def aad(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value, aad=self.aad())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value, aad=self.aad())

    def pre_save(self, model_instance, add):
        # Every save (and bulk_create) fills the index columns from the value, so no writer can forget them;
        # Django reads the fields in order, hence the index fields are declared after this one.
        value = super().pre_save(model_instance, add)
        for name, index in self.index_values(value).items():
            setattr(model_instance, name, index)
        return value

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyExact
        if lookup_name == "isnull":
            return IsNull
        return None  # Django answers FieldError: unsupported lookup

    def index_values(self, value: str, key: Key | None = None) -> dict[str, str]:
        """The companion index columns for `value`, under `key` (the current one by default)."""
        out = {}
        if self.blind_index:
            out[self.blind_index] = blind_index(self.attname, value or "", key)
        if self.last4_index:
            out[self.last4_index] = last4_index(self.attname, value or "", key)
        return out


class EncryptedBinaryField(models.BinaryField):
    """A BinaryField stored sealed (the monthly report pack's workbook, kept in its row)."""

    encrypted = True

    def aad(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt_bytes(bytes(value), aad=self.aad())

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None:
            value = encrypt_bytes(bytes(value), aad=self.aad())
        return super().get_db_prep_value(value, connection, prepared)

    def get_lookup(self, lookup_name):
        return IsNull if lookup_name == "isnull" else None


def encrypt_bytes(plain: bytes, *, aad: str) -> bytes:
    key, version, nonce = current_key(), cipher_version(), os.urandom(NONCE)
    return bytes([version]) + key.key_id + nonce + _seal(version, key.encryption, nonce, plain, aad.encode())


def decrypt_bytes(stored: bytes, *, aad: str) -> bytes:
    version, key_id = stored[0], stored[1:1 + KEY_ID]
    nonce, sealed = stored[1 + KEY_ID:1 + KEY_ID + NONCE], stored[1 + KEY_ID + NONCE:]
    return _open(version, _key_by_id(key_id).encryption, nonce, sealed, aad.encode())


def seal_token(plain: bytes, *, aad: str) -> bytes:
    """Sealed with AES-256-GCM under the cursor key (never the fields' key): what the app hands out in URLs and
    reads back, such as a list's cursor."""
    key, nonce = current_key(), os.urandom(NONCE)
    return key.key_id + nonce + AESGCM(key.cursor).encrypt(nonce, plain, aad.encode())


def open_token(sealed: bytes, *, aad: str) -> bytes:
    """What seal_token sealed; DecryptionError for anything else (cut, altered, another key's or purpose's)."""
    key_id, nonce, data = sealed[:KEY_ID], sealed[KEY_ID:KEY_ID + NONCE], sealed[KEY_ID + NONCE:]
    if len(key_id) < KEY_ID or len(nonce) < NONCE or len(data) < TAG:
        raise DecryptionError("not a sealed token")
    try:
        return AESGCM(_key_by_id(key_id).cursor).decrypt(nonce, data, aad.encode())
    except InvalidTag:
        raise DecryptionError("the token was altered, or sealed under another key") from None


def bytes_are_current(stored: bytes) -> bool:
    return stored[0] == cipher_version() and stored[1:1 + KEY_ID] == current_key().key_id


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]


def set_indexes(instance) -> list[str]:
    """Fill the keyed index columns of `instance` from its encrypted fields; returns their names (for
    update_fields). Services call it wherever they set such a field."""
    names = []
    for field in encrypted_fields(type(instance)):
        if isinstance(field, EncryptedCharField):
            for name, value in field.index_values(getattr(instance, field.attname)).items():
                setattr(instance, name, value)
                names.append(name)
    return names


def matches(model, field_name: str, value: str) -> models.Q:
    """Rows whose `field_name` is `value` (whole, normalised), under any key still read."""
    field = model._meta.get_field(field_name)
    if not value:
        return models.Q(**{field_name: ""})
    return models.Q(**{f"{field.blind_index}__in": [blind_index(field.attname, value, k) for k in all_keys()]})


def matches_last4(model, field_name: str, last4: str) -> models.Q:
    """Rows whose `field_name` ends with these four characters, under any key still read."""
    field = model._meta.get_field(field_name)
    return models.Q(**{f"{field.last4_index}__in": [last4_index(field.attname, last4, k) for k in all_keys()]})


# --- files ------------------------------------------------------------------------------------------

# A file is sealed in chunks of 64 KiB, each its own AES-GCM (or SM4-GCM) message, so that writing and
# reading take constant memory whatever the size. The nonce of a chunk is a random prefix (7 bytes) · its
# number (4) · 1 for the last chunk else 0 (1), and every chunk authenticates the header: chunks cannot be
# reordered, dropped, cut off at the end or moved to another file (the "STREAM" construction of Hoang,
# Reyhanitabar, Rogaway and Vizár, 2015).
FILE_MAGIC = b"JDE1"
CHUNK = 64 * 1024
_PREFIX = 7
HEADER = len(FILE_MAGIC) + 1 + KEY_ID + _PREFIX


def _chunk_nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_stream(source, target) -> None:
    """Read `source` (a binary file object) and write it sealed to `target`, under the current key."""
    key, version, prefix = current_key(), cipher_version(), os.urandom(_PREFIX)
    header = FILE_MAGIC + bytes([version]) + key.key_id + prefix
    target.write(header)
    number, chunk = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if len(chunk) == CHUNK else b""
        last = not following
        target.write(_seal(version, key.encryption, _chunk_nonce(prefix, number, last), chunk, header))
        if last:
            return
        number, chunk = number + 1, following


def is_sealed(head: bytes) -> bool:
    return head.startswith(FILE_MAGIC)


class DecryptingReader(io.RawIOBase):
    """A read-only file object over a sealed file: one chunk decrypted at a time (constant memory), and
    seekable, since a chunk's place follows from its number (FileResponse seeks to the end for the size)."""

    def __init__(self, raw):
        self._raw = raw
        header = raw.read(HEADER)
        if len(header) != HEADER or not is_sealed(header):
            raise DecryptionError("not an encrypted file")
        self._header, self._version = header, header[len(FILE_MAGIC)]
        self._key = _key_by_id(header[len(FILE_MAGIC) + 1:len(FILE_MAGIC) + 1 + KEY_ID]).encryption
        self._prefix = header[-_PREFIX:]
        sealed_size = raw.seek(0, io.SEEK_END)
        self._size = plain_size(sealed_size)
        if self._size < 0:
            raise DecryptionError("the file was cut short")
        self._last = max(1, -(-(sealed_size - HEADER) // (CHUNK + TAG))) - 1
        self._pos, self._loaded, self._plain = 0, -1, b""

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _load(self, number: int) -> None:
        self._raw.seek(HEADER + number * (CHUNK + TAG))
        sealed = self._raw.read(CHUNK + TAG)
        nonce = _chunk_nonce(self._prefix, number, number == self._last)
        self._plain, self._loaded = _open(self._version, self._key, nonce, sealed, self._header), number

    def readinto(self, buffer) -> int:
        if self._pos >= self._size:
            if self._loaded != self._last:  # the end is read only once its chunk is authenticated: not cut
                self._load(self._last)
            return 0
        number = min(self._pos // CHUNK, self._last)
        if number != self._loaded:
            self._load(number)
        offset = self._pos - number * CHUNK
        n = min(len(buffer), len(self._plain) - offset)
        buffer[:n] = self._plain[offset:offset + n]
        self._pos += n
        return n

    def close(self):
        self._raw.close()
        super().close()


def plain_size(sealed_size: int) -> int:
    body = sealed_size - HEADER
    chunks = max(1, -(-body // (CHUNK + TAG)))
    return body - TAG * chunks


class EncryptedStorageMixin:
    """Put before any Django storage (FileSystemStorage here; django-storages' S3Storage alike, as
    `class EncryptedS3Storage(EncryptedStorageMixin, S3Storage)`): what is saved is sealed first (in a
    spooled temporary file: memory up to 8 MB, then disk, never the clear text on disk), what is opened
    reads clear. A file stored before encryption (no header) is still read as it is, until
    `manage.py rotate_field_key` seals it."""

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as sealed:
            encrypt_stream(content, sealed)
            sealed.seek(0)
            return super()._save(name, File(sealed, name=name))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written through save(), not opened for writing")
        raw = super()._open(name, "rb")
        head = raw.read(len(FILE_MAGIC))
        raw.seek(0)
        if not is_sealed(head):
            return raw  # stored before encryption: rotate_field_key seals it
        return File(io.BufferedReader(DecryptingReader(raw), buffer_size=CHUNK), name=name)

    def size(self, name):
        sealed = super().size(name)
        with super()._open(name, "rb") as raw:
            return plain_size(sealed) if is_sealed(raw.read(len(FILE_MAGIC))) else sealed

    def needs_reseal(self, name) -> bool:
        """Stored in clear, or under another key or cipher than the current."""
        with super()._open(name, "rb") as raw:
            header = raw.read(HEADER)
        return not (is_sealed(header) and header[len(FILE_MAGIC)] == cipher_version()
                    and header[len(FILE_MAGIC) + 1:len(FILE_MAGIC) + 1 + KEY_ID] == current_key().key_id)

    def reseal(self, name) -> bool:
        """Seal `name` again under the current key (or for the first time); False when it already is.
        The new file replaces the old only once complete, so an interrupted run loses nothing."""
        if not self.needs_reseal(name):
            return False
        with self.open(name) as clear, tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as sealed:
            encrypt_stream(clear, sealed)
            sealed.seek(0)
            self._replace(name, sealed)
        return True

    # The file as it is stored, sealed: what a backup carries and a restore puts back, never opened in clear.
    def sealed_open(self, name):
        return super()._open(name, "rb")

    def sealed_size(self, name) -> int:
        return super().size(name)

    def sealed_save(self, name, content) -> str:
        """Put back a file already sealed (a restore) under exactly `name`, replacing one that is there."""
        if self.exists(name):
            self.delete(name)
        return super()._save(name, content)

    def _replace(self, name, sealed) -> None:
        try:
            path = self.path(name)
        except NotImplementedError:
            # Object storage (S3): the upload of a whole object replaces it all or nothing already.
            super()._save(name, File(sealed, name=name))
            return
        # Write beside, then swap: the file is never half-written under its own name.
        temporary = f"{path}.sealing"
        with open(temporary, "wb") as out:
            while block := sealed.read(CHUNK):
                out.write(block)
        os.replace(temporary, path)


class EncryptedFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    """STORAGES["default"] on one host: case scans, wish photos, export files and import ledgers under MEDIA_ROOT,
    sealed. On several hosts, jiedao.s3storage.EncryptedS3Storage (settings: STORAGE_S3_BUCKET)."""


# --- migrations -------------------------------------------------------------------------------------
# A data migration sees the column as plain text (its historical field is a TextField before it becomes an
# EncryptedCharField), so these read and write the stored text as it is, in batches by primary key. Empty
# values stay empty (and their indexes "").

BATCH = 1000


def _batches(model, field: str, using: str):
    last = None
    while True:
        rows = model.objects.using(using).exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}).order_by("pk")
        rows = rows.filter(pk__gt=last) if last is not None else rows
        batch = list(rows.values_list("pk", field)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def _checks_now(using: str) -> None:
    # On PostgreSQL the rows' foreign-key checks would otherwise wait for the end of the migration's
    # transaction, and its next ALTER TABLE refuses to run with them pending.
    from django.db import connections

    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _write(model, field: str, rows: list[tuple], using: str) -> None:
    # One UPDATE by primary key per row (executemany): bulk_update's CASE over a batch costs the square of
    # its size, and made the migration of 100,000 residents take minutes on SQLite.
    from django.db import connections

    connection = connections[using]
    columns = [field, *rows[0][1]]
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(model._meta.db_table)} SET {', '.join(f'{qn(c)} = %s' for c in columns)} "
           f"WHERE {qn(model._meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(value, *indexes.values(), pk) for pk, indexes, value in rows])


def encrypt_column(model, field: str, *, using: str, indexes: dict[str, str] | None = None,
                   normalize=None) -> None:
    """Encrypt `field` of every row in place; `indexes` maps an index column to "whole" or "last4" (filled
    from the clear value, after `normalize`). `using` is the migration's own connection (the owner's, where
    the runtime role is another: the runtime connection would wait on the migration's locks)."""
    _checks_now(using)
    aad = f"{model._meta.db_table}.{model._meta.get_field(field).column}"
    for batch in _batches(model, field, using):
        rows = []
        for pk, value in batch:
            value = normalize(value) if normalize and value else (value or "")
            values = {column: (blind_index if kind == "whole" else last4_index)(field, value)
                      for column, kind in (indexes or {}).items()}
            rows.append((pk, values, encrypt(value, aad=aad)))
        _write(model, field, rows, using)


def decrypt_column(model, field: str, *, using: str) -> None:
    """The reverse: the clear value back in the column (the key is needed, as for reading)."""
    _checks_now(using)
    aad = f"{model._meta.db_table}.{model._meta.get_field(field).column}"
    for batch in _batches(model, field, using):
        _write(model, field, [(pk, {}, decrypt(value or "", aad=aad)) for pk, value in batch], using)


# --- key rotation -----------------------------------------------------------------------------------


@dataclass
class Rotated:
    label: str
    changed: int = 0
    current: int = 0


def _raw(field) -> models.Func:
    # The stored text or bytes as they are (a Cast has its own output field, so nothing decrypts it).
    return models.functions.Cast(field.attname, output_field=models.BinaryField()
                                 if isinstance(field, models.BinaryField) else models.TextField())


def _stale(field, raw) -> bool:
    if raw is None:
        return False
    return not (bytes_are_current(bytes(raw)) if isinstance(field, models.BinaryField) else is_current(raw))


def rotate_rows(model, *, batch: int = BATCH, check: bool = False) -> Rotated:
    """Re-encrypt (and re-index) the rows of `model` not yet under the current key and cipher, a batch at a
    time, each batch locked and written in one short transaction: the portal keeps running meanwhile (it
    reads both keys). With `check`, only count them."""
    from django.db import transaction

    fields = encrypted_fields(model)
    result = Rotated(label=model._meta.label)
    raw = {f"raw_{f.attname}": _raw(f) for f in fields}
    indexes = [name for f in fields if isinstance(f, EncryptedCharField) for name in f.index_values("")]
    last = 0
    while True:
        with transaction.atomic():
            rows = list(model._base_manager.select_for_update().filter(pk__gt=last).order_by("pk")
                        .annotate(**raw)[:batch])
            if not rows:
                return result
            last = rows[-1].pk
            stale = [r for r in rows if any(_stale(f, getattr(r, f"raw_{f.attname}")) for f in fields)]
            result.changed += len(stale)
            result.current += len(rows) - len(stale)
            if stale and not check:
                for row in stale:
                    set_indexes(row)
                model._base_manager.bulk_update(stale, [f.attname for f in fields] + indexes)


def rotate_files(model, *, check: bool = False) -> Rotated:
    """Seal again, under the current key, every stored file of `model` on an encrypted storage (and seal those
    stored before encryption)."""
    result = Rotated(label=f"{model._meta.label} 文件")
    for field in model._meta.concrete_fields:
        if not (isinstance(field, models.FileField) and isinstance(field.storage, EncryptedStorageMixin)):
            continue
        names = model._base_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True)
        for name in names.iterator():
            if not field.storage.exists(name):
                continue  # deleted meanwhile (an export purged)
            if check:
                stale = field.storage.needs_reseal(name)
            else:
                stale = field.storage.reseal(name)
            result.changed += stale
            result.current += not stale
    return result


def rotate_all(*, batch: int = BATCH, check: bool = False) -> list[Rotated]:
    """Every model's encrypted columns and files (Django's app registry lists the models)."""
    from django.apps import apps

    done = []
    for model in apps.get_models():
        if encrypted_fields(model):
            done.append(rotate_rows(model, batch=batch, check=check))
        if any(isinstance(f, models.FileField) for f in model._meta.concrete_fields):
            done.append(rotate_files(model, check=check))
    return done
