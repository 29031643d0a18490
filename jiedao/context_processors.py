from .menu import menu_for
from .models import Notification
from .scope import (
    can_manage_places,
    can_record_visits,
    can_write_registry,
    is_team_leader,
    keeps_volunteers,
    reads_registry,
    reads_reports,
)


def access(request):
    """What the navigation may offer; the views check again, links are only a convenience."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    # One small indexed count per page: the red number on 提醒 (for everyone: lockouts are told to the
    # security administrators there).
    unread = Notification.objects.visible_to(user).unread().count()
    return {"access": {
        "registry": reads_registry(user),
        "write": can_write_registry(user),
        "manage": can_manage_places(user),
        "visits": can_record_visits(user),
        "reports": reads_reports(user),
        "volunteer_keeper": keeps_volunteers(user),
        "team_leader": is_team_leader(user),
        "menu": menu_for(user, badges={"inbox": unread}),
    }}
