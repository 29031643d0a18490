"""The family of bad values, sent to every list, form and endpoint: nothing answers 500.

A list (page or API) gets each value in each of its parameters: it answers 200 with the error shown, or 400
with a Chinese message. A form or write endpoint gets each value in each field of a submission that is
otherwise accepted (so that a value the field lets through reaches the service): it answers without a 500,
and a refused submission leaves every table as it was. A NUL byte is refused (400) wherever it is sent.
`test_every_route_is_in_one_table` keeps the tables complete: a new page or endpoint fails it until it is
listed here.

Each value goes first into every parameter (or field) at once: those that refuse it say so by name (the
API's 400, a page's field in error), and the value then goes alone into each of the others, where it
reaches the query or the service. One sub-district is built once for the module and each test runs in a
savepoint of it (as Django's setUpTestData does); each request runs in a savepoint of its own and forgets
its cookies, so one accepted submission does not change what the next one meets. About 3,800 requests.
"""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

import django.test.client
import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from assistance.choices import CaseKind, CaseState
from assistance.services import wish_collect
from child_services.models import NutritionDelivery
from child_services.services import plan_create
from elderly_care.models import PriceRule
from elderly_care.services import default_pricing_ensure
from jiedao.dates import month_end
from jiedao.exports import XLSX
from jiedao.imports import import_run_create
from jiedao.models import AuditEntry, Role
from jiedao.services import api_token_issue
from residents import id_numbers
from residents.imports import RESIDENTS
from tests.assistance.factories import CaseFactory, DisbursementFactory
from tests.child_services.factories import EnrolmentFactory, HutFactory, ProgrammeFactory, SessionFactory, child_in
from tests.elderly_care.factories import CareEnrolmentFactory, MealFactory
from tests.factories import (
    CommunityFactory,
    ExportJobFactory,
    GridFactory,
    HouseholdFactory,
    NotificationFactory,
    ResidentFactory,
    ServicePointFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.otp import code as otp_code
from tests.reports.factories import MonthlyReportFactory
from tests.residents.import_books import book, number, upload
from tests.scans import pdf
from visits import services as visits
from visits.models import Hazard, VisitRule
from volunteers import services as volunteer_services
from volunteers.models import Activity, HoursEntry, ServiceKind, SignUp, Team, TeamMembership, Volunteer

# The 5,000 characters are digits: int() refuses more than 4,300 of them, where letters meet a length check.
FAMILY = {
    "superscript-2": "²", "fullwidth-3": "３", "arabic-indic-3": "٣", "nul": "\x00",
    "year-9999": "9999-12-31", "year-1": "0001-01-01", "2**63": str(2**63), "10**30": str(10**30),
    "negative": "-1", "5000-digits": "9" * 5000,
}
# A JSON body can say the big numbers as numbers, too.
JSON_FAMILY = {**FAMILY, "int-2**63": 2**63, "int-10**30": 10**30, "int-negative": -1}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- one sub-district, built once ----------------------------------------------------------------------

def _world():
    heping = SubdistrictFactory(name="和平里街道")
    east = CommunityFactory(subdistrict=heping, name="东园社区")
    east1, east2 = GridFactory(community=east, name="东一网格"), GridFactory(community=east, name="东二网格")
    canteen = ServicePointFactory(community=east, name="东园老年食堂")
    default_pricing_ensure(subdistrict=heping)
    visits.default_rules_ensure(subdistrict=heping)
    people = SimpleNamespace(
        admin=UserFactory(username="admin", role=Role.SUBDISTRICT_ADMIN, subdistrict=heping),
        leader=UserFactory(username="leader", role=Role.SUBDISTRICT_LEADER, subdistrict=heping),
        auditor=UserFactory(username="auditor", role=Role.AUDITOR, subdistrict=heping),
        security=UserFactory(username="security", role=Role.SECURITY_ADMIN, subdistrict=heping),
        staff_east=UserFactory(username="staff_east", role=Role.COMMUNITY_STAFF, subdistrict=heping,
                               communities=[east]),
        gridder=UserFactory(username="gridder", role=Role.GRID_WORKER, subdistrict=heping, grids=[east1]),
        operator=UserFactory(username="operator", role=Role.POINT_OPERATOR, subdistrict=heping,
                             service_point=canteen),
    )
    # 刘队长 leads 幸福来敲门 of 东园 (members: 刘队长, 陈小红): the team leader's persona and the volunteers' lists.
    people.team_leader = UserFactory(username="team_leader", role=Role.TEAM_LEADER, subdistrict=heping)
    liu = _volunteer(heping, east, "刘队长", 1, account=people.team_leader)
    team = Team.objects.create(subdistrict=heping, community=east, name="幸福来敲门", leader=liu)
    xiaohong = _volunteer(heping, east, "陈小红", 2)
    for member in (liu, xiaohong):
        TeamMembership.objects.create(team=team, volunteer=member, joined_on=date(2026, 1, 5))
    newcomer = _volunteer(heping, east, "马新人", 3)
    home = HouseholdFactory(grid=east1)
    zhang = ResidentFactory(name="张春露", grid=east1, household=home, birth=date(1941, 5, 2), female=True,
                            tags=["living_alone"], care_tier="key")
    li = ResidentFactory(name="李秀英", grid=east2, birth=date(1958, 8, 9), female=True, tags=["dibao"])
    visit = visits.visit_record(actor=people.gridder, resident=zhang, method="home",
                                hazards=[{"kind": "gas", "description": "燃气软管老化"}])
    case = CaseFactory(resident=li, created_by=people.staff_east)
    child = ResidentFactory(name="刘小明", grid=east1, birth=date(2018, 3, 1), tags=["child_in_difficulty"])
    wish = wish_collect(actor=people.gridder, resident=child, data={"wish": "一套水彩笔", "value": Decimal("60")})
    orphan = ResidentFactory(name="钱小兵", grid=east1, birth=date(2016, 5, 1), tags=["orphan"])
    nplan = plan_create(actor=people.staff_east, child=child, worker=people.gridder, starts_on=date(2026, 9, 1))
    ndelivery = NutritionDelivery.objects.create(plan=nplan, due_on=timezone.localdate() - timedelta(days=1),
                                                 contents=nplan.contents, value=nplan.value)
    paid = DisbursementFactory(case__resident=li, case__created_by=people.staff_east, by=people.admin)
    # A 低保 case approved and not yet paid this month: where a payment with its period is recorded.
    monthly = CaseFactory(resident=li, created_by=people.staff_east, kind=CaseKind.DIBAO, state=CaseState.APPROVED,
                          requested_amount=Decimal("1200.00"))
    cleaning = ServiceKind.objects.create(subdistrict=heping, name="上门保洁")
    orders = [volunteer_services.order_create(actor=people.gridder, resident=zhang, service=cleaning,
                                              wanted_at=timezone.now() + timedelta(days=1)) for _ in range(3)]
    for order in orders[1:]:
        volunteer_services.order_transition(actor=people.admin, order=order, to="dispatched", team=team,
                                            deadline=timezone.now() + timedelta(days=3))
    volunteer_services.order_transition(actor=people.team_leader, order=orders[2], to="accepted")
    volunteer_services.order_transition(actor=people.team_leader, order=orders[2], to="done", note="已打扫",
                                        hours=[{"volunteer": liu, "hours": "1.5"}])
    _, rating_token = volunteer_services.rating_link_issue(actor=people.staff_east, order=orders[2])
    # This morning's clean-up, over: 陈小红 signed up (to be checked in and out), 刘队长 not yet.
    start = timezone.now() - timedelta(hours=3)
    activity = Activity.objects.create(team=team, name="楼道清扫", place="和平里一区", starts_at=start,
                                       ends_at=start + timedelta(hours=2), capacity=10)
    SignUp.objects.create(activity=activity, volunteer=xiaohong)
    pairing = volunteer_services.pairing_create(actor=people.staff_east, resident=zhang, volunteer=xiaohong,
                                                rhythm="weekly")
    enrolment = CareEnrolmentFactory(resident=zhang, point=canteen)
    MealFactory(point=canteen, resident=zhang, operator=people.operator)
    # 东园's 亲子小屋: a class with one child enrolled, a session held yesterday, and a child still to enrol.
    hut = HutFactory(community=east, name="东园向日葵亲子小屋")
    programme = ProgrammeFactory(point=hut, name="亲子早教班", capacity=5)
    child_enrolment = EnrolmentFactory(programme=programme, child=child_in(east1, name="小雨"))
    session = SessionFactory(programme=programme)
    # 王丽's ledger of 东园, read and waiting to be confirmed.
    import_run = import_run_create(user=people.staff_east, import_list=RESIDENTS,
                                   params={"community": east.pk, "grid": east1.pk}, upload=_ledger())
    return SimpleNamespace(
        import_run=import_run,
        **vars(people), liu=liu, xiaohong=xiaohong, newcomer=newcomer, team=team, cleaning=cleaning,
        new_order=orders[0], open_order=orders[1], done_order=orders[2], rating_token=rating_token,
        activity=activity, liu_hours=HoursEntry.objects.get(volunteer=liu), pairing=pairing,
        heping=heping, east=east, east1=east1, east2=east2, canteen=canteen, home=home,
        hut=hut, programme=programme, child_enrolment=child_enrolment, session=session,
        little_newcomer=child_in(east1, name="小宝"),
        zhang=zhang, li=li, visit=visit, hazard=Hazard.objects.get(visit=visit), case=case, paid_case=paid.case,
        payment=paid, monthly=monthly, child=child, wish=wish, orphan=orphan, nplan=nplan, ndelivery=ndelivery,
        enrolment=enrolment, rule=VisitRule.objects.filter(subdistrict=heping).first(),
        price_rule_pk=PriceRule.objects.filter(subdistrict=heping).order_by("pk").first().pk,
        report=MonthlyReportFactory(subdistrict=heping),
        notification=NotificationFactory(resident=zhang, recipient=people.gridder),
        job=ExportJobFactory(user=people.staff_east),
        token=api_token_issue(user=people.staff_east)[1],
    )


def _ledger():
    return upload(book([["孙大爷", number(1, female=False), "13900000001", "和平里二区", "5", "1", "101", "是", "本人",
                         "", "", ""]]))


def _volunteer(heping, community, name, n, **extra):
    return Volunteer.objects.create(subdistrict=heping, community=community, name=name, phone=f"1370000000{n}",
                                    id_number=id_numbers.make("110108", date(1980, 6, 1), 2 * n, female=False),
                                    **extra)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Sessions in a signed cookie: no session row is written by each of thousands of requests, and a client
    # logged in once stays logged in across the module's tests. No worker runs here, even with REDIS_URL set:
    # a ledger is read inside the request that uploads it.
    with django_db_blocker.unblock(), override_settings(
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies", CELERY_TASK_ALWAYS_EAGER=True):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                built = _world()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def clients(world):
    """A browser per persona, logged in once ("" for nobody). Refusals are read from the page itself, so
    response.context is not kept."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(django.test.client, "store_rendered_templates", lambda *args, **kwargs: None)
        # Thousands of 400s and 404s are what this module expects: only a 500 is worth a log line.
        patch.setattr(logging.getLogger("django.request"), "level", logging.ERROR)
        made = {}

        def client(persona) -> Client:
            if persona not in made:
                made[persona] = Client(raise_request_exception=False)
                if persona:
                    made[persona].force_login(getattr(world, persona))
            return made[persona]

        yield client


@pytest.fixture
def as_(clients, db):
    return clients


def _isolated(client, request):
    """Run `request()` (a call of `client`) and undo it: its writes roll back, its cookies (a session, a
    login, a message) are forgotten, so the next request meets the world as it was."""
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies[name] = value
    return response


@cache
def _tables() -> list[str]:
    skip = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog",
            "authtoken_token"}
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed} - skip)


@cache
def _count_sql() -> str:
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in _tables())


def _counts() -> tuple:
    """Every table's row count, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        return tuple(cursor.fetchone())


def _changed(before, after) -> list[str]:
    return [t for t, b, a in zip(_tables(), before, after, strict=True) if a != b]


def _has_chinese(response) -> bool:
    return bool(CHINESE.search(response.content.decode(errors="replace")))


# --- the lists: every page and endpoint that reads a query string --------------------------------------

@dataclass(frozen=True)
class Listing:
    name: str  # the route's name: the test's id
    path: str | Callable  # or a function of the world
    persona: str
    params: tuple = ()  # read by the view itself, beyond its FilterSet's
    paged: bool = True
    together: bool = False  # the view reads each of `params` whatever the others say: one request for all

    def url(self, world) -> str:
        return self.path(world) if callable(self.path) else self.path


def _filters(path: str) -> list[str]:
    """The FilterSet parameters of the view at `path` (a page's, its export list's, or an endpoint's)."""
    match = resolve(path)
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    initkwargs = getattr(match.func, "initkwargs", {}) or {}
    filterset = initkwargs["filterset_class"] if "filterset_class" in initkwargs else getattr(
        view, "filterset_class", None)
    if filterset is None and getattr(view, "export_list", None) is not None and "filterset_class" not in initkwargs:
        filterset = view.export_list.filterset
    return list(filterset.base_filters) if filterset else []


def _exportable(path: str) -> bool:
    match = resolve(path)
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    return getattr(view, "export_list", None) is not None and "filterset_class" not in (
        getattr(match.func, "initkwargs", {}) or {})


LISTINGS = [
    # pages
    Listing("home", "/", "staff_east", paged=False),
    Listing("dashboard", "/dashboard/", "admin", ("month",), paged=False),
    Listing("reports", "/reports/", "admin"),
    Listing("residents:resident_list", "/residents/", "staff_east"),
    Listing("residents:resident_create", "/residents/new/", "staff_east", ("household",), paged=False),
    Listing("residents:household_list", "/residents/households/", "staff_east"),
    Listing("residents:points", "/residents/points/", "admin"),
    Listing("audit_log", "/audit/", "auditor"),
    Listing("export_jobs", "/exports/", "staff_east", paged=False),
    Listing("inbox", "/inbox/", "gridder"),
    Listing("visits:day", "/visits/today/", "gridder", paged=False),
    Listing("visits:record", lambda w: f"/visits/new/{w.zhang.pk}/", "gridder", ("method",), paged=False),
    Listing("visits:list", "/visits/", "staff_east"),
    Listing("visits:overview", "/visits/overview/", "staff_east", ("month",), paged=False),
    Listing("visits:hazards", "/visits/hazards/", "staff_east"),
    Listing("visits:rules", "/visits/rules/", "admin", paged=False),
    Listing("care:checkin", "/care/checkin/", "staff_east", ("point", "q", "id_number", "resident", "meal"),
            paged=False),
    Listing("care:pricing", "/care/pricing/", "admin", paged=False),
    Listing("care:stats", "/care/stats/", "admin", ("month",), paged=False),
    Listing("care:meal_list", "/care/meals/", "staff_east"),
    Listing("care:deliveries", "/care/deliveries/", "staff_east", ("point", "date"), paged=False),
    Listing("care:enrolments", "/care/enrolments/", "staff_east", paged=False),
    Listing("care:enrolment_create", "/care/enrolments/new/", "staff_east", ("kind", "resident"), paged=False),
    Listing("assistance:case_list", "/assistance/", "staff_east"),
    Listing("children:programme_list", "/children/programmes/", "staff_east"),
    Listing("children:programme_create", "/children/programmes/new/", "staff_east", paged=False),
    Listing("children:programme_detail", lambda w: f"/children/programmes/{w.programme.pk}/", "staff_east",
            paged=False),
    Listing("children:programme_update", lambda w: f"/children/programmes/{w.programme.pk}/edit/", "staff_east",
            paged=False),
    Listing("children:enrol", lambda w: f"/children/programmes/{w.programme.pk}/enrol/", "staff_east", paged=False),
    Listing("children:enrolment_list", "/children/enrolments/", "staff_east"),
    Listing("children:attendance", lambda w: f"/children/sessions/{w.session.pk}/", "staff_east", paged=False),
    Listing("children:absences", "/children/absences/", "staff_east", paged=False),
    Listing("children:public", lambda w: f"/children/public/{w.programme.pk}/", "", paged=False),
    Listing("assistance:disbursement_list", "/assistance/disbursements/", "admin"),
    Listing("assistance:settings", "/assistance/settings/", "admin", paged=False),
    Listing("assistance:wish_list", "/assistance/wishes/", "staff_east"),
    # Without signing in (rate-limited: past 30 a minute a value meets a 429, which is no 500 either).
    Listing("assistance:wish_public", "/assistance/wishes/public/", ""),
    Listing("children:plan_list", "/children/nutrition/plans/", "staff_east"),
    Listing("children:plan_create", "/children/nutrition/plans/new/", "staff_east", paged=False),
    Listing("children:delivery_list", "/children/nutrition/deliveries/", "staff_east"),
    Listing("volunteers:volunteer_list", "/volunteers/", "staff_east"),
    Listing("volunteers:volunteer_create", "/volunteers/new/", "staff_east", paged=False),
    Listing("volunteers:volunteer_update", lambda w: f"/volunteers/{w.xiaohong.pk}/edit/", "staff_east", paged=False),
    Listing("volunteers:team_list", "/volunteers/teams/", "staff_east"),
    Listing("volunteers:team_create", "/volunteers/teams/new/", "staff_east", paged=False),
    Listing("volunteers:team_update", lambda w: f"/volunteers/teams/{w.team.pk}/edit/", "staff_east", paged=False),
    Listing("volunteers:order_list", "/volunteers/orders/", "staff_east"),
    Listing("volunteers:order_create", lambda w: f"/volunteers/orders/new/{w.zhang.pk}/", "gridder", paged=False),
    Listing("volunteers:leader", "/volunteers/leader/", "team_leader", paged=False),
    Listing("volunteers:service_kinds", "/volunteers/services/", "admin", paged=False),
    Listing("volunteer_rate", lambda w: f"/r/{w.rating_token}/", "", paged=False),
    Listing("volunteers:activity_list", "/volunteers/activities/", "staff_east"),
    Listing("volunteers:activity_create", "/volunteers/activities/new/", "staff_east", paged=False),
    Listing("volunteers:hours", lambda w: f"/volunteers/{w.liu.pk}/hours/", "staff_east", paged=False),
    Listing("volunteers:pairing_list", "/volunteers/pairings/", "staff_east"),
    Listing("residents:import_list", "/residents/imports/", "staff_east"),
    Listing("residents:import_upload", "/residents/imports/new/", "staff_east", paged=False),
    Listing("residents:import_run", lambda w: f"/residents/imports/{w.import_run.pk}/", "staff_east",
            params=("outcome",)),
    Listing("residents:import_mapping", lambda w: f"/residents/imports/{w.import_run.pk}/mapping/", "staff_east",
            paged=False),
    Listing("residents:import_status", lambda w: f"/residents/imports/{w.import_run.pk}/status/", "staff_east",
            paged=False),
    Listing("import-run-list", "/api/v1/imports/", "staff_east"),
    Listing("import-run-rows", lambda w: f"/api/v1/imports/{w.import_run.pk}/rows/", "staff_east",
            params=("outcome",)),
    Listing("volunteers:pairing_create", lambda w: f"/volunteers/pairings/new/{w.li.pk}/", "staff_east", paged=False),
    Listing("volunteers:pairing_visit", lambda w: f"/volunteers/pairings/{w.pairing.pk}/visit/", "gridder",
            paged=False),
    Listing("volunteers:pairing_end", lambda w: f"/volunteers/pairings/{w.pairing.pk}/end/", "staff_east",
            paged=False),
    Listing("volunteers:national_export", "/volunteers/national/", "admin", paged=False),
    Listing("manage:users", "/manage/users/", "security"),
    Listing("manage:communities", "/manage/communities/", "admin"),
    Listing("manage:grids", "/manage/grids/", "admin"),
    # endpoints
    Listing("api-root", "/api/v1/", "staff_east", paged=False),
    Listing("api_schema", "/api/v1/schema/", "staff_east", ("lang", "version"), paged=False, together=True),
    Listing("api_docs", "/api/v1/docs/", "staff_east", paged=False),
    Listing("api_me", "/api/v1/me/", "staff_east", paged=False),
    Listing("api_dashboard", "/api/v1/dashboard/", "admin", ("month",), paged=False),
    Listing("community-list", "/api/v1/communities/", "admin"),
    Listing("grid-list", "/api/v1/grids/", "admin"),
    Listing("household-list", "/api/v1/households/", "staff_east"),
    Listing("resident-list", "/api/v1/residents/", "staff_east"),
    Listing("audit-list", "/api/v1/audit/", "auditor"),
    Listing("export-job-list", "/api/v1/exports/", "staff_east"),
    Listing("notification-list", "/api/v1/notifications/", "gridder", ("unread",)),
    Listing("report-list", "/api/v1/reports/", "admin"),
    Listing("case-list", "/api/v1/cases/", "staff_east"),
    Listing("case-disbursements", lambda w: f"/api/v1/cases/{w.paid_case.pk}/disbursements/", "admin"),
    Listing("disbursement-list", "/api/v1/disbursements/", "admin"),
    Listing("wish-list", "/api/v1/wishes/", "staff_east"),
    Listing("wish-public", "/api/v1/wishes/public/", ""),
    Listing("nutrition-plan-list", "/api/v1/nutrition-plans/", "staff_east"),
    Listing("nutrition-delivery-list", "/api/v1/nutrition-deliveries/", "staff_east"),
    Listing("service-point-list", "/api/v1/service-points/", "admin"),
    Listing("meal-list", "/api/v1/meals/", "staff_east"),
    Listing("meal-stats", "/api/v1/meals/stats/", "admin", ("month",), paged=False),
    Listing("visit-list", "/api/v1/visits/", "staff_east"),
    Listing("visit-due", "/api/v1/visits/due/", "gridder"),
    Listing("hazard-list", "/api/v1/hazards/", "staff_east"),
    Listing("volunteer-list", "/api/v1/volunteers/", "staff_east"),
    Listing("team-list", "/api/v1/teams/", "staff_east"),
    Listing("service-kind-list", "/api/v1/service-kinds/", "admin"),
    Listing("service-order-list", "/api/v1/service-orders/", "staff_east"),
    Listing("activity-list", "/api/v1/activities/", "staff_east"),
    Listing("pairing-list", "/api/v1/pairings/", "staff_east"),
    Listing("volunteer-hours", lambda w: f"/api/v1/volunteers/{w.liu.pk}/hours/", "staff_east", paged=False),
    Listing("programme-list", "/api/v1/programmes/", "staff_east"),
    Listing("programme-sessions", lambda w: f"/api/v1/programmes/{w.programme.pk}/sessions/", "staff_east"),
    Listing("enrolment-list", "/api/v1/enrolments/", "staff_east"),
    Listing("attendance-list", "/api/v1/attendance/", "staff_east", ("session",)),
]


def _params(listing: Listing, world) -> list[str]:
    return [*_filters(listing.url(world)), *listing.params, *(("page", "page_size") if listing.paged else ())]


def _check(response, what: str) -> str | None:
    """What is wrong with the answer to a bad value, if anything."""
    if response.status_code >= 500:
        return f"{what} → {response.status_code}"
    if response.status_code == 400 and not _has_chinese(response):
        return f"{what} → 400 without a Chinese message: {response.content[:200]!r}"
    return None


FIELD_ERROR = re.compile(r'<div class="field has-error[^"]*">\s*<label for="id_([\w-]+)"')


def _refused_by_name(response) -> set[str]:
    """The parameters or fields an answer names as refused: an API's 400, or a page's fields in error."""
    if response.get("Content-Type", "").startswith("application/json"):
        if response.status_code != 400:
            return set()
        body = response.json()
        return set(body) - {"detail", "non_field_errors"} if isinstance(body, dict) else set()
    return set(FIELD_ERROR.findall(response.content.decode(errors="replace")))


def _one_by_one(send, names, value):
    """(what was sent, the answer) for `value` in every name at once, then alone in each name that answer
    did not refuse by name: a value a field refuses is refused with the others (the page shows each error),
    a value it lets through reaches the query or the service alone."""
    everything = send(dict.fromkeys(names, value))
    yield "all", everything
    refused = _refused_by_name(everything) if len(names) > 1 else set(names)
    for name in names:
        if name not in refused:
            yield name, send({name: value})


@pytest.mark.parametrize("value", FAMILY.values(), ids=FAMILY.keys())
@pytest.mark.parametrize("listing", LISTINGS, ids=[item.name for item in LISTINGS])
def test_every_list_answers_each_bad_value_in_each_parameter_without_a_500(world, as_, listing, value):
    client, url = as_(listing.persona), listing.url(world)

    def send(params):
        return _isolated(client, lambda: client.get(url, params))

    problems = []
    filters, others = _filters(url), [p for p in _params(listing, world) if p not in _filters(url)]
    others = [name for name in others if name not in ("page", "page_size")]
    groups = ([filters] if filters else []) + ([others] if listing.together and others else [[n] for n in others])
    for names in groups:
        sends = [("&".join(names), send(dict.fromkeys(names, value)))] if names is others else _one_by_one(
            send, names, value)
        for name, response in sends:
            what = f"GET {url}?{name}={value[:20]!r}"
            problems.append(_check(response, what))
            if value == "\x00" and response.status_code != 400:
                problems.append(f"{what}: a NUL byte was not refused ({response.status_code})")
    if listing.paged:
        # A page reads both whatever the other says (a size it cannot use is its default): one request. The
        # API refuses a bad page_size before it reads the page: one each.
        # A cursor (keyset pages past the first ones, jiedao.pagination) is read on its own: one request.
        pagings = [{"page": value}, {"page_size": value}] if url.startswith("/api/") else [
            {"page": value, "page_size": value}]
        pagings.append({"cursor": value})
        for params in pagings:
            response = send(params)
            problems.append(_check(response, f"GET {url}?{'&'.join(params)}={value[:20]!r}"))
    assert not [p for p in problems if p], "\n".join(p for p in problems if p)


@pytest.mark.parametrize("listing", LISTINGS, ids=[item.name for item in LISTINGS])
def test_each_list_is_read_by_its_persona(world, as_, listing):
    # Else the family above would only ever meet a 403 or a redirect to the login page.
    client = as_(listing.persona)
    assert _isolated(client, lambda: client.get(listing.url(world))).status_code == 200


EXPORTS = [item for item in LISTINGS if item.paged and not callable(item.path) and _exportable(item.path)]


@pytest.mark.parametrize("value", FAMILY.values(), ids=FAMILY.keys())
@pytest.mark.parametrize("listing", EXPORTS, ids=[item.name for item in EXPORTS])
def test_every_export_is_either_audited_or_refused_whatever_its_filters(world, as_, listing, value):
    client, url = as_(listing.persona), listing.url(world)
    problems = []

    def send(params):
        def export():
            before = AuditEntry.objects.filter(action="export").count()
            response = client.get(url, {"format": "xlsx", **params})
            response.exported = AuditEntry.objects.filter(action="export").count() - before
            return response

        return _isolated(client, export)

    # `note`: a parameter no filter reads, yet kept in the export's audit entry. A page's export runs the API's
    # after the same FilterSet: there, the value goes in every filter at once only.
    filters = _filters(url)
    for names in (filters, ["note"]):
        sends = _one_by_one(send, names, value) if url.startswith("/api/") else [
            (" ".join(names), send(dict.fromkeys(names, value)))]
        for name, response in sends:
            what = f"GET {url}?format=xlsx&{name}={value[:20]!r}"
            problem = _check(response, what)
            if problem is None and response.status_code == 200 and response.get("Content-Type") == XLSX:
                problem = None if response.exported == 1 else f"{what}: exported, not audited"
            elif problem is None and response.status_code < 400 and not response.get("Location", "").startswith(
                    "/exports/") and response.status_code != 202:
                problem = f"{what}: neither exported nor refused ({response.status_code})"
            problems.append(problem)
    assert not [p for p in problems if p], "\n".join(p for p in problems if p)


# --- the forms and the write endpoints ----------------------------------------------------------------

def _new_id_number(n=7) -> str:
    return id_numbers.make("110105", date(1950, 3, 1), 900 + 2 * n, female=False)


@dataclass(frozen=True)
class Submission:
    name: str
    path: Callable  # of the world
    persona: str
    data: Callable  # of the world: a submission that is accepted as it is
    json: bool = False
    method: str = "post"
    files: Callable | None = None
    refusal_writes: tuple = ()  # tables a refusal writes too: a failed login is logged

    def url(self, world) -> str:
        return self.path(world)


def _resident(w):
    return {"name": "马大爷", "id_number": _new_id_number(), "phone": "13912340000", "residence_type": "registered",
            "grid": w.east1.pk, "household": "", "relation_to_head": "", "estate": "和平里一区", "building": "3",
            "unit": "2", "room": "502", "care_tier": "none", "care_dependency": "", "disability_type": "",
            "disability_grade": "", "tags": ["empty_nest"], "notes": "新迁入"}


def _resident_edit(w):
    return {**_resident(w), "name": "张春露", "id_number": w.zhang.id_number, "household": w.home.pk}


def _point(w):
    return {"kind": "canteen", "name": "西园老年食堂", "community": w.east.pk, "address": "和平里二区",
            "opening_hours": "11:00–13:00", "capacity": "40", "contact_name": "刘姐", "contact_phone": "13900001111",
            "rooms": "餐厅", "active": "on"}


def _enrolment(w):
    return {"resident": w.li.pk, "kind": "day_care", "point": w.canteen.pk, "provider": "", "since": "2026-01-05",
            "ended_on": "", "notes": "白天托管"}


def _user(w):
    return {"username": "grid9", "first_name": "新网格", "role": "grid_worker", "phone": "13900002222",
            "grids": [w.east2.pk], "communities": [], "service_point": "", "is_active": "on",
            "password": "Grid-worker-2026"}


def _visit(w):
    return {"method": "phone", "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "ok": "on",
            "health": "良好", "living": "整洁", "needs": "", "notes": "电话问候", "next_action": "",
            "hazard_kind": "fire", "hazard_description": "插线板过载"}


def _session_times():
    at = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=2)
    return {"starts_at": at, "ends_at": at + timedelta(hours=1)}


def _session(w):
    return {k: v.isoformat() for k, v in _session_times().items()}


def _programme(w):
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {"name": "暑期阅读公益班", "kind": "holiday_class", "point": w.hut.pk, "age_min_months": 72,
            "age_max_months": 144, "starts_on": now.date().isoformat(),
            "ends_on": (now.date() + timedelta(days=40)).isoformat(), "capacity": 30,
            "enrol_opens_at": now.isoformat(), "enrol_closes_at": (now + timedelta(days=7)).isoformat(),
            "fee": "0.00", "description": "阅读与手工"}


def _programme_form(w):
    data = _programme(w)
    for key in ("enrol_opens_at", "enrol_closes_at"):
        data[key] = data[key][:16]
    return data


def _api_resident(w):
    return {"name": "马大爷", "id_number": _new_id_number(), "grid": w.east1.pk, "phone": "13912340000",
            "residence_type": "registered", "estate": "和平里一区", "building": "3", "unit": "2", "room": "502",
            "care_tier": "none", "tags": ["empty_nest"], "notes": "新迁入", "household": w.home.pk,
            "relation_to_head": "spouse", "care_dependency": "", "disability_type": "", "disability_grade": None}


SUBMISSIONS = [
    # pages
    Submission("login", lambda w: "/accounts/login/", "", lambda w: {"username": "staff_east",
                                                                     "password": "Str0ng-pass-2026"},
               refusal_writes=("jiedao_auditentry",)),
    Submission("password_change", lambda w: "/accounts/password/", "gridder", lambda w: {
        "old_password": "Str0ng-pass-2026", "new_password1": "Another-pass-2027",
        "new_password2": "Another-pass-2027"}),
    Submission("residents:resident_create", lambda w: "/residents/new/", "staff_east", _resident),
    Submission("residents:resident_update", lambda w: f"/residents/{w.zhang.pk}/edit/", "staff_east", _resident_edit),
    Submission("residents:resident_archive", lambda w: f"/residents/{w.zhang.pk}/archive/", "staff_east",
               lambda w: {"status": "moved_out", "on": "2026-01-05", "reason": "迁往外地"}),
    Submission("residents:household_create", lambda w: "/residents/households/new/", "staff_east", lambda w: {
        "grid": w.east1.pk, "number": "H-9", "estate": "和平里一区", "building": "5", "unit": "1", "room": "101"}),
    Submission("residents:household_update", lambda w: f"/residents/households/{w.home.pk}/edit/", "staff_east",
               lambda w: {"grid": w.east1.pk, "number": "H-1", "estate": "和平里一区", "building": "3", "unit": "2",
                          "room": "501"}),
    Submission("residents:point_create", lambda w: "/residents/points/new/", "admin", _point),
    Submission("residents:point_update", lambda w: f"/residents/points/{w.canteen.pk}/", "admin",
               lambda w: {**_point(w), "name": "东园老年食堂"}),
    Submission("visits:record", lambda w: f"/visits/new/{w.zhang.pk}/", "gridder", _visit),
    Submission("visits:curtain", lambda w: f"/visits/curtain/{w.zhang.pk}/", "gridder", lambda w: {"ok": "1"}),
    Submission("visits:hazard_transition", lambda w: f"/visits/hazards/{w.hazard.pk}/in_hand/", "gridder",
               lambda w: {}),
    Submission("visits:plan", lambda w: f"/visits/plan/{w.zhang.pk}/", "staff_east", lambda w: {
        "responsible": w.gridder.pk, "curtain_pact": "on", "curtain_deadline": "08:30"}),
    Submission("visits:rules", lambda w: "/visits/rules/", "admin", lambda w: {
        "care_tier": "general", "method": "other", "frequency": "every_n_days", "every_n_days": "10",
        "escalate_after_days": "3"}),
    Submission("visits:rule_update", lambda w: f"/visits/rules/{w.rule.pk}/", "admin", lambda w: {
        "care_tier": w.rule.care_tier, "method": w.rule.method, "frequency": "every_n_days", "every_n_days": "2",
        "escalate_after_days": "5"}),
    Submission("visits:rule_delete", lambda w: f"/visits/rules/{w.rule.pk}/delete/", "admin", lambda w: {}),
    Submission("care:checkin", lambda w: "/care/checkin/", "operator", lambda w: {
        "id_number": w.li.id_number, "resident": "", "meal": "dinner"}),
    Submission("care:pricing", lambda w: "/care/pricing/", "admin", lambda w: {
        "label": "九十岁以上", "min_age": "90", "tag": "", "pays_percent": "20"}),
    Submission("care:pricing (prices)", lambda w: "/care/pricing/", "admin", lambda w: {
        "prices": "1", "breakfast": "5.00", "lunch": "15.00", "dinner": "12.00"}),
    Submission("care:pricing_rule", lambda w: f"/care/pricing/{w.price_rule_pk}/", "admin", lambda w: {
        "label": "80 岁以上", "min_age": "80", "tag": "", "pays_percent": "30"}),
    Submission("care:deliveries", lambda w: "/care/deliveries/", "staff_east", lambda w: {
        "enrolment": w.enrolment.pk, "date": timezone.localdate().isoformat(), "status": "missed",
        "reason": "住院"}),
    Submission("care:enrolment_create", lambda w: "/care/enrolments/new/", "staff_east", _enrolment),
    Submission("care:enrolment_update", lambda w: f"/care/enrolments/{w.enrolment.pk}/", "staff_east", lambda w: {
        "resident": w.zhang.pk, "kind": "meal_delivery", "point": w.canteen.pk, "provider": "",
        "since": w.enrolment.since.isoformat(), "ended_on": "", "notes": "改为每日"}),
    Submission("care:service_log_add", lambda w: f"/care/enrolments/{w.enrolment.pk}/log/", "staff_east",
               lambda w: {"notes": "送餐到家"}),
    Submission("assistance:case_create", lambda w: f"/assistance/new/{w.zhang.pk}/", "staff_east", lambda w: {
        "kind": "temporary", "reason": "突发疾病", "requested_amount": "800.00", "requested_service": "",
        "household_size": "1", "monthly_income": "600.00"}),
    Submission("assistance:case_transition", lambda w: f"/assistance/{w.case.pk}/transition/", "staff_east",
               lambda w: {"to": "community_reviewed", "comment": "材料齐全"}),
    Submission("assistance:document_upload", lambda w: f"/assistance/{w.case.pk}/documents/", "staff_east",
               lambda w: {"doc_type": "income"},
               files=lambda: {"file": SimpleUploadedFile("scan.pdf", pdf(),
                                                         content_type="application/pdf")}),
    Submission("assistance:settings", lambda w: "/assistance/settings/", "admin", lambda w: {
        "dibao_threshold": "1400.00", "publicity_days": "7", "review_months": "6", "kinds": ["dibao", "temporary"]}),
    Submission("assistance:wish_create", lambda w: f"/assistance/wishes/new/{w.child.pk}/", "gridder", lambda w: {
        "wish": "一个新书包", "value": "120.00", "story": "上二年级了"}),
    Submission("assistance:wish_transition", lambda w: f"/assistance/wishes/{w.wish.pk}/transition/", "staff_east",
               lambda w: {"to": "reviewed", "comment": "家访核实"}),
    Submission("children:plan_create", lambda w: "/children/nutrition/plans/new/", "staff_east", lambda w: {
        "child": w.orphan.pk, "days": "1,15", "worker": w.gridder.pk, "contents": "肉、奶、蛋", "value": "200.00",
        "reason": ""}),
    Submission("children:plan_detail", lambda w: f"/children/nutrition/plans/{w.nplan.pk}/", "staff_east",
               lambda w: {"days": "1,15", "worker": w.gridder.pk, "contents": "肉、奶、蛋、蔬菜", "value": "210.00",
                          "reason": "", "active": "on"}),
    Submission("children:delivery", lambda w: f"/children/nutrition/deliveries/{w.ndelivery.pk}/", "gridder",
               lambda w: {"action": "confirm", "confirm-received_by": "母亲", "confirm-delivered_at": ""}),
    Submission("manage:user_create", lambda w: "/manage/users/new/", "security", _user),
    Submission("manage:user_update", lambda w: f"/manage/users/{w.gridder.pk}/", "security", lambda w: {
        **_user(w), "username": "gridder", "grids": [w.east1.pk], "password": ""}),
    Submission("manage:user_unlock", lambda w: f"/manage/users/{w.gridder.pk}/unlock/", "security",
               lambda w: {}),
    Submission("manage:community_create", lambda w: "/manage/communities/new/", "admin", lambda w: {
        "name": "南园社区", "code": "S1", "address": "和平里三区", "phone": "010-64000000"}),
    Submission("manage:community_update", lambda w: f"/manage/communities/{w.east.pk}/", "admin", lambda w: {
        "name": "东园社区", "code": "E1", "address": "和平里一区", "phone": "010-64000001"}),
    Submission("manage:grid_create", lambda w: "/manage/grids/new/", "admin", lambda w: {
        "community": w.east.pk, "name": "东三网格", "code": "E3", "description": "5–8 号楼"}),
    Submission("manage:grid_update", lambda w: f"/manage/grids/{w.east1.pk}/", "admin", lambda w: {
        "community": w.east.pk, "name": "东一网格", "code": "E1", "description": "1–4 号楼"}),
    Submission("reports", lambda w: "/reports/", "admin", lambda w: {"month": _last_month()}),
    Submission("notification_read", lambda w: f"/inbox/{w.notification.pk}/read/", "gridder", lambda w: {}),
    Submission("logout", lambda w: "/accounts/logout/", "leader", lambda w: {}),
    Submission("manage:user_security", lambda w: f"/manage/users/{w.staff_east.pk}/security/", "security",
               lambda w: {"token": w.token.pk}),
    # endpoints
    Submission("api_token", lambda w: "/api/v1/auth/token/", "", lambda w: {
        "username": "staff_east", "password": "Str0ng-pass-2026", "otp": otp_code()}, json=True,
        # A wrong code is counted on the device (django-otp's throttle) as well as in the log.
        refusal_writes=("jiedao_auditentry", "otp_totp_totpdevice")),
    Submission("resident-list", lambda w: "/api/v1/residents/", "staff_east", _api_resident, json=True),
    Submission("api_user_device_reset", lambda w: f"/api/v1/users/{w.gridder.pk}/device-reset/", "security",
               lambda w: {}, json=True),
    Submission("resident-detail", lambda w: f"/api/v1/residents/{w.zhang.pk}/", "staff_east", lambda w: {
        k: v for k, v in _api_resident(w).items() if k not in ("id_number", "name")}, json=True, method="patch"),
    Submission("visit-list", lambda w: "/api/v1/visits/", "gridder", lambda w: {
        "resident": w.zhang.pk, "method": "phone", "visited_at": timezone.localtime().isoformat(), "ok": True,
        "health": "良好", "living": "", "needs": "", "notes": "电话问候", "next_action": "",
        "hazards": [{"kind": "fire", "description": "插线板过载"}]}, json=True),
    Submission("hazard-transition", lambda w: f"/api/v1/hazards/{w.hazard.pk}/transition/", "gridder",
               lambda w: {"status": "in_hand"}, json=True),
    Submission("notification-read", lambda w: f"/api/v1/notifications/{w.notification.pk}/read/", "gridder",
               lambda w: {}, json=True),
    Submission("case-list", lambda w: "/api/v1/cases/", "staff_east", lambda w: {
        "resident": w.zhang.pk, "kind": "temporary", "reason": "突发疾病", "requested_amount": "800.00",
        "requested_service": "", "household_size": 1, "monthly_income": "600.00"}, json=True),
    Submission("case-transition", lambda w: f"/api/v1/cases/{w.case.pk}/transition/", "staff_east",
               lambda w: {"to": "community_reviewed", "comment": "材料齐全"}, json=True),
    Submission("wish-list", lambda w: "/api/v1/wishes/", "gridder", lambda w: {
        "resident": w.child.pk, "wish": "一个新书包", "value": "120.00", "story": "上二年级了"}, json=True),
    Submission("wish-transition", lambda w: f"/api/v1/wishes/{w.wish.pk}/transition/", "staff_east",
               lambda w: {"to": "reviewed", "comment": "家访核实"}, json=True),
    Submission("nutrition-plan-list", lambda w: "/api/v1/nutrition-plans/", "staff_east", lambda w: {
        "child": w.orphan.pk, "days": [1, 15], "worker": w.gridder.pk, "contents": "肉、奶、蛋", "value": "200.00",
        "reason": ""}, json=True),
    Submission("nutrition-plan-detail", lambda w: f"/api/v1/nutrition-plans/{w.nplan.pk}/", "staff_east",
               lambda w: {"days": [1, 15], "value": "210.00", "active": True}, json=True, method="patch"),
    Submission("nutrition-delivery-confirm", lambda w: f"/api/v1/nutrition-deliveries/{w.ndelivery.pk}/confirm/",
               "gridder", lambda w: {"received_by": "母亲"}, json=True),
    Submission("nutrition-delivery-miss", lambda w: f"/api/v1/nutrition-deliveries/{w.ndelivery.pk}/miss/",
               "gridder", lambda w: {"reason": "全家外出"}, json=True),
    Submission("meal-list", lambda w: "/api/v1/meals/", "operator", lambda w: {
        "id_number": w.li.id_number, "meal": "dinner", "point": w.canteen.pk}, json=True),
    Submission("programme-list", lambda w: "/api/v1/programmes/", "staff_east", lambda w: _programme(w), json=True),
    Submission("programme-detail", lambda w: f"/api/v1/programmes/{w.programme.pk}/", "staff_east",
               lambda w: {"name": "亲子早教班", "capacity": 6}, json=True, method="patch"),
    Submission("programme-sessions (add)", lambda w: f"/api/v1/programmes/{w.programme.pk}/sessions/", "staff_east",
               lambda w: _session(w), json=True),
    Submission("enrolment-list", lambda w: "/api/v1/enrolments/", "staff_east", lambda w: {
        "programme": w.programme.pk, "child": w.little_newcomer.pk, "guardian_name": "刘芳",
        "guardian_phone": "13800001111"}, json=True),
    Submission("enrolment-withdraw", lambda w: f"/api/v1/enrolments/{w.child_enrolment.pk}/withdraw/", "staff_east",
               lambda w: {"reason": "搬家"}, json=True),
    Submission("attendance-list (take)", lambda w: "/api/v1/attendance/", "staff_east", lambda w: {
        "session": w.session.pk, "present": [w.child_enrolment.pk]}, json=True),
    Submission("children:programme_create", lambda w: "/children/programmes/new/", "staff_east",
               lambda w: _programme_form(w)),
    Submission("children:programme_update", lambda w: f"/children/programmes/{w.programme.pk}/edit/", "staff_east",
               lambda w: {**_programme_form(w), "name": "亲子早教班"}),
    Submission("children:sessions_add", lambda w: f"/children/programmes/{w.programme.pk}/sessions/", "staff_east",
               lambda w: {"weekdays": ["1", "3"], "start": "09:30", "end": "11:00"}),
    Submission("children:sessions_add (one)", lambda w: f"/children/programmes/{w.programme.pk}/sessions/",
               "staff_east", lambda w: {k: v.strftime("%Y-%m-%dT%H:%M") for k, v in _session_times().items()}),
    Submission("children:enrol", lambda w: f"/children/programmes/{w.programme.pk}/enrol/", "staff_east",
               lambda w: {"child_id_number": w.little_newcomer.id_number, "guardian_name": "刘芳",
                          "guardian_phone": "13800001111"}),
    Submission("children:enrolment_withdraw", lambda w: f"/children/enrolments/{w.child_enrolment.pk}/withdraw/",
               "staff_east", lambda w: {"reason": "搬家"}),
    Submission("children:attendance", lambda w: f"/children/sessions/{w.session.pk}/", "staff_east",
               lambda w: {"present": [str(w.child_enrolment.pk)]}),
    # A match, a text, and no page told: its refusals are the form's only.
    Submission("children:public", lambda w: f"/children/public/{w.programme.pk}/", "", lambda w: {
        "id_number": w.little_newcomer.id_number, "guardian_phone": "13800001111"}),
]

def _volunteer_form(w):
    return {"name": "赵红梅", "id_number": _new_id_number(13), "phone": "13800001111", "community": w.east.pk,
            "skills": "理发", "availability": "周末", "party_member": "on", "work_unit": "区教育局", "status": "active"}


SUBMISSIONS += [
    Submission("volunteers:volunteer_create", lambda w: "/volunteers/new/", "staff_east", _volunteer_form),
    Submission("volunteers:volunteer_update", lambda w: f"/volunteers/{w.xiaohong.pk}/edit/", "staff_east",
               lambda w: {**_volunteer_form(w), "name": "陈小红", "id_number": w.xiaohong.id_number}),
    Submission("volunteers:team_create", lambda w: "/volunteers/teams/new/", "staff_east", lambda w: {
        "name": "小红星", "community": w.east.pk, "leader": w.xiaohong.pk, "description": "暑期学习室",
        "active": "on"}),
    Submission("volunteers:team_update", lambda w: f"/volunteers/teams/{w.team.pk}/edit/", "staff_east", lambda w: {
        "name": "幸福来敲门", "community": w.east.pk, "leader": w.liu.pk, "description": "上门服务", "active": "on"}),
    Submission("volunteers:team_members", lambda w: f"/volunteers/teams/{w.team.pk}/members/", "staff_east",
               lambda w: {"volunteer": w.xiaohong.pk, "on": "", "action": "leave"}),
    Submission("volunteer-list", lambda w: "/api/v1/volunteers/", "staff_east", lambda w: {
        **_volunteer_form(w), "party_member": True}, json=True),
    Submission("volunteer-detail", lambda w: f"/api/v1/volunteers/{w.xiaohong.pk}/", "staff_east",
               lambda w: {"skills": "剪发", "availability": "周六", "phone": "13800002222"}, json=True, method="patch"),
    Submission("team-list", lambda w: "/api/v1/teams/", "staff_east", lambda w: {
        "name": "小红星", "community": w.east.pk, "leader": w.xiaohong.pk, "description": "暑期学习室"}, json=True),
    Submission("team-detail", lambda w: f"/api/v1/teams/{w.team.pk}/", "staff_east",
               lambda w: {"description": "上门服务", "active": True}, json=True, method="patch"),
    Submission("team-members", lambda w: f"/api/v1/teams/{w.team.pk}/members/", "staff_east",
               lambda w: {"volunteer": w.newcomer.pk, "on": "2026-02-01"}, json=True),
    Submission("team-leave", lambda w: f"/api/v1/teams/{w.team.pk}/leave/", "staff_east",
               lambda w: {"volunteer": w.xiaohong.pk}, json=True),
]

def _deadline(form: bool = False) -> str:
    moment = timezone.localtime() + timedelta(days=3)
    return moment.strftime("%Y-%m-%dT%H:%M") if form else moment.isoformat()


SUBMISSIONS += [
    Submission("volunteers:order_create", lambda w: f"/volunteers/orders/new/{w.zhang.pk}/", "gridder", lambda w: {
        "service": w.cleaning.pk, "wanted_at": _deadline(form=True), "notes": "厨房油污"}),
    Submission("volunteers:order_step", lambda w: f"/volunteers/orders/{w.new_order.pk}/step/", "admin", lambda w: {
        "to": "dispatched", "team": w.team.pk, "deadline": _deadline(form=True), "comment": "请尽快"}),
    Submission("volunteers:order_rating_link", lambda w: f"/volunteers/orders/{w.done_order.pk}/rating-link/",
               "staff_east", lambda w: {}),
    Submission("volunteers:service_kinds", lambda w: "/volunteers/services/", "admin",
               lambda w: {"name": "理发", "active": "on"}),
    Submission("volunteer_rate", lambda w: f"/r/{w.rating_token}/", "", lambda w: {"rating": "5", "comment": "满意"}),
    Submission("service-order-list", lambda w: "/api/v1/service-orders/", "gridder", lambda w: {
        "resident": w.zhang.pk, "service": w.cleaning.pk, "wanted_at": _deadline(), "notes": "厨房油污"}, json=True),
    Submission("service-order-transition", lambda w: f"/api/v1/service-orders/{w.new_order.pk}/transition/", "admin",
               lambda w: {"to": "dispatched", "team": w.team.pk, "deadline": _deadline(), "comment": "请尽快"},
               json=True),
    Submission("service-order-rating-link", lambda w: f"/api/v1/service-orders/{w.done_order.pk}/rating-link/",
               "staff_east", lambda w: {}, json=True),
    Submission("service-kind-list", lambda w: "/api/v1/service-kinds/", "admin",
               lambda w: {"name": "理发", "active": True}, json=True),
    Submission("service-kind-detail", lambda w: f"/api/v1/service-kinds/{w.cleaning.pk}/", "admin",
               lambda w: {"active": False}, json=True, method="patch"),
]

def _attended(w, form: bool = False) -> dict:
    start = timezone.localtime(w.activity.starts_at)
    times = (start, start + timedelta(hours=1))
    if form:
        return dict(zip(("checked_in_at", "checked_out_at"), (t.strftime("%Y-%m-%dT%H:%M") for t in times),
                        strict=True))
    return dict(zip(("checked_in_at", "checked_out_at"), (t.isoformat() for t in times), strict=True))


def _activity(w, form: bool = False) -> dict:
    start = timezone.localtime() + timedelta(days=2)
    end = start + timedelta(hours=2)
    moments = [t.strftime("%Y-%m-%dT%H:%M") if form else t.isoformat() for t in (start, end)]
    return {"team": w.team.pk, "name": "暑期学习室", "place": "东园社区活动室", "starts_at": moments[0],
            "ends_at": moments[1], "capacity": "20" if form else 20, "description": "小红星辅导作业"}


def _form_moment(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")  # as a datetime-local input sends it


SUBMISSIONS += [
    Submission("volunteers:activity_create", lambda w: "/volunteers/activities/new/", "staff_east",
               lambda w: _activity(w, form=True)),
    Submission("volunteers:activity_attendance", lambda w: f"/volunteers/activities/{w.activity.pk}/attendance/",
               "staff_east", lambda w: {"volunteer": w.xiaohong.pk, "action": "attend", **_attended(w, form=True)}),
    Submission("volunteers:hours_adjust", lambda w: f"/volunteers/{w.liu.pk}/hours/adjust/", "staff_east",
               lambda w: {"adjusts": w.liu_hours.pk, "hours": "1.25", "reason": "提前离开"}),
    Submission("activity-list", lambda w: "/api/v1/activities/", "staff_east", _activity, json=True),
    Submission("activity-detail", lambda w: f"/api/v1/activities/{w.activity.pk}/", "staff_east",
               lambda w: {"place": "东园社区活动室", "capacity": 12}, json=True, method="patch"),
    Submission("activity-signups", lambda w: f"/api/v1/activities/{w.activity.pk}/signups/", "staff_east",
               lambda w: {"volunteer": w.liu.pk}, json=True),
    Submission("activity-attendance", lambda w: f"/api/v1/activities/{w.activity.pk}/attendance/", "staff_east",
               lambda w: {"volunteer": w.xiaohong.pk, **_attended(w)}, json=True),
    Submission("volunteer-hours", lambda w: f"/api/v1/volunteers/{w.liu.pk}/hours/", "staff_east",
               lambda w: {"adjusts": w.liu_hours.pk, "hours": "1.25", "reason": "提前离开"}, json=True),
    Submission("volunteers:national_export", lambda w: "/volunteers/national/", "admin",
               lambda w: {"month": _last_month()}),
    Submission("pairing-list", lambda w: "/api/v1/pairings/", "staff_east", lambda w: {
        "resident": w.li.pk, "volunteer": w.xiaohong.pk, "rhythm": "biweekly", "started_on": "2026-11-01"},
        json=True),
    Submission("pairing-visits", lambda w: f"/api/v1/pairings/{w.pairing.pk}/visits/", "gridder",
               lambda w: {"notes": "陪老人聊天", "visited_at": (timezone.now() - timedelta(hours=2)).isoformat()},
               json=True),
    Submission("volunteers:pairing_create", lambda w: f"/volunteers/pairings/new/{w.li.pk}/", "staff_east",
               lambda w: {"volunteer": w.xiaohong.pk, "rhythm": "biweekly", "started_on": "2026-11-01"}),
    Submission("volunteers:pairing_visit", lambda w: f"/volunteers/pairings/{w.pairing.pk}/visit/", "gridder",
               lambda w: {"notes": "陪老人聊天", "visited_at": _form_moment(timezone.now() - timedelta(hours=3))}),
    Submission("volunteers:pairing_end", lambda w: f"/volunteers/pairings/{w.pairing.pk}/end/", "staff_east",
               lambda w: {"reason": "老人迁往女儿家"}),
    Submission("residents:import_upload", lambda w: "/residents/imports/new/", "staff_east",
               lambda w: {"community": w.east.pk, "grid": w.east1.pk}, files=lambda: {"file": _ledger()}),
    Submission("api_import_residents", lambda w: "/api/v1/imports/residents/", "staff_east",
               lambda w: {"community": w.east.pk, "grid": w.east1.pk}, files=lambda: {"file": _ledger()}),
    Submission("residents:import_mapping", lambda w: f"/residents/imports/{w.import_run.pk}/mapping/", "staff_east",
               lambda w: {"map-0-name": "0", "map-0-id_number": "1"}),
]
NOT_FUZZED = {
    "case-disbursements": "its GET is a list; its POST is `case-disbursements (record)`",
    # A session here is verified already; the steps are sent the family by tests/jiedao/test_second_factor.py.
    "otp_verify": "the second factor: tests/jiedao/test_second_factor.py",
    "otp_enrol": "the second factor: tests/jiedao/test_second_factor.py",
    "api_user_tokens": "its GET is a list; DELETE ?token=: tests/jiedao/test_second_factor.py",
    # Confirming and undoing an import type nothing: a POST to the run, whose id the detail test fuzzes.
    "residents:import_commit": "no fields: tests/residents/test_imports_pages.py",
    "residents:import_undo": "no fields: tests/residents/test_imports_pages.py",
    "import-run-commit": "no fields: tests/residents/test_imports_api.py",
    "import-run-undo": "no fields: tests/residents/test_imports_api.py",
    "residents:import_restart": "no fields: tests/residents/test_imports_pages.py",
    "import-run-restart": "no fields: tests/residents/test_imports_api.py",
}


def _payment(w):
    """This month's 低保 payment, within the approved 1,200.00."""
    first = timezone.localdate().replace(day=1)
    return {"amount": "1200.00", "paid_on": timezone.localdate().isoformat(), "method": "bank",
            "period_from": first.isoformat(), "period_to": month_end(first).isoformat()}


def _prefixed(prefix, data):
    return {f"{prefix}-{k}": v for k, v in data.items()}


def _correction(w):
    return {"amount": "900.00", "paid_on": timezone.localdate().isoformat(), "method": "bank", "period_from": "",
            "period_to": "", "reason": "金额录入错误"}


# Money: each bad value in each field of a payment, a void and a correction, on the page and the API.
SUBMISSIONS += [
    Submission("assistance:disbursement_add", lambda w: f"/assistance/{w.monthly.pk}/disbursements/", "admin",
               _payment),
    # Each row of the case page has its own void and correction form: their fields carry the payment's prefix.
    Submission("assistance:disbursement_void", lambda w: f"/assistance/disbursements/{w.payment.pk}/void/", "admin",
               lambda w: _prefixed(f"void{w.payment.pk}", {"reason": "重复登记"})),
    Submission("assistance:disbursement_correct", lambda w: f"/assistance/disbursements/{w.payment.pk}/correct/",
               "admin", lambda w: _prefixed(f"fix{w.payment.pk}", _correction(w))),
    Submission("case-disbursements (record)", lambda w: f"/api/v1/cases/{w.monthly.pk}/disbursements/", "admin",
               _payment, json=True),
    Submission("disbursement-void", lambda w: f"/api/v1/disbursements/{w.payment.pk}/void/", "admin",
               lambda w: {"reason": "重复登记"}, json=True),
    Submission("disbursement-correct", lambda w: f"/api/v1/disbursements/{w.payment.pk}/correct/", "admin",
               lambda w: {k: v for k, v in _correction(w).items() if v != ""}, json=True),
]


def _last_month() -> str:
    return f"{timezone.localdate().replace(day=1) - timedelta(days=1):%Y-%m}"


def _send(client, submission, url, data):
    if submission.json:
        return getattr(client, submission.method)(url, json.dumps(data), content_type="application/json")
    files = submission.files() if submission.files else {}
    return client.post(url, {**data, **files})


def _refused(response) -> bool:
    """Refused: an error status, the form shown again with its errors, or a redirect that says why."""
    if response.status_code >= 400:
        return True
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        page = response.content.decode()
        if 'class="error" role="alert"' in page or "alert alert-error" in page:  # includes/field.html, form.html
            return True
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return any(m.level >= message_levels.ERROR for m in queued)


def _fields(submission, world) -> list[str]:
    data = submission.data(world)
    match = resolve(submission.url(world))
    form = getattr(getattr(match.func, "view_class", None), "form_class", None)
    names = list(data) + [n for n in (form.base_fields if form else ()) if n not in data]
    return names


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=[s.name for s in SUBMISSIONS])
def test_each_submission_as_given_is_accepted(world, as_, submission):
    # Else the family below would only ever meet a form refused for another reason.
    client = as_(submission.persona)
    response = _isolated(client, lambda: _send(client, submission, submission.url(world), submission.data(world)))
    assert response.status_code < 400 and not _refused(response), (response.status_code, response.content[:500])


@pytest.mark.parametrize("value", FAMILY.values(), ids=FAMILY.keys())
@pytest.mark.parametrize("submission", [s for s in SUBMISSIONS if not s.json],
                         ids=[s.name for s in SUBMISSIONS if not s.json])
def test_every_form_answers_each_bad_value_in_each_field_and_writes_all_or_nothing(world, as_, submission, value):
    _fuzz(world, as_, submission, value)


@pytest.mark.parametrize("value", JSON_FAMILY.values(), ids=JSON_FAMILY.keys())
@pytest.mark.parametrize("submission", [s for s in SUBMISSIONS if s.json],
                         ids=[s.name for s in SUBMISSIONS if s.json])
def test_every_write_endpoint_answers_each_bad_value_in_each_field_and_writes_all_or_nothing(world, as_,
                                                                                              submission, value):
    _fuzz(world, as_, submission, value)


def _fuzz(world, as_, submission, value):
    client, url = as_(submission.persona), submission.url(world)
    problems = []

    def send(fields):
        def submit():
            before = _counts()
            response = _send(client, submission, url, {**submission.data(world), **fields})
            response.changed = _changed(before, _counts()) if response.status_code < 500 else []
            return response

        return _isolated(client, submit)

    fields = _fields(submission, world)
    for name, response in _one_by_one(send, fields, value) if fields else [("unexpected", send({"x": value}))]:
        what = f"{submission.method.upper()} {url} {name}={str(value)[:20]!r}"
        problem = _check(response, what)
        if problem is None and value == "\x00" and fields and response.status_code != 400:
            problem = f"{what}: a NUL byte was not refused ({response.status_code})"
        changed = [t for t in response.changed if t not in submission.refusal_writes]
        if problem is None and _refused(response) and changed:
            problem = f"{what}: refused, yet {', '.join(changed)} changed"
        problems.append(problem)
    assert not [p for p in problems if p], "\n".join(p for p in problems if p)


# --- ids in paths ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pk", ["²", "３", "abc", str(2**63), str(10**30), "-1"])
def test_every_detail_with_an_id_that_is_no_row_is_not_found(world, as_, pk):
    problems = []
    for route, pattern in _routes():
        if "<int:" not in pattern and "(?P<pk>" not in pattern:
            continue
        if "(?P<format>" in pattern:
            continue
        url = "/" + re.sub(r"<int:(\w+)>|\(\?P<pk>[^)]*\)", pk, pattern).replace("^", "").replace("$", "")
        url = url.replace("<str:status>", "closed")
        if "<" in url:
            continue
        persona = "security" if route in ACCOUNT_ROUTES else "admin"  # 三员: the accounts are the security admin's
        client, method = as_(persona), "post" if route in POST_ONLY else "get"
        response = _isolated(client, lambda: getattr(client, method)(url))  # noqa: B023 (called at once)
        if response.status_code >= 500:
            problems.append(f"{method.upper()} {url} → {response.status_code}")
    assert not problems, "\n".join(problems)


POST_ONLY = {"notification_read", "visits:curtain", "visits:hazard_transition", "visits:rule_delete",
             "care:service_log_add", "assistance:case_transition", "assistance:document_upload",
             "assistance:disbursement_add", "manage:user_unlock", "notification-read", "hazard-transition",
             "case-transition", "assistance:wish_transition", "wish-transition",
             "nutrition-delivery-confirm", "nutrition-delivery-miss",
             "volunteers:team_members", "team-members", "team-leave", "volunteers:order_step",
             "volunteers:order_rating_link", "service-order-transition", "service-order-rating-link",
             "volunteers:activity_attendance", "volunteers:hours_adjust", "activity-signups", "activity-attendance",
             "pairing-visits",
             "children:sessions_add", "children:enrolment_withdraw", "enrolment-withdraw",
             "residents:import_commit", "residents:import_undo", "import-run-commit", "import-run-undo",
             "residents:import_restart", "import-run-restart"}


# --- the tables are complete ---------------------------------------------------------------------------

def _routes():
    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("django-admin"):
                    continue
                inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                yield (f"{namespace}:{p.name}" if namespace else p.name), prefix + str(p.pattern)

    return list(walk(get_resolver().url_patterns))


DETAILS = {  # read one object: its id is fuzzed by test_every_detail_with_an_id_that_is_no_row_is_not_found
    "report_download", "residents:resident_detail", "residents:household_detail", "export_job", "export_job_status",
    "export_job_download", "assistance:case_detail", "assistance:notice", "assistance:document",
    "community-detail", "grid-detail", "household-detail", "audit-detail", "export-job-detail",
    "export-job-download", "notification-detail", "report-detail", "report-download", "case-detail",
    "disbursement-detail", "service-point-detail", "meal-detail", "visit-detail", "hazard-detail",
    "assistance:wish_detail", "assistance:wish_photo", "wish-detail", "nutrition-delivery-detail",
    "volunteers:volunteer_detail", "volunteers:team_detail", "volunteers:order_detail", "service-order-detail",
    "volunteers:activity_detail", "volunteers:certificate", "pairing-detail",
    "enrolment-detail", "import-run-detail", "import-run-rejected", "residents:import_rejected",
}


def test_every_route_is_in_one_table():
    listed = {item.name for item in LISTINGS} | {s.name for s in SUBMISSIONS} | set(NOT_FUZZED) | DETAILS
    missing = sorted({name for name, _ in _routes()} - listed)
    assert not missing, f"add these to a table of {__name__}: {missing}"


# --- 三员: every route, as each of the three administrators -------------------------------------------------

# The accounts, and each account's second factor and API tokens (reset a lost phone, end a token).
ACCOUNT_ROUTES = {"manage:users", "manage:user_create", "manage:user_update", "manage:user_unlock",
                  "manage:user_security", "api_user_device_reset", "api_user_tokens"}
# What every signed-in role reaches, the security admin too: signing in (both steps) and out, its own password,
# start page, inbox and exports, who one is, and the API's schema. None of them holds business data for it (its
# inbox and exports are empty). A verified session asking for the code again is sent on (a redirect).
EVERY_ROLE = {"login", "otp_verify", "otp_enrol", "logout", "password_change", "api_token", "home", "inbox",
              "export_jobs", "api_schema", "api_docs", "api_me", "notification-list", "export-job-list",
              # The wish wall is public (no identity on it): whoever asks reads it, signed in or not.
              "assistance:wish_public", "wish-public",
              # A resident's rating page opens for anyone holding the slip's link, signed in or not.
              "volunteer_rate",
              # A programme's public sign-up page answers everyone, signed in or not (child_services.signup).
              "children:public"}
# The object each detail route is read with (a real one, in 和平里): a 403 or 404 then says the role is refused,
# not that nothing was there.
OBJECT_OF = {
    "report_download": "report", "residents:resident_detail": "zhang", "residents:household_detail": "home",
    "export_job": "job", "export_job_status": "job", "export_job_download": "job", "assistance:case_detail": "case",
    "assistance:notice": "case", "community-detail": "east", "grid-detail": "east1", "household-detail": "home",
    "export-job-detail": "job", "export-job-download": "job", "notification-detail": "notification",
    "report-detail": "report", "report-download": "report", "case-detail": "case", "case-disbursements": "paid_case",
    "assistance:disbursement_add": "paid_case", "service-point-detail": "canteen", "visit-detail": "visit",
    "hazard-detail": "hazard", "api_user_tokens": "staff_east",
    "assistance:wish_detail": "wish", "assistance:wish_photo": "wish", "wish-detail": "wish",
    "nutrition-delivery-detail": "ndelivery",
    "volunteers:volunteer_detail": "xiaohong", "volunteers:team_detail": "team",
    "volunteers:order_detail": "open_order", "service-order-detail": "open_order",
    "volunteers:activity_detail": "activity", "volunteers:certificate": "liu", "pairing-detail": "pairing",
    "enrolment-detail": "child_enrolment",
    **dict.fromkeys(["residents:import_run", "residents:import_mapping", "residents:import_status",
                     "residents:import_commit", "residents:import_undo", "residents:import_rejected",
                     "import-run-detail", "import-run-rows", "import-run-rejected", "import-run-commit",
                     "import-run-undo", "residents:import_restart", "import-run-restart"], "import_run"),
}


def _object_pk(world, route: str):
    from assistance.models import CaseDocument, Disbursement
    from elderly_care.models import Meal

    if route in OBJECT_OF:
        return getattr(world, OBJECT_OF[route]).pk
    if "disbursement" in route:
        return Disbursement.objects.filter(case=world.paid_case).first().pk
    model = {"meal-detail": Meal, "audit-detail": AuditEntry, "assistance:document": CaseDocument}[route]
    first = model.objects.order_by("pk").first()
    return first.pk if first else 1


def _answers(world, as_, persona: str) -> dict[str, int]:
    """Route name → the status `persona` gets: each list read, each submission sent as its own persona would
    (so that a refusal is the role's, not the data's), each detail read on a real object."""
    client = as_(persona)
    answers = {}
    for listing in LISTINGS:
        answers[listing.name] = _isolated(client, lambda: client.get(listing.url(world))).status_code  # noqa: B023
    for submission in SUBMISSIONS:
        url, data = submission.url(world), submission.data(world)
        answers[submission.name] = _isolated(client, lambda: _send(client, submission, url, data)).status_code  # noqa: B023
    patterns = dict(_routes()[::-1])  # the first pattern of a name (a format suffix comes after)
    for route in sorted(DETAILS | set(NOT_FUZZED)):
        if route in answers:
            continue
        url = "/" + patterns[route]
        if "<int:" in url or "(?P<pk>" in url:  # the second factor's steps name no object
            url = re.sub(r"<int:(\w+)>|\(\?P<pk>[^)]*\)", str(_object_pk(world, route)), url)
        url = url.replace("^", "").replace("$", "")
        method = "post" if route in POST_ONLY or route.endswith(("void", "correct", "_add")) else "get"
        answers[route] = _isolated(client, lambda: getattr(client, method)(url)).status_code  # noqa: B023
    return answers


def test_the_security_admin_reaches_the_accounts_and_no_business_route(world, as_):
    answers = _answers(world, as_, "security")
    reached = {route for route, status in answers.items() if status < 400}
    assert reached == ACCOUNT_ROUTES | EVERY_ROLE, sorted(reached ^ (ACCOUNT_ROUTES | EVERY_ROLE))
    assert all(answers[route] in (403, 404) for route in answers if route not in reached), {
        r: s for r, s in answers.items() if r not in reached and s not in (403, 404)}


@pytest.mark.parametrize("persona", ["admin", "auditor", "leader", "staff_east", "gridder", "operator",
                                     "team_leader"])
def test_no_one_else_reaches_an_account_route(world, as_, persona):
    answers = _answers(world, as_, persona)
    assert {route: answers[route] for route in ACCOUNT_ROUTES} == dict.fromkeys(ACCOUNT_ROUTES, 403)


# The team leader (服务队队长): their team's pages and endpoints, and what every role reaches; nothing of the
# registry, no other business, no account route.
# (volunteer-list and team-list are answered here as their POST, refused; their GET: tests/volunteers/test_access.py.)
TEAM_LEADER_ROUTES = {"volunteers:volunteer_list", "volunteers:volunteer_detail", "volunteers:team_list",
                      "volunteers:team_detail", "volunteers:leader", "volunteers:order_detail",
                      "service-order-detail", "volunteers:activity_list", "volunteers:activity_detail",
                      "volunteers:hours", "volunteers:activity_attendance", "volunteers:hours_adjust",
                      "activity-signups", "activity-attendance", "volunteer-hours", "volunteers:pairing_list",
                      "pairing-detail"}
# Lists of places any signed-in account may ask (and the API's index): for a team leader, empty.
EMPTY_FOR_TEAM_LEADER = {"community-list": "/api/v1/communities/", "grid-list": "/api/v1/grids/",
                         "service-point-list": "/api/v1/service-points/"}


def test_the_team_leader_reaches_their_teams_routes_and_nothing_of_the_registry(world, as_):
    answers = _answers(world, as_, "team_leader")
    reached = {route for route, status in answers.items() if status < 400}
    # "home" sends a team leader on to their team's page (a redirect); the inbox and exports are their own.
    expected = TEAM_LEADER_ROUTES | EVERY_ROLE | set(EMPTY_FOR_TEAM_LEADER) | {"api-root"}
    assert reached == expected, sorted(reached ^ expected)
    client = as_("team_leader")
    for url in EMPTY_FOR_TEAM_LEADER.values():
        assert _isolated(client, lambda: client.get(url)).json()["count"] == 0, url  # noqa: B023
    assert all(answers[route] in (403, 404) for route in answers if route not in reached), {
        r: s for r, s in answers.items() if r not in reached and s not in (403, 404)}
