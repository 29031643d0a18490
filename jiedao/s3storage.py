"""Stored files on S3-compatible object storage (MinIO, a cloud's OSS), for a deployment on several hosts: a
worker on one host writes an export or a ledger's rejected rows, a web process on another serves it.

A module of its own so that boto3 is imported only where STORAGE_S3_BUCKET chooses these (jiedao.settings).
"""

from storages.backends.s3 import S3Storage

from .crypto import EncryptedStorageMixin


class EncryptedS3Storage(EncryptedStorageMixin, S3Storage):
    """STORAGES["default"] on object storage: the same sealing as on disk (jiedao.crypto), so the bucket's
    operator sees only ciphertext. Names are made unique as on disk (file_overwrite off): two scans called
    scan.pdf in one month are two objects, not one replacing the other."""

    file_overwrite = False
    default_acl = "private"
