from .models import Notification
from .scope import (
    can_manage_places,
    can_record_visits,
    can_write_registry,
    is_auditor,
    is_point_operator,
    manages_accounts,
    reads_registry,
    reads_reports,
)


def access(request):
    """What the navigation may offer; the views check again, links are only a convenience."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    registry = reads_registry(user)
    return {"access": {
        "registry": registry,
        "write": can_write_registry(user),
        "manage": can_manage_places(user),
        "accounts": manages_accounts(user),
        "audit": is_auditor(user),
        "visits": can_record_visits(user),
        "checkin": is_point_operator(user),
        "reports": reads_reports(user),
        # One small indexed count per page: the red number on 提醒.
        "unread": Notification.objects.visible_to(user).unread().count() if registry else 0,
    }}
