"""Access scope: the one place that decides which places a user may see and what a role may do.

Every queryset's visible_to(user) builds its filter here, so pages, API, exports and tasks agree.
Outside the scope an object answers 404 (it is filtered out); a write the role may not make, 403.
"""

from django.db.models import Q

from .roles import Role

# Matches nothing: roles with no business in the registry (auditors, point operators) get this.
NOTHING = Q(pk__in=[])

REGISTRY_READERS = {
    Role.DISTRICT_OFFICER,
    Role.SUBDISTRICT_ADMIN,
    Role.SUBDISTRICT_LEADER,
    Role.COMMUNITY_STAFF,
    Role.GRID_WORKER,
}
REGISTRY_WRITERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}
PLACE_MANAGERS = {Role.SUBDISTRICT_ADMIN}


def _has_role(user, roles) -> bool:
    """Signed in and holding one of `roles`: the one test every role predicate below makes."""
    return bool(user and user.is_authenticated and user.role in roles)


def places_filter(user, *, subdistrict: str, community: str | None, grid: str | None) -> Q:
    """The Q that keeps a user's places, given the lookup paths from the model to each level.

    `community` or `grid` is None for models that sit above that level (a Community has no grid):
    a community staff member sees their communities, a grid worker their grids and the
    communities those grids belong to.
    """
    if not (user and user.is_authenticated and user.is_active) or user.role not in REGISTRY_READERS:
        return NOTHING
    if user.role == Role.DISTRICT_OFFICER:
        return Q()
    if not user.subdistrict_id:
        return NOTHING
    own = Q(**{subdistrict: user.subdistrict_id})
    if user.role in (Role.SUBDISTRICT_ADMIN, Role.SUBDISTRICT_LEADER):
        return own
    if user.role == Role.COMMUNITY_STAFF:
        if community is None:
            return own  # Subdistrict level: their sub-district's name is no secret.
        return own & Q(**{f"{community}__in": community_ids(user)})
    # Grid worker.
    if grid is not None:
        return own & Q(**{f"{grid}__in": grid_ids(user)})
    if community is not None:
        return own & Q(**{f"{community}__in": grid_community_ids(user)})
    return own


def community_ids(user) -> list[int]:
    if not hasattr(user, "_scope_community_ids"):
        user._scope_community_ids = _ids(user, "communities")
    return user._scope_community_ids


def grid_ids(user) -> list[int]:
    if not hasattr(user, "_scope_grid_ids"):
        user._scope_grid_ids = _ids(user, "grids")
    return user._scope_grid_ids


def _ids(user, relation: str) -> list[int]:
    # Accounts loaded with prefetch_related(relation) answer from it, without a query each.
    if relation in getattr(user, "_prefetched_objects_cache", {}):
        return [place.pk for place in getattr(user, relation).all()]
    return list(getattr(user, relation).values_list("id", flat=True))


def covers(user, *, subdistrict_id: int, community_id: int, grid_id: int) -> bool:
    """places_filter for one place already loaded (a resident's grid, community and sub-district): is it
    in the user's scope? For jobs that check many rows against a few accounts without a query each."""
    if not (user and user.is_active) or user.role not in REGISTRY_READERS:
        return False
    if user.role == Role.DISTRICT_OFFICER:
        return True
    if user.subdistrict_id != subdistrict_id:
        return False
    if user.role == Role.COMMUNITY_STAFF:
        return community_id in community_ids(user)
    if user.role == Role.GRID_WORKER:
        return grid_id in grid_ids(user)
    return True


def grid_community_ids(user) -> list[int]:
    if not hasattr(user, "_scope_grid_community_ids"):
        user._scope_grid_community_ids = list(
            user.grids.values_list("community_id", flat=True).distinct())
    return user._scope_grid_community_ids


def can_write_registry(user) -> bool:
    """May create and edit residents and households (inside the scope their queryset gives)."""
    return _has_role(user, REGISTRY_WRITERS)


def sees_full_numbers(user) -> bool:
    """Full ID number and phone on a detail, for a role that may write there. The object came from
    visible_to(user), so "there" already holds; lists and exports always mask."""
    return can_write_registry(user)


def can_manage_places(user) -> bool:
    """May manage users, communities and grids of their sub-district."""
    return _has_role(user, PLACE_MANAGERS) and bool(user.subdistrict_id)


def manages_accounts(user) -> bool:
    """May reset an account's second factor and see and revoke its API tokens (the security admin's work).
    A stand-in until the security-admin role exists: the sub-district admin, who manages accounts today."""
    return can_manage_places(user)


def is_auditor(user) -> bool:
    return _has_role(user, {Role.AUDITOR}) and bool(user.subdistrict_id)


# Who reads the dashboard and the monthly report packs (DESIGN.md: leaders, admins, the district bureau).
REPORT_READERS = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_ADMIN, Role.SUBDISTRICT_LEADER}


def reads_reports(user) -> bool:
    return _has_role(user, REPORT_READERS)


def builds_reports(user) -> bool:
    """May build a month's report pack by hand (the scheduled run and the command need no account)."""
    return _has_role(user, {Role.SUBDISTRICT_ADMIN}) and bool(user.subdistrict_id)


# Who records home visits and follows hazards up, and who edits a resident's care plan.
VISIT_RECORDERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}
PLAN_EDITORS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}


def can_record_visits(user) -> bool:
    return _has_role(user, VISIT_RECORDERS)


def can_edit_plans(user) -> bool:
    return _has_role(user, PLAN_EDITORS)


def reads_registry(user) -> bool:
    """May read residents, households and the service records about them (in their scope)."""
    return _has_role(user, REGISTRY_READERS)


def is_point_operator(user) -> bool:
    """Works one service point's counter: sees that point and the diners it serves, nothing of the registry."""
    return _has_role(user, {Role.POINT_OPERATOR})


def is_district_officer(user) -> bool:
    return _has_role(user, {Role.DISTRICT_OFFICER})


def works_in_places(user) -> bool:
    """Works in a few communities or grids of their own (staff, grid workers), not a whole sub-district."""
    return _has_role(user, {Role.COMMUNITY_STAFF, Role.GRID_WORKER})


# Elderly care: who checks diners in at a counter, who enrols residents in care services (meal delivery,
# home-care beds, day care), and who writes a line in a service's log.
MEAL_CHECKERS = {Role.POINT_OPERATOR, Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}
CARE_ENROLLERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}
CARE_LOGGERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.POINT_OPERATOR}


def checks_in_meals(user) -> bool:
    return _has_role(user, MEAL_CHECKERS)


def enrols_care(user) -> bool:
    return _has_role(user, CARE_ENROLLERS)


def logs_care(user) -> bool:
    return _has_role(user, CARE_LOGGERS)


def reads_service_records(user) -> bool:
    """Meals and service points: everyone at work in the portal but the auditor (who reads the log only);
    each sees them within their own scope (a point operator: their point)."""
    return _has_role(user, set(Role) - {Role.AUDITOR})


# 三权分立: the sub-district admin holds no keys to the auditor's account or the deployment operator's.
ADMIN_KEEPS_OUT = {Role.AUDITOR}


def admin_may_change(account) -> bool:
    """May the sub-district admin change this account (its role, places, password)?"""
    return not account.is_superuser and account.role not in ADMIN_KEEPS_OUT


# Relief: who opens a case for a resident of their scope (the steps after are assistance/workflow.py's
# path), and who attaches its scans.
CASE_OPENERS = {Role.GRID_WORKER, Role.COMMUNITY_STAFF}
CASE_DOCUMENT_ADDERS = CASE_OPENERS | {Role.SUBDISTRICT_ADMIN}


def can_open_cases(user) -> bool:
    return _has_role(user, CASE_OPENERS)


def can_add_case_documents(user) -> bool:
    return _has_role(user, CASE_DOCUMENT_ADDERS)
