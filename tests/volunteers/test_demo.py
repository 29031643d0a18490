"""The demo's volunteers (volunteers.demo): teams with the offices' names, volunteers (some residents, some party
members), activities with attendance, orders in every state with ratings, pairings, and team1 leading a team."""

import pytest

from jiedao.models import Role
from volunteers.choices import OrderState
from volunteers.models import Activity, HoursEntry, OrderTransition, Pairing, ServiceOrder, Team, Volunteer

pytestmark = pytest.mark.django_db


def test_the_demo_has_teams_volunteers_orders_in_every_state_and_a_team_leader(db):
    from residents import demo
    from volunteers import demo as volunteers_demo

    result = demo.seed(residents=1500, seed=2)
    demo.ensure_accounts(result.subdistrict, "Demo-pass-2026")
    username, role, _ = volunteers_demo.ensure_team_leader(result.subdistrict, "Demo-pass-2026")
    made = volunteers_demo.seed_volunteers(subdistrict=result.subdistrict, seed=2)
    assert made == 12 and username == "team1" and role == Role.TEAM_LEADER.label
    assert {"幸福来敲门", "筷乐送餐", "小红星"} <= set(Team.objects.values_list("name", flat=True))
    assert Volunteer.objects.filter(resident__isnull=False).exists()
    assert Volunteer.objects.filter(party_member=True).exists()
    led = Team.objects.get(leader__account__username="team1")
    assert led.name == "幸福来敲门"
    states = set(ServiceOrder.objects.values_list("state", flat=True))
    assert states == {OrderState.REQUESTED, OrderState.DISPATCHED, OrderState.ACCEPTED, OrderState.DONE,
                      OrderState.RATED}
    assert OrderTransition.objects.filter(to_state=OrderState.DECLINED).exists()
    assert ServiceOrder.objects.filter(rating__isnull=False).exists()
    assert Activity.objects.filter(attendance__isnull=False).exists() and HoursEntry.objects.exists()
    assert Pairing.objects.exists()
    assert volunteers_demo.seed_volunteers(subdistrict=result.subdistrict, seed=2) == 0


def test_the_demo_gives_every_figure_of_the_volunteers_sheet_something(db):
    """钱领导 opens the demo's dashboard: every figure of 志愿服务's total is more than 0, and the whole
    sub-district's row (邻里互助队's volunteers, of no community) has its volunteers and hours."""
    from django.utils import timezone

    from reports.selectors import monthly_figures
    from reports.services import reader_of
    from residents import demo
    from volunteers import demo as volunteers_demo

    result = demo.seed(residents=1500, seed=2)
    demo.ensure_accounts(result.subdistrict, "Demo-pass-2026")
    volunteers_demo.ensure_team_leader(result.subdistrict, "Demo-pass-2026")
    volunteers_demo.seed_volunteers(subdistrict=result.subdistrict, seed=2)
    figures = monthly_figures(reader_of(result.subdistrict), timezone.localdate(), fresh=True)
    sheet = next(a for a in figures["areas"] if a["key"] == "volunteers")
    total = sheet["rows"][-1]["values"]
    empty = [c["label"] for c in sheet["columns"] if not total[c["key"]] or str(total[c["key"]]) == "0.00"]
    assert empty == []
    whole = next(r for r in sheet["rows"] if r["name"] == "街道（不分社区）")["values"]
    assert whole["registered"] > 0 and whole["served"] > 0 and whole["activities"] > 0
