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

    The filter is on the row's own columns wherever it can be (community_id IN (…), grid_id IN (…)), never
    a join to the places when the row names its community: a join made PostgreSQL read the whole table to
    count a sub-district's residents (116 ms at a million), where the row's own community_id is counted
    from an index (issue 17). The ids of staff's and grid workers' places are read in one small query and
    kept on the account for the request; a sub-district's communities are a subquery of ~20 rows.
    """
    if not (user and user.is_authenticated and user.is_active) or user.role not in REGISTRY_READERS:
        return NOTHING
    if user.role == Role.DISTRICT_OFFICER:
        return Q()
    if not user.subdistrict_id:
        return NOTHING
    own = Q(**{subdistrict: user.subdistrict_id})
    if user.role in (Role.SUBDISTRICT_ADMIN, Role.SUBDISTRICT_LEADER):
        if community is not None and subdistrict == f"{community.removesuffix('_id')}__subdistrict_id":
            # The sub-district is reached through the row's community (a join): name the communities.
            return Q(**{f"{community}__in": subdistrict_community_ids(user)})
        return own
    if user.role == Role.COMMUNITY_STAFF:
        if community is None:
            return own  # Subdistrict level: their sub-district's name is no secret.
        # community_ids holds only communities of their own sub-district: that is the sub-district check.
        return Q(**{f"{community}__in": community_ids(user)})
    # Grid worker (grid_ids and grid_community_ids are of their own sub-district, as above).
    if grid is not None:
        return Q(**{f"{grid}__in": grid_ids(user)})
    if community is not None:
        return Q(**{f"{community}__in": grid_community_ids(user)})
    return own


def subdistrict_community_ids(user):
    """The ids of the communities of the user's sub-district, as a subquery (no query of its own: the
    lists keep their query counts). Reached through the account's relations: jiedao imports no app."""
    subdistrict_model = user._meta.get_field("subdistrict").related_model
    community_model = subdistrict_model._meta.get_field("communities").related_model
    return community_model._base_manager.filter(subdistrict_id=user.subdistrict_id).values("id")


def community_ids(user) -> list[int]:
    """The user's own communities that lie in their sub-district (an account moved to another one keeps
    nothing of the old one's)."""
    if not hasattr(user, "_scope_community_ids"):
        user._scope_community_ids = _ids(user, "communities", "subdistrict_id")
    return user._scope_community_ids


def grid_ids(user) -> list[int]:
    if not hasattr(user, "_scope_grid_ids"):
        user._scope_grid_ids = _ids(user, "grids", "community__subdistrict_id")
    return user._scope_grid_ids


def _ids(user, relation: str, subdistrict: str) -> list[int]:
    # Accounts loaded with prefetch_related(relation) answer from it, without a query each.
    if relation in getattr(user, "_prefetched_objects_cache", {}):
        places = getattr(user, relation).all()
        if relation == "grids":
            return [g.pk for g in places if g.community.subdistrict_id == user.subdistrict_id]
        return [c.pk for c in places if c.subdistrict_id == user.subdistrict_id]
    return list(getattr(user, relation).filter(**{subdistrict: user.subdistrict_id}).values_list("id", flat=True))


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
        user._scope_grid_community_ids = list(user.grids.filter(community__subdistrict_id=user.subdistrict_id)
                                              .values_list("community_id", flat=True).distinct())
    return user._scope_grid_community_ids


def can_write_registry(user) -> bool:
    """May create and edit residents and households (inside the scope their queryset gives)."""
    return _has_role(user, REGISTRY_WRITERS)


def sees_full_numbers(user) -> bool:
    """Full ID number and phone on a detail, for a role that may write there. The object came from
    visible_to(user), so "there" already holds; lists and exports always mask."""
    return can_write_registry(user)


def can_manage_places(user) -> bool:
    """The system administrator (三员's 系统管理员): communities, grids, service points and settings of their
    sub-district, beside its business data. Accounts are the security admin's (manages_accounts)."""
    return _has_role(user, PLACE_MANAGERS) and bool(user.subdistrict_id)


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
    """Meals and service points: everyone at work in the portal but the auditor (who reads the log only)
    and the security admin (who keeps the accounts only), and the team leader (whose business is their team's);
    each sees them within their own scope (a point operator: their point)."""
    return _has_role(user, set(Role) - NO_BUSINESS - {Role.TEAM_LEADER})


# 三员 (the three separated administrators of 等保): the system administrator (the sub-district admin:
# places, settings and the business data), the security administrator (accounts, roles, scopes, unlocks,
# password resets; no business data) and the auditor (the log, the other two's actions in it; nothing else).
# Each is a role and an account holds one role, so no account holds two of them at once; and an account
# that is one of them is never turned into another (crosses_administrators), so that no one audits or
# grants what they did under another of the three.
THREE_ADMINISTRATORS = {Role.SUBDISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
# Roles that see no business data anywhere (no resident, record, place list or figure): the querysets give
# them nothing (places_filter) and no business page or endpoint answers them.
NO_BUSINESS = {Role.AUDITOR, Role.SECURITY_ADMIN}
ACCOUNT_MANAGERS = {Role.SECURITY_ADMIN}
# What a security admin hands out: a sub-district's, that sub-district's roles (the auditor's too: the
# security admin alone keeps the auditor's keys); the district's (no sub-district), the roles above the
# sub-districts: district officers and the sub-districts' security admins. Never its own role to itself.
SUBDISTRICT_ROLES = [Role.SUBDISTRICT_ADMIN, Role.SUBDISTRICT_LEADER, Role.COMMUNITY_STAFF, Role.GRID_WORKER,
                     Role.POINT_OPERATOR, Role.AUDITOR, Role.TEAM_LEADER]
DISTRICT_ROLES = [Role.DISTRICT_OFFICER, Role.SECURITY_ADMIN]


def manages_accounts(user) -> bool:
    """The security admin (安全管理员): of a sub-district, its accounts; of the district (no sub-district),
    the district officers and the sub-districts' security admins. No business data (keeps_accounts_only)."""
    return _has_role(user, ACCOUNT_MANAGERS) and user.is_active


def manages_district_accounts(user) -> bool:
    """The district-level security admin (no sub-district of its own)."""
    return manages_accounts(user) and not user.subdistrict_id


def keeps_accounts_only(user) -> bool:
    """The security admin: every business page and endpoint refuses it (403), not only with an empty list."""
    return _has_role(user, ACCOUNT_MANAGERS)


def assignable_roles(actor) -> list[Role]:
    """The roles `actor` may give an account (none to an account that is not theirs to manage)."""
    if not manages_accounts(actor):
        return []
    return SUBDISTRICT_ROLES if actor.subdistrict_id else DISTRICT_ROLES


def accounts_filter(actor) -> Q:
    """The accounts a security admin sees on the account pages (any other answers 404): a sub-district's,
    its own sub-district's; the district's, those of no sub-district and every security admin. Never
    Django's superusers: the deployment's operator is no one's to change."""
    if not manages_accounts(actor):
        return NOTHING
    if actor.subdistrict_id:
        seen = Q(subdistrict_id=actor.subdistrict_id)
    else:
        seen = Q(subdistrict__isnull=True) | Q(role=Role.SECURITY_ADMIN)
    return seen & Q(is_superuser=False)


def may_change_account(actor, account) -> bool:
    """May `actor` change this account it sees (role, places, activation, password, unlock)? Not its own
    (a security admin gives itself no role, place or activation: another one does), and only one whose
    role it hands out where it hands it out (a sub-district's security admin does not manage its peers)."""
    if not manages_accounts(actor) or account.is_superuser or account.pk == actor.pk:
        return False
    if account.role not in assignable_roles(actor):
        return False
    if actor.subdistrict_id:
        return account.subdistrict_id == actor.subdistrict_id
    # The district's: district officers have no sub-district; a security admin always has one.
    return bool(account.subdistrict_id) == (account.role == Role.SECURITY_ADMIN)


def crosses_administrators(before: str, after: str) -> bool:
    """Would this role change turn one of the three administrators into another (an admin into the auditor
    who reads the admin's past actions)? Such an account is replaced by a new one, never converted."""
    return before != after and before in THREE_ADMINISTRATORS and after in THREE_ADMINISTRATORS


# Relief: who opens a case for a resident of their scope (the steps after are assistance/workflow.py's
# path), and who attaches its scans.
CASE_OPENERS = {Role.GRID_WORKER, Role.COMMUNITY_STAFF}
CASE_DOCUMENT_ADDERS = CASE_OPENERS | {Role.SUBDISTRICT_ADMIN}


def can_open_cases(user) -> bool:
    return _has_role(user, CASE_OPENERS)


def can_add_case_documents(user) -> bool:
    return _has_role(user, CASE_DOCUMENT_ADDERS)


# 微心愿: who collects a wish for a resident of their scope (the steps after are assistance/workflow.py's
# WISH_PATH), as relief applications are opened.
WISH_COLLECTORS = CASE_OPENERS


def can_collect_wishes(user) -> bool:
    return _has_role(user, WISH_COLLECTORS)


# Nutrition packs (child services): who puts a child in difficulty on a pack plan, and who brings the packs
# and records each round (a plan's responsible worker is one of them; the staff confirm for a worker too).
NUTRITION_PLANNERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}
NUTRITION_DELIVERERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}


def plans_nutrition(user) -> bool:
    return _has_role(user, NUTRITION_PLANNERS)


def delivers_nutrition(user) -> bool:
    return _has_role(user, NUTRITION_DELIVERERS)
# Volunteers (volunteers/): who reads the volunteers, teams, activities and orders (the registry's readers, in
# their places, and a team leader, of their own teams only: places_filter gives a team leader nothing of the
# registry); who keeps the volunteers and teams, takes an order for a resident, dispatches it (the centre,
# 街道志愿服务中心: the sub-district admin), and runs the national system's full-number export.
VOLUNTEER_READERS = REGISTRY_READERS | {Role.TEAM_LEADER}
VOLUNTEER_KEEPERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}
ORDER_TAKERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}
ATTENDANCE_TAKERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.TEAM_LEADER}


def is_team_leader(user) -> bool:
    return _has_role(user, {Role.TEAM_LEADER}) and bool(user.subdistrict_id)


def reads_volunteers(user) -> bool:
    return _has_role(user, VOLUNTEER_READERS)


def keeps_volunteers(user) -> bool:
    """May register and edit volunteers, teams, memberships and activities (in their places)."""
    return _has_role(user, VOLUNTEER_KEEPERS)


def takes_orders(user) -> bool:
    """May take a service order (点单) on a resident's behalf: staff or a grid worker, for a resident of theirs."""
    return _has_role(user, ORDER_TAKERS)


def takes_attendance(user) -> bool:
    """May sign volunteers up and check them in and out of an activity (staff, or the team's own leader)."""
    return _has_role(user, ATTENDANCE_TAKERS)


def exports_volunteer_hours(user) -> bool:
    """The national volunteer system's upload carries full ID numbers: the sub-district admin's alone."""
    return _has_role(user, {Role.SUBDISTRICT_ADMIN}) and bool(user.subdistrict_id)
# Child services: who sets programmes up and enrols children on behalf of parents (staff, the sub-district
# admin), and who takes a session's attendance (they and the point's own operator, at a 亲子小屋's door).
# The operator sees the names of its own programmes' children and nothing more of them (PIPL: minors).
PROGRAMME_MANAGERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}
CHILD_ATTENDANCE_TAKERS = PROGRAMME_MANAGERS | {Role.POINT_OPERATOR}


def manages_programmes(user) -> bool:
    return _has_role(user, PROGRAMME_MANAGERS)


def takes_child_attendance(user) -> bool:
    return _has_role(user, CHILD_ATTENDANCE_TAKERS)


def sees_child_details(user) -> bool:
    """A child's masked ID number, age and guardian on programme lists: the registry's readers (whose scope
    holds the child's programme); a point operator sees names only."""
    return reads_registry(user)
