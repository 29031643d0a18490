"""The audit archives' and the backups' storages on one host: a directory named by a setting (AUDIT_ARCHIVE_DIR,
BACKUP_DIR) and read when used, as FileSystemStorage reads MEDIA_ROOT, so that a test or a command that changes
the setting is obeyed. On several hosts both are S3 storages instead (jiedao.settings, STORAGE_S3_BUCKET)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class SettingDirectoryStorage(FileSystemStorage):
    setting = ""

    @property
    def base_location(self):
        return str(getattr(settings, self.setting))

    @property
    def location(self):
        return os.path.abspath(self.base_location)


class AuditArchiveStorage(SettingDirectoryStorage):
    """A month archived again (an entry committed late) replaces its file under the same name."""

    setting = "AUDIT_ARCHIVE_DIR"

    def __init__(self, **kwargs):
        super().__init__(**{"allow_overwrite": True, **kwargs})


class BackupStorage(SettingDirectoryStorage):
    """Backups are readable by their owner only."""

    setting = "BACKUP_DIR"

    @property
    def file_permissions_mode(self):
        return 0o600

    @property
    def directory_permissions_mode(self):
        return 0o700
