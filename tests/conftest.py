"""Personas and places shared by every test.

和平里街道 has two communities: 东园 (grids 东一, 东二) and 西园 (grid 西一). 青龙街道 next door
has its own. The people who work there:

- admin 赵管理 (sub-district admin, 三员's 系统管理员), security 冯安全 (security admin: accounts only),
  auditor 孙审计 (the log only), leader 钱领导 — all of 和平里;
- staff_east 王丽 (community staff of 东园), staff_west 李强 (of 西园);
- gridder 周网格 (grid worker of 东一), operator 吴服务 (point operator);
- team_leader 刘队长 (服务队队长): leads 东园's team 幸福来敲门 (happy_team), whose members are 刘队长 and
  志愿者 陈小红 (xiaohong); west_team 西园 "筷乐送餐" is someone else's (fixtures `happy_team`, `west_team`);
- district 郑区局 (district officer, every sub-district); district_security 韩区安 (the district's security
  admin: district officers and the sub-districts' security admins); other_admin (青龙's admin).

Residents: 张春露 in 东一, 李秀英 in 东二, 王建国 in 西一, 陈青龙 in 青龙.
"""

from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiedao.models import Role
from tests.factories import (
    CommunityFactory,
    GridFactory,
    ResidentFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.otp import mark_verified

PASSWORD = "Str0ng-pass-2026"


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with an empty cache of its own (Redis, when set, also carries the broker's queues).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "tests"}}
    # Sessions in the database whatever REDIS_URL says (a deployment with Redis reads them from the cache,
    # cached_db): the query counts the tests tell (session, user, authenticator…) are the same on both passes.
    if settings.SESSION_ENGINE.endswith((".cache", ".cached_db")):  # (a test's own engine stays)
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    from django.core.cache import cache

    cache.clear()
    settings.AXES_ENABLED = True


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` (and so `web.as_`) stands for a person who has signed in with the password
    and the code: the session is verified, as django_otp.login leaves it. The steps themselves are tested
    through the login and verify pages (tests/jiedao/test_second_factor.py)."""
    force_login = Client.force_login

    def verified_force_login(self, user, backend=None):
        force_login(self, user, backend)
        mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", verified_force_login)


@pytest.fixture
def heping(db):
    return SubdistrictFactory(name="和平里街道")


@pytest.fixture
def qinglong(db):
    return SubdistrictFactory(name="青龙街道")


@pytest.fixture
def east(heping):
    return CommunityFactory(subdistrict=heping, name="东园社区")


@pytest.fixture
def west(heping):
    return CommunityFactory(subdistrict=heping, name="西园社区")


@pytest.fixture
def east1(east):
    return GridFactory(community=east, name="东一网格")


@pytest.fixture
def east2(east):
    return GridFactory(community=east, name="东二网格")


@pytest.fixture
def west1(west):
    return GridFactory(community=west, name="西一网格")


@pytest.fixture
def qinglong_grid(qinglong):
    return GridFactory(community=CommunityFactory(subdistrict=qinglong, name="青龙社区"), name="青龙一网格")


@pytest.fixture
def zhang(east1):
    return ResidentFactory(name="张春露", grid=east1, birth=date(1941, 5, 2), female=True,
                           tags=["living_alone"], care_tier="key")


@pytest.fixture
def li(east2):
    return ResidentFactory(name="李秀英", grid=east2, birth=date(1958, 8, 9), female=True, tags=["dibao"])


@pytest.fixture
def wang(west1):
    return ResidentFactory(name="王建国", grid=west1, birth=date(1985, 1, 20), female=False)


@pytest.fixture
def chen(qinglong_grid):
    return ResidentFactory(name="陈青龙", grid=qinglong_grid, birth=date(1960, 2, 2))


@pytest.fixture
def people(zhang, li, wang, chen):
    return {"zhang": zhang, "li": li, "wang": wang, "chen": chen}


@pytest.fixture
def admin(heping):
    return UserFactory(username="admin", first_name="赵管理", role=Role.SUBDISTRICT_ADMIN, subdistrict=heping)


@pytest.fixture
def security(heping):
    return UserFactory(username="security", first_name="冯安全", role=Role.SECURITY_ADMIN, subdistrict=heping)


@pytest.fixture
def district_security(db):
    return UserFactory(username="district_security", first_name="韩区安", role=Role.SECURITY_ADMIN, subdistrict=None)


@pytest.fixture
def leader(heping):
    return UserFactory(username="leader", first_name="钱领导", role=Role.SUBDISTRICT_LEADER, subdistrict=heping)


@pytest.fixture
def auditor(heping):
    return UserFactory(username="auditor", first_name="孙审计", role=Role.AUDITOR, subdistrict=heping)


@pytest.fixture
def staff_east(heping, east):
    return UserFactory(username="staff_east", first_name="王丽", role=Role.COMMUNITY_STAFF, subdistrict=heping,
                       communities=[east])


@pytest.fixture
def staff_west(heping, west):
    return UserFactory(username="staff_west", first_name="李强", role=Role.COMMUNITY_STAFF, subdistrict=heping,
                       communities=[west])


@pytest.fixture
def gridder(heping, east1):
    return UserFactory(username="gridder", first_name="周网格", role=Role.GRID_WORKER, subdistrict=heping,
                       grids=[east1])


@pytest.fixture
def operator(heping):
    return UserFactory(username="operator", first_name="吴服务", role=Role.POINT_OPERATOR, subdistrict=heping)


@pytest.fixture
def district(db):
    return UserFactory(username="district", first_name="郑区局", role=Role.DISTRICT_OFFICER, subdistrict=None)


@pytest.fixture
def other_admin(qinglong):
    return UserFactory(username="other_admin", role=Role.SUBDISTRICT_ADMIN, subdistrict=qinglong)


@pytest.fixture
def api():
    """An API client; `api.as_(user)` logs it in as that persona."""
    client = APIClient()

    def as_(user):
        client.force_authenticate(user)
        return client

    client.as_ = as_
    return client


@pytest.fixture
def web(client):
    """A browser-like client; `web.as_(user)` logs in as that persona."""

    def as_(user):
        client.force_login(user)
        return client

    client.as_ = as_
    return client


@pytest.fixture
def team_leader(heping, east):
    """刘队长: a team leader's account, linked to their volunteer record, who leads 幸福来敲门 of 东园."""
    from tests.volunteers.factories import MembershipFactory, TeamFactory, VolunteerFactory

    user = UserFactory(username="team_leader", first_name="刘队长", role=Role.TEAM_LEADER, subdistrict=heping)
    liu = VolunteerFactory(name="刘队长", community=east, account=user, party_member=True, work_unit="区税务局")
    team = TeamFactory(name="幸福来敲门", community=east, leader=liu)
    MembershipFactory(team=team, volunteer=liu)
    return user


@pytest.fixture
def happy_team(team_leader):
    return team_leader.volunteer.led_teams.get()


@pytest.fixture
def xiaohong(happy_team):
    from tests.volunteers.factories import MembershipFactory, VolunteerFactory

    volunteer = VolunteerFactory(name="陈小红", community=happy_team.community, phone="13911112222")
    MembershipFactory(team=happy_team, volunteer=volunteer)
    return volunteer


@pytest.fixture
def west_team(west):
    from tests.volunteers.factories import MembershipFactory, TeamFactory, VolunteerFactory

    team = TeamFactory(name="筷乐送餐", community=west, leader=VolunteerFactory(name="孙送餐", community=west))
    MembershipFactory(team=team, volunteer=team.leader)
    return team


@pytest.fixture
def outbox(settings):
    """The texts the portal sends to phones (tests.doubles.Outbox), empty at the start of each test."""
    from tests.doubles import Outbox

    settings.TEXT_MESSAGE_BACKEND = "tests.doubles.Outbox"
    Outbox.sent = []
    return Outbox.sent
