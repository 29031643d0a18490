"""schemathesis over the whole API, as 赵管理 (sub-district admin), 王丽 (community staff) and 周网格 (grid
worker): every operation of the served schema, with generated valid and invalid input, answers no 5xx and
only what the schema documents (status code, content type, headers, body).

Bounded for CI: SCHEMATHESIS_MAX_EXAMPLES random requests per operation and persona (25 unless set), the
same ones each run (derandomized, so CI never fails on an example it had not tried before; set
SCHEMATHESIS_RANDOM=1 to explore new ones), and schemathesis' fixed set of boundary and invalid values of
every parameter as the community staff. The sign-in endpoint is fuzzed apart, with throwaway accounts
(tests/api/test_schemathesis_token.py), so no failed sign-in here counts towards a persona's lockout.
"""

import os
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings

from assistance.models import Case, Disbursement, Wish
from assistance.services import wish_collect
from child_services.models import Attendance, Enrolment, NutritionDelivery, NutritionPlan, Programme, Session
from child_services.services import nutrition_run, plan_create
from elderly_care.models import Meal
from jiedao.imports import import_run_create
from jiedao.models import AuditEntry, ExportJob, ImportRun, Notification, User
from jiedao.services import api_token_issue
from reports.models import MonthlyReport
from residents.imports import RESIDENTS as RESIDENTS_IMPORT
from residents.models import Community, Grid, Household, Resident, ServicePoint
from tests.api.schema import CHECKS, TOKEN_PATH, auth, load
from tests.assistance.factories import CaseFactory, DisbursementFactory
from tests.child_services.factories import EnrolmentFactory, HutFactory, ProgrammeFactory, SessionFactory, child_in
from tests.elderly_care.factories import MealFactory
from tests.factories import (
    ExportJobFactory,
    HouseholdFactory,
    NotificationFactory,
    ResidentFactory,
    ServicePointFactory,
    grid_worker_of,
    staff_of,
)
from tests.reports.factories import MonthlyReportFactory
from tests.residents.import_books import book, number, upload
from tests.visits.factories import HazardFactory, VisitFactory
from visits.models import Hazard, Visit
from volunteers import services as volunteer_services
from volunteers.models import Activity, Pairing, ServiceKind, ServiceOrder, Team, Volunteer

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))

# The model behind each resource of the API (its path's first part), and behind the ids a body names.
RESOURCES = {
    "audit": AuditEntry, "cases": Case, "communities": Community, "disbursements": Disbursement,
    "exports": ExportJob, "imports": ImportRun, "grids": Grid, "hazards": Hazard, "households": Household,
    "meals": Meal,
    "notifications": Notification, "reports": MonthlyReport, "residents": Resident, "service-points": ServicePoint,
    "users": User, "visits": Visit, "wishes": Wish, "nutrition-plans": NutritionPlan,
    "nutrition-deliveries": NutritionDelivery, "volunteers": Volunteer, "teams": Team, "service-kinds": ServiceKind,
    "service-orders": ServiceOrder, "activities": Activity, "pairings": Pairing, "programmes": Programme,
    "enrolments": Enrolment, "attendance": Attendance,
}
BODY_IDS = {"resident": Resident, "grid": Grid, "household": Household, "point": ServicePoint,
            "service_point": ServicePoint, "child": Resident, "worker": User, "volunteer": Volunteer, "team": Team,
            "service": ServiceKind, "programme": Programme, "guardian": Resident, "session": Session}


def _volunteering(admin, staff_east, gridder, team, zhang, li):
    """An order in each of three states, an activity and a pairing of 幸福来敲门's, for the ids to land on."""
    from datetime import timedelta

    from django.utils import timezone

    kind = ServiceKind.objects.create(subdistrict=admin.subdistrict, name="上门保洁")
    orders = [volunteer_services.order_create(actor=gridder, resident=zhang, service=kind,
                                              wanted_at=timezone.now() + timedelta(days=1)) for _ in range(2)]
    volunteer_services.order_transition(actor=admin, order=orders[1], to="dispatched", team=team,
                                        deadline=timezone.now() + timedelta(days=3))
    start = timezone.now() - timedelta(hours=3)
    Activity.objects.create(team=team, name="楼道清扫", place="和平里一区", starts_at=start,
                            ends_at=start + timedelta(hours=2), capacity=10)
    volunteer_services.pairing_create(actor=staff_east, resident=li, volunteer=team.leader, rhythm="weekly")


@pytest.fixture
def world(people, admin, staff_east, gridder, heping, east, east1, happy_team, xiaohong, west_team):
    """Something of every kind, in and out of each persona's scope, for the ids to land on."""
    zhang, li, chen = people["zhang"], people["li"], people["chen"]
    HouseholdFactory(grid=east1)
    point = ServicePointFactory(community=east)
    CaseFactory(resident=li, kind="dibao")
    CaseFactory(resident=chen)
    DisbursementFactory(case=CaseFactory(resident=zhang, state="approved"))
    HazardFactory(visit=VisitFactory(resident=zhang, ok=False))
    VisitFactory(resident=li, method="phone")
    MealFactory(resident=zhang, point=point)
    for user in (admin, staff_east, gridder):
        NotificationFactory(resident=zhang, recipient=user)
        ExportJobFactory(user=user)
    MonthlyReportFactory(subdistrict=heping)
    # A child in difficulty with a wish and a pack plan whose rounds are due (one of 东一, one of 青龙).
    for grid, collector, planner in ((east1, gridder, staff_east), (chen.grid, None, None)):
        child = ResidentFactory(name="刘小明", grid=grid, birth=date(2018, 3, 1), tags=["child_in_difficulty"])
        collector = collector or grid_worker_of(grid)
        wish_collect(actor=collector, resident=child, data={"wish": "一套水彩笔", "value": Decimal("60")})
        plan_create(actor=planner or staff_of(grid.community), child=child, worker=collector,
                    starts_on=date(2026, 9, 1))
    nutrition_run(today=date(2026, 10, 15))
    _volunteering(admin, staff_east, gridder, happy_team, zhang, li)
    # 东园's 亲子小屋: a class with a child enrolled, a session held yesterday, and a child not yet enrolled.
    programme = ProgrammeFactory(point=HutFactory(community=east), capacity=2)
    EnrolmentFactory(programme=programme, child=child_in(east1, name="小雨"))
    SessionFactory(programme=programme)
    child_in(east1, name="小宝")
    # A ledger of 东园 read and waiting to be confirmed (commit, undo, rows and the rejected rows reach it).
    import_run_create(user=staff_east, import_list=RESIDENTS_IMPORT, params={"community": east.pk, "grid": east1.pk},
                      upload=upload(book([["孙大爷", number(1, female=False)], ["孙大爷", number(1, female=False)]],
                                         header=["姓名", "身份证号码"])))


@pytest.fixture(params=["admin", "staff_east", "gridder"])
def token(request, world):
    return api_token_issue(user=request.getfixturevalue(request.param))[0]


def _ids(model) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def aim_at_real_rows(case) -> None:
    """Generated ids are mostly numbers no row has (a 404 says little): every even one is turned into the id
    of a row that exists, in or out of the persona's scope, so details, transitions, voids and PATCHes reach
    real objects. Odd ones, and ids that are no number, stay as generated."""
    path_id = (case.path_parameters or {}).get("id")
    if isinstance(path_id, int) and path_id % 2 == 0 and (ids := _ids(RESOURCES[case.operation.path.split("/")[3]])):
        case.path_parameters["id"] = ids[path_id // 2 % len(ids)]
    if isinstance(case.body, dict):
        for key, model in BODY_IDS.items():
            value = case.body.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0 and (ids := _ids(model)):
                case.body[key] = ids[value // 2 % len(ids)]


BOUNDED = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                   derandomize=not os.environ.get("SCHEMATHESIS_RANDOM"),
                   # The persona's rows live for the whole test (one transaction), as they should.
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.filter_too_much])


@load(phase="fuzzing").exclude(path=TOKEN_PATH).parametrize()
@BOUNDED
def test_random_requests_to_every_operation_answer_as_documented(case, token):
    aim_at_real_rows(case)
    case.call_and_validate(headers=auth(token), checks=CHECKS)


@pytest.fixture
def staff_token(world, staff_east):
    return api_token_issue(user=staff_east)[0]


@load(phase="coverage").exclude(path=TOKEN_PATH).parametrize()
@BOUNDED
def test_boundary_and_invalid_values_of_every_parameter_answer_as_documented(case, staff_token):
    # Schemathesis' coverage phase: each parameter at its limits, of the wrong type, missing, under an
    # unexpected method; a fixed set per operation, which max_examples does not bound (two thirds of the
    # module's time with one persona). As 王丽 alone, who may write almost everywhere: validation is the same
    # code for every role, and what differs between roles the random requests above cover for all three.
    aim_at_real_rows(case)
    case.call_and_validate(headers=auth(staff_token), checks=CHECKS)
