"""System checks on the audit log's settings: every management command (migrate, audit_prune, …) and the
development server run them, so a deployment that asks for less than the law keeps never starts its jobs."""

from django.conf import settings
from django.core.checks import Error, register

# 网络安全法 §21: network logs kept no less than six months.
AUDIT_KEEP_DAYS_FLOOR = 180


@register()
def audit_settings(app_configs, **kwargs):
    errors = []
    if settings.AUDIT_KEEP_DAYS < AUDIT_KEEP_DAYS_FLOOR:
        errors.append(Error(
            f"AUDIT_KEEP_DAYS={settings.AUDIT_KEEP_DAYS}：审计日志至少保留 {AUDIT_KEEP_DAYS_FLOOR} 天。",
            hint=f"设为 {AUDIT_KEEP_DAYS_FLOOR} 或更大。", id="jiedao.E101"))
    if settings.AUDIT_HASH not in {"sha256", "sm3"}:
        errors.append(Error(f"AUDIT_HASH={settings.AUDIT_HASH!r}：只能是 sha256 或 sm3。", id="jiedao.E102"))
    return errors


def require_audit_settings() -> None:
    """The web server (wsgi.py), which runs no system checks, refuses to start on them too."""
    from django.core.exceptions import ImproperlyConfigured

    errors = audit_settings(None)
    if errors:
        raise ImproperlyConfigured(" ".join(error.msg for error in errors))
