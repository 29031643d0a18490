from .scope import REGISTRY_READERS, can_manage_places, can_write_registry, is_auditor


def access(request):
    """What the navigation may offer; the views check again, links are only a convenience."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"access": {
        "registry": user.role in REGISTRY_READERS,
        "write": can_write_registry(user),
        "manage": can_manage_places(user),
        "audit": is_auditor(user),
    }}
