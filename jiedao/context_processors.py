from .scope import REGISTRY_READERS, can_manage_places, can_write_registry, is_auditor, reads_reports


def access(request):
    """What the navigation may offer; the views check again, links are only a convenience."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    from visits.models import Notification
    from visits.services import can_record_visits

    registry = user.role in REGISTRY_READERS
    return {"access": {
        "registry": registry,
        "write": can_write_registry(user),
        "manage": can_manage_places(user),
        "audit": is_auditor(user),
        "visits": can_record_visits(user),
        "checkin": user.role == "point_operator",
        "reports": reads_reports(user),
        # One small indexed count per page: the red number on 提醒.
        "unread": Notification.objects.visible_to(user).unread().count() if registry else 0,
    }}
