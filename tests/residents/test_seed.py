"""seed_demo builds a believable sub-district, the same one for the same seed."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from jiedao.models import Role, User
from residents import demo, id_numbers
from residents.models import Community, Grid, Household, Resident, ResidentTag

pytestmark = pytest.mark.django_db


def _snapshot():
    # Sorted here: the stored numbers are ciphertext, whose order says nothing.
    return sorted(Resident.objects.values_list("name", "id_number", "grid__name", "care_tier"), key=lambda r: r[1])


def test_the_demo_has_places_people_and_every_account(capsys):
    call_command("seed_demo", "--residents", "1500", "--password", "Demo-pass-2026", "--seed", "7")
    out = capsys.readouterr().out
    assert "Demo-pass-2026" in out and "staff1" in out
    assert Community.objects.count() >= 3
    assert all(n >= 2 for n in Community.objects.annotate(n=Count("grids")).values_list("n", flat=True))
    assert Resident.objects.count() == 1500 and Household.objects.exists()
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": Role.SUBDISTRICT_ADMIN, "leader": Role.SUBDISTRICT_LEADER, "security": Role.SECURITY_ADMIN,
        "auditor": Role.AUDITOR,
        "district": Role.DISTRICT_OFFICER, "staff1": Role.COMMUNITY_STAFF, "staff2": Role.COMMUNITY_STAFF,
        "staff3": Role.COMMUNITY_STAFF, "grid1": Role.GRID_WORKER, "grid2": Role.GRID_WORKER,
        "grid3": Role.GRID_WORKER, "point1": Role.POINT_OPERATOR, "team1": Role.TEAM_LEADER,
        "admin2": Role.SUBDISTRICT_ADMIN, "staff4": Role.COMMUNITY_STAFF}  # 安贞街道's, next door
    first_three = list(Community.objects.filter(subdistrict__name="和平里街道").order_by("id")[:3])
    for i, community in enumerate(first_three, start=1):
        assert list(User.objects.get(username=f"staff{i}").communities.all()) == [community]
        assert list(User.objects.get(username=f"grid{i}").grids.all()) == [
            Grid.objects.filter(community=community).order_by("id").first()]
    assert User.objects.get(username="admin").check_password("Demo-pass-2026")


def test_every_demo_resident_has_a_valid_id_number_and_plausible_ages_and_tags():
    demo.seed(residents=3000, seed=3)
    today = timezone.localdate()
    ages = [id_numbers.age_between(b, today) for b in Resident.objects.values_list("birth_date", flat=True)]
    for number in Resident.objects.values_list("id_number", flat=True):
        id_numbers.parse(number)
    over60 = sum(a >= 60 for a in ages) / len(ages)
    over80 = sum(a >= 80 for a in ages) / len(ages)
    assert 0.15 < over60 < 0.30 and 0.04 < over80 < 0.12
    alone = ResidentTag.objects.filter(tag="living_alone").count() / sum(a >= 60 for a in ages)
    assert 0.05 < alone < 0.20
    assert ResidentTag.objects.filter(tag="dibao").count() < 0.05 * len(ages)
    assert not Household.objects.filter(head__isnull=True).exists()
    # The head is the oldest member, and a child is at least 18 years younger than the head.
    from django.db.models import F, Min

    assert not Household.objects.annotate(oldest=Min("members__birth_date")).exclude(
        head__birth_date=F("oldest")).exists()
    children = Resident.objects.filter(relation_to_head="child").select_related("household__head")
    assert all(id_numbers.age_between(c.household.head.birth_date, today) - id_numbers.age_between(c.birth_date, today)
               >= 18 for c in children)


def test_the_same_seed_gives_the_same_sub_district():
    demo.seed(residents=400, seed=11)
    first = _snapshot()
    Resident.objects.all().delete()
    Household.objects.all().delete()
    Grid.objects.all().delete()
    Community.objects.all().delete()
    from residents.models import Subdistrict

    Subdistrict.objects.all().delete()
    demo.seed(residents=400, seed=11)
    assert _snapshot() == first


def test_seeding_twice_adds_nothing():
    demo.seed(residents=300, seed=1)
    again = demo.seed(residents=300, seed=1)
    assert not again.created and Resident.objects.count() == 300


def test_every_demo_account_signs_in_with_the_printed_secret(capsys, client):
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiedao.otp import DEMO_TOTP_SECRET, hex_key
    from tests.otp import code

    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    call_command("seed_demo", "--residents", "400", "--password", "Demo-pass-2026", "--totp-secret", secret)
    out = capsys.readouterr().out
    assert secret in out and "otpauth://totp/" in out and f"secret={secret}" in out
    # 15 demo accounts: 和平里's twelve (residents.demo.ensure_accounts, the security admin's too), its team leader
    # team1 (volunteers.demo) and 安贞's two.
    assert TOTPDevice.objects.filter(confirmed=True, key=hex_key(secret)).count() == User.objects.count() == 15
    client.post(reverse("login"), {"username": "staff1", "password": "Demo-pass-2026"})
    assert client.post(reverse("otp_verify"), {"code": code(secret)})["Location"] == reverse("home")
    # Run again without the option: the fixed demo secret, which it prints.
    call_command("seed_demo", "--residents", "400", "--password", "Demo-pass-2026")
    assert DEMO_TOTP_SECRET in capsys.readouterr().out
    assert TOTPDevice.objects.filter(key=hex_key(DEMO_TOTP_SECRET)).count() == 15 == TOTPDevice.objects.count()


@pytest.mark.parametrize("secret", ["not-base32!", "", "ABCDEFGH"])
def test_a_secret_that_is_no_base32_key_is_refused(secret):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Base32"):
        call_command("seed_demo", "--residents", "50", "--totp-secret", secret)


def test_the_demo_has_two_sub_districts_and_last_months_report_pack(capsys):
    """The district bureau's view needs more than one sub-district; a leader opening 月报 finds last month's
    pack, as the 02:00 job on the 1st would have built it."""
    from reports.models import MonthlyReport
    from reports.services import previous_month
    from residents.models import Subdistrict

    call_command("seed_demo", "--residents", "1500", "--seed", "7")
    by_name = dict(Subdistrict.objects.annotate(n=Count("communities__residents")).values_list("name", "n"))
    assert by_name == {"和平里街道": 1350, "安贞街道": 150}  # the total asked for, a tenth next door
    assert User.objects.get(username="admin2").subdistrict.name == "安贞街道"
    assert set(MonthlyReport.objects.filter(month=previous_month()).values_list("subdistrict__name", flat=True)) == {
        "和平里街道", "安贞街道"}
    assert "2 份上月月报" in capsys.readouterr().out
