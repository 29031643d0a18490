"""钱领导 opens the dashboard on Monday morning: how many people, how many elders, how the visits went,
what the canteens served and what relief was paid this month. Every number she clicks opens the list
it was counted from, showing the same number. Last month's figures are last month's, whatever was
entered since."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from assistance import services as relief
from assistance.models import Case, CaseTransition
from elderly_care.models import Meal, ServicePoint
from jiedao.pagination import Estimate, unfiltered
from residents.models import Resident, ResidentTag
from tests.doubles import addresses_off_the_app
from tests.elderly_care.factories import MealFactory
from tests.factories import ResidentFactory, ServicePointFactory
from tests.volunteers.factories import VolunteerFactory
from visits.models import Visit
from visits.services import default_rules_ensure
from volunteers import services as volunteering
from volunteers.models import PairingVisit, ServiceKind

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=TZ)


def this_month():
    return timezone.localdate().replace(day=1)


def last_month():
    return (this_month() - timedelta(days=1)).replace(day=1)


@pytest.fixture
def month_of_work(heping, east1, east2, west1, chen, admin, staff_east, gridder, operator, team_leader, happy_team,
                  xiaohong):
    """和平里 this month: elders with tags in both communities, visits, canteen meals (one a guest's),
    relief cases in several states, one paid (after a wrong payment was voided); a service order done by
    幸福来敲门 and rated, a pairing visited, a volunteer of the whole sub-district."""
    today = timezone.localdate()
    zhang = ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2), female=True,
                            tags=["living_alone", "dibao"])
    li = ResidentFactory(name="李秀英", grid=east2, birth=date(1958, 8, 9), female=True, tags=["empty_nest"])
    wang = ResidentFactory(name="王建国", grid=west1, birth=date(1985, 1, 20), tags=["disability"])
    young = ResidentFactory(name="赵小明", grid=west1, birth=date(2000, 3, 3))
    Visit.objects.create(resident=zhang, method="home", visitor=gridder, visited_at=at(today))
    Visit.objects.create(resident=zhang, method="phone", visitor=gridder, visited_at=at(today, 9))
    Visit.objects.create(resident=li, method="phone", visitor=staff_east, visited_at=at(today, 11))
    canteen = ServicePointFactory(community=east1.community, name="东园老年食堂")
    common = {"point": canteen, "date": today, "full_price": Decimal("15.00"), "rule": "60 岁以上",
              "operator": operator}
    MealFactory(resident=zhang, meal="lunch", price=Decimal("6.00"), subsidy=Decimal("9.00"), **common)
    MealFactory(resident=zhang, meal="dinner", price=Decimal("6.00"), subsidy=Decimal("9.00"), **common)
    MealFactory(resident=li, meal="lunch", price=Decimal("12.00"), subsidy=Decimal("3.00"), **common)
    MealFactory(guest=True, guest_id_number="110105195001010011", age=76, meal="lunch", price=Decimal("9.00"),
                subsidy=Decimal("6.00"), **common)
    data = {"reason": "生活困难", "household_size": 1, "monthly_income": Decimal("500"),
            "requested_amount": Decimal("1200")}
    paid = relief.case_open(actor=staff_east, resident=zhang, kind="temporary", data=data)
    for to, actor in [("community_reviewed", staff_east), ("subdistrict_reviewed", admin), ("publicized", admin)]:
        paid = relief.case_transition(actor=actor, case=paid, to=to)
    Case.objects.filter(pk=paid.pk).update(publicized_on=today - timedelta(days=8))
    paid = relief.case_transition(actor=admin, case=Case.objects.get(pk=paid.pk), to="approved")
    # Typed 1000.00 first, then corrected: the voided payment is listed but counts in no figure.
    wrong = relief.disbursement_add(actor=admin, case=paid, amount=Decimal("1000.00"), paid_on=today, method="bank")
    relief.disbursement_correct(actor=admin, payment=wrong, reason="金额录入错误", amount=Decimal("1200.00"))
    relief.case_open(actor=staff_east, resident=li, kind="medical", data=data)
    kind = ServiceKind.objects.create(subdistrict=heping, name="上门保洁")
    order = volunteering.order_create(actor=admin, resident=zhang, service=kind, wanted_at=timezone.now())
    volunteering.order_transition(actor=admin, order=order, to="dispatched", team=happy_team,
                                  deadline=timezone.now() + timedelta(days=2))
    volunteering.order_transition(actor=team_leader, order=order, to="accepted")
    volunteering.order_transition(actor=team_leader, order=order, to="done", note="已打扫",
                                  hours=[{"volunteer": xiaohong, "hours": "1.5"}])
    volunteering.order_transition(actor=staff_east, order=order, to="rated", rating=4)
    volunteering.order_create(actor=admin, resident=li, service=kind, wanted_at=timezone.now())
    pairing = volunteering.pairing_create(actor=staff_east, resident=li, volunteer=xiaohong)
    # Its visit as the pairing keeps it (the visits app's own record of it would change the visit figures above).
    PairingVisit.objects.create(pairing=pairing, visited_at=timezone.now(), by=staff_east)
    VolunteerFactory(name="杨帆", community=None, subdistrict=heping)
    return {"zhang": zhang, "li": li, "wang": wang, "young": young, "paid": paid, "admin": admin}


def _cells(figures):
    """Every (area, row name, column, value, link) of the figures."""
    for area in figures["areas"]:
        for row in area["rows"]:
            for column in area["columns"]:
                yield area, row, column, row["values"][column["key"]], row["links"].get(column["key"])


def test_every_figure_opens_the_list_it_was_counted_from_showing_the_same_number(api, web, leader, month_of_work,
                                                                               settings):
    # Every unfiltered list above this shows PostgreSQL's estimate (约 …): a figure's list never does, as
    # each link names a filter (在册居民: status=active), so it is counted exactly at any size.
    settings.LIST_COUNT_ESTIMATE_ABOVE = 0
    figures = api.as_(leader).get("/api/v1/dashboard/").json()
    checked = 0
    for area, row, column, value, link in _cells(figures):
        if column["measure"] is None:  # a rate: its link opens the overview that explains it
            assert link is None or link.startswith(reverse("visits:overview"))
            continue
        assert link, f"{area['title']} · {row['name']} · {column['label']} has no link"
        assert not unfiltered(QueryDict(urlsplit(link).query)), f"{area['title']} · {row['name']}: {link}"
        summary = web.as_(leader).get(link).context["summary"]
        shown = summary[column["measure"]]
        assert not isinstance(shown, Estimate), link
        assert str(shown) == str(value), f"{area['title']} · {row['name']} · {column['label']}: {link}"
        checked += 1
    for kind in next(a for a in figures["areas"] if a["key"] == "cases")["by_kind"]:
        for state, n in kind["states"].items():
            assert web.as_(leader).get(kind["links"][state]).context["summary"]["count"] == n
            checked += 1
    assert checked > 80


def test_the_figures_add_up_to_what_happened_this_month(api, leader, month_of_work):
    figures = api.as_(leader).get("/api/v1/dashboard/").json()
    areas = {a["key"]: a for a in figures["areas"]}
    rows = {r["name"]: r["values"] for r in areas["population"]["rows"]}
    assert (rows["东园社区"]["residents"], rows["东园社区"]["age60"], rows["东园社区"]["age80"]) == (2, 2, 1)
    assert (rows["西园社区"]["residents"], rows["西园社区"]["disability"], rows["合计"]["living_alone"]) == (2, 1, 1)
    visits = {r["name"]: r["values"] for r in areas["visits"]["rows"]}
    assert (visits["东园社区"]["visits"], visits["东园社区"]["home"], visits["东园社区"]["phone"]) == (3, 1, 2)
    # 张春露 (85, lives alone) and 李秀英 (68, empty nest) are target elders; only 张春露 had a home visit.
    assert (visits["合计"]["target"], visits["合计"]["target_visited"], visits["合计"]["target_rate"]) == (2, 1, 50.0)
    meals = {r["name"]: r["values"] for r in areas["meals"]["rows"]}
    assert meals["东园社区"] == {"meals": 3, "diners": 2, "paid": "24.00", "subsidy": "21.00"}
    assert meals["来宾及外街道居民"]["meals"] == 1
    assert meals["合计"] == {"meals": 4, "diners": 3, "paid": "33.00", "subsidy": "27.00"}
    cases = {r["name"]: r["values"] for r in areas["cases"]["rows"]}
    assert cases["东园社区"] == {"opened": 2, "in_progress": 1, "in_aid": 1, "disbursements": 1,
                               "disbursed": "1200.00"}
    assert figures["current"] is True and figures["month"] == this_month().strftime("%Y-%m")


def test_a_voided_payment_counts_in_no_figure_and_the_list_says_so(api, web, leader, admin, month_of_work):
    """The dashboard's 当月发放金额 is the disbursement list's total: the list shows the voided payment,
    marked, and leaves it out of its total; the figure's own link lists the live payments only."""
    figures = api.as_(leader).get("/api/v1/dashboard/").json()
    cases = next(a for a in figures["areas"] if a["key"] == "cases")
    total = cases["rows"][-1]
    assert (total["values"]["disbursements"], total["values"]["disbursed"]) == (1, "1200.00")
    everything = web.as_(leader).get(reverse("assistance:disbursement_list")).context["summary"]
    assert (everything["count"], everything["voided"], str(everything["amount"])) == (2, 1, "1200.00")
    linked = web.as_(leader).get(total["links"]["disbursements"]).context["summary"]
    assert (linked["count"], str(linked["amount"])) == (1, "1200.00")
    page = web.as_(leader).get(reverse("dashboard")).content.decode()
    assert "1,200.00" in page


def test_last_month_is_read_as_it_stood_at_its_end(api, leader, month_of_work, east1, west1):
    """A resident registered this month is not in last month's register; one who died this month still is;
    a case opened last month and approved this month was still being decided at last month's end."""
    end_of_last = this_month() - timedelta(days=1)
    long_ago = at(last_month()) - timedelta(days=400)
    Resident.objects.update(created_at=long_ago)
    newcomer = ResidentFactory(name="刘新来", grid=east1, birth=date(1940, 1, 1))  # registered today
    Resident.objects.filter(pk=month_of_work["young"].pk).update(
        status="deceased", status_date=timezone.localdate())
    paid = month_of_work["paid"]
    Case.objects.filter(pk=paid.pk).update(opened_at=at(last_month()))
    CaseTransition.objects.filter(case=paid, to_state__in=["applied", "community_reviewed"]).update(
        at=at(last_month()))
    figures = api.as_(leader).get(f"/api/v1/dashboard/?month={last_month():%Y-%m}").json()
    assert figures["current"] is False and figures["as_of"] == end_of_last.isoformat()
    areas = {a["key"]: a for a in figures["areas"]}
    population = {r["name"]: r["values"] for r in areas["population"]["rows"]}
    assert population["东园社区"]["residents"] == 2  # not 刘新来
    assert population["西园社区"]["residents"] == 2  # 赵小明 was alive at the end of last month
    cases = {r["name"]: r["values"] for r in areas["cases"]["rows"]}
    assert (cases["东园社区"]["opened"], cases["东园社区"]["in_progress"], cases["东园社区"]["in_aid"]) == (1, 1, 0)
    assert cases["东园社区"]["disbursed"] == "0.00"  # paid this month, not last
    # A past month's register has no list of its own: those figures carry no link.
    assert all(not r["links"] for r in areas["population"]["rows"])
    assert newcomer.pk  # registered, and counted this month:
    now = api.as_(leader).get("/api/v1/dashboard/").json()
    assert {r["name"]: r["values"] for r in now["areas"][0]["rows"]}["东园社区"]["residents"] == 3


@pytest.mark.parametrize("persona", ["leader", "admin", "district"])
def test_leaders_admins_and_the_district_bureau_read_the_dashboard(request, web, api, persona, month_of_work):
    user = request.getfixturevalue(persona)
    assert web.as_(user).get(reverse("dashboard")).status_code == 200
    assert api.as_(user).get("/api/v1/dashboard/").status_code == 200


@pytest.mark.parametrize("persona", ["staff_east", "gridder", "auditor", "operator", "security",
                                     "district_security"])
def test_other_roles_do_not(request, web, api, persona):
    user = request.getfixturevalue(persona)
    assert web.as_(user).get(reverse("dashboard")).status_code == 403
    response = api.as_(user).get("/api/v1/dashboard/")
    assert response.status_code == 403 and "无权" in response.json()["detail"]


def test_each_sub_district_sees_its_own_and_the_bureau_sees_all(api, other_admin, district, month_of_work):
    theirs = api.as_(other_admin).get("/api/v1/dashboard/").json()
    assert [r["name"] for r in theirs["areas"][0]["rows"]] == ["青龙社区", "合计"]
    assert theirs["areas"][0]["rows"][-1]["values"]["residents"] == 1
    everyone = api.as_(district).get("/api/v1/dashboard/").json()
    names = [r["name"] for r in everyone["areas"][0]["rows"]]
    assert names[-1] == "合计" and everyone["areas"][0]["rows"][-1]["values"]["residents"] == 5
    assert "和平里街道·东园社区" in names and "青龙街道·青龙社区" in names


def test_a_wrong_month_is_a_clear_message_not_an_error(api, web, leader):
    for raw in ["2026-13", "next", f"{timezone.localdate().year + 1}-01"]:
        response = api.as_(leader).get(f"/api/v1/dashboard/?month={raw}")
        assert response.status_code == 400 and "YYYY-MM" in response.json()["month"][0]
    page = web.as_(leader).get(reverse("dashboard") + "?month=nonsense")
    assert page.status_code == 200 and "月份格式" in page.content.decode()


def test_the_page_draws_its_charts_from_the_apps_own_files(web, leader, month_of_work):
    html = web.as_(leader).get(reverse("dashboard")).content.decode()
    assert "/static/vendor/chart.js/chart.umd.min.js" in html and "/static/js/dashboard.js" in html
    assert 'id="dashboard-data"' in html and "http" not in html.split('id="dashboard-data"')[1].split("</script>")[0]
    assert addresses_off_the_app(html) == []


def test_the_dashboard_asks_the_database_a_fixed_number_of_questions(api, leader, heping, month_of_work, east1,
                                                                    django_assert_num_queries):
    # Communities (1); the schedule behind the overdue list: the most overdue stored dates with the count of
    # all, the dates of those never visited (2; curtain signs are never overdue: not read), and the overdue
    # residents shown (1); population: counts, tags (2);
    # visits, for the month's days before today: counts with the planned visits for the on-time rate, the target
    # elders with those of them visited at home (2), and for today apart: counts with the planned, those visited
    # at home today, the elders first visited among them (3);
    # meals: per community and the others' in one pass (the total is their sum), before today and today (2);
    # cases: by state, opened, disbursements (3); children: programmes, enrolments, attendance, nutrition
    # rounds, wishes (5); volunteers: volunteers, hours, activities, orders by state, orders done and rated,
    # pairings (6). On the 1st there are no earlier days: today's visits count the target elders too (2) and
    # meals are today's (1).
    # More people, visits or overdue items add no question.
    queries = 23 if timezone.localdate().day == 1 else 27
    default_rules_ensure(subdistrict=heping)
    li = month_of_work["li"]
    li.care_tier, li.care_tier_since = "key", timezone.localdate() - timedelta(days=30)
    li.save()  # as the registry's service would: her plan's dates are stored with it
    with django_assert_num_queries(queries):
        first = api.as_(leader).get("/api/v1/dashboard/").json()
    assert first["overdue"]["count"] >= 1
    for n in range(10):
        person = ResidentFactory(name=f"新居民{n}", grid=east1, birth=date(1940, 1, 1), tags=["living_alone"],
                                 care_tier="key", care_tier_since=timezone.localdate() - timedelta(days=30))
        Visit.objects.create(resident=person, method="home", visitor=leader, visited_at=at(timezone.localdate()))
    with django_assert_num_queries(queries):  # new residents: every part that reads residents is counted again
        again = api.as_(leader).get("/api/v1/dashboard/").json()
    assert again["overdue"]["count"] > first["overdue"]["count"]


def test_figures_are_cached_until_something_they_count_changes(api, leader, month_of_work, east1, operator,
                                                               django_assert_num_queries):
    client = api.as_(leader)
    first = client.get("/api/v1/dashboard/").json()
    with django_assert_num_queries(1):  # only the communities: every part comes from the cache
        assert client.get("/api/v1/dashboard/").json() == first
    meals = {r["name"]: r["values"] for r in first["areas"][2]["rows"]}
    canteen = ServicePoint.objects.get()
    MealFactory(point=canteen, resident=month_of_work["li"], meal="dinner", price=Decimal("12.00"),
                subsidy=Decimal("3.00"), rule="60 岁以上", operator=operator)
    after_meal = client.get("/api/v1/dashboard/").json()
    total_meals = {r["name"]: r["values"] for r in after_meal["areas"][2]["rows"]}["合计"]["meals"]
    assert total_meals == meals["合计"]["meals"] + 1
    ResidentFactory(name="刘新来", grid=east1, birth=date(1940, 1, 1), tags=["living_alone"])
    after_resident = client.get("/api/v1/dashboard/").json()
    population = {r["name"]: r["values"] for r in after_resident["areas"][0]["rows"]}
    assert (population["合计"]["residents"], population["合计"]["living_alone"]) == (5, 2)
    # A tag the case service adds (in bulk: no save signal) is counted at once too: 张春露's 临时救助
    # does not tag, so open her a 低保 case and approve it.
    from assistance.services import sync_case_tags

    ResidentTag.objects.filter(resident=month_of_work["wang"]).delete()
    before = {r["name"]: r["values"] for r in client.get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
    Case.objects.create(resident=month_of_work["wang"], kind="dibao", state="approved", reason="台账补录",
                        created_by=month_of_work["admin"])
    sync_case_tags(actor=month_of_work["admin"], resident=month_of_work["wang"])
    after = {r["name"]: r["values"] for r in client.get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
    assert (before["西园社区"]["dibao"], after["西园社区"]["dibao"]) == (0, 1)


def test_a_neighbours_meal_at_our_canteen_is_counted_once_and_the_rows_add_up(api, web, leader, month_of_work,
                                                                              chen, operator):
    """陈青龙 of 青龙街道 eats at 东园's canteen: his meal is 和平里's to count (its point), under 来宾及外街道居民."""
    MealFactory(point=ServicePoint.objects.get(), resident=chen, meal="lunch", price=Decimal("15.00"),
                subsidy=Decimal("0.00"), rule="无优惠", operator=operator)
    meals = next(a for a in api.as_(leader).get("/api/v1/dashboard/").json()["areas"] if a["key"] == "meals")
    rows = {r["name"]: r for r in meals["rows"]}
    assert rows["来宾及外街道居民"]["values"]["meals"] == 2
    assert sum(r["values"]["meals"] for r in meals["rows"][:-1]) == rows["合计"]["values"]["meals"] == 5
    listed = web.as_(leader).get(rows["来宾及外街道居民"]["links"]["meals"]).context["summary"]
    assert (listed["count"], listed["diners"]) == (2, 2)


def test_a_month_without_visits_has_no_on_time_rate_rather_than_a_perfect_one(api, leader, month_of_work):
    october = api.as_(leader).get(f"/api/v1/dashboard/?month={last_month():%Y-%m}").json()
    assert october["compliance"]["visits"] == 0 and october["compliance"]["rate"] is None
    assert october["compliance"]["link"] is None  # the overview shows this month's rate only


def test_figures_written_in_a_transaction_start_afresh_again_when_it_commits(django_capture_on_commit_callbacks):
    """A reader between the write and its commit would cache the old figures under the new generation:
    the generation moves on once more at commit."""
    from django.core.cache import cache

    from reports.selectors import figures_changed

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        figures_changed(Meal)
    during = cache.get("figures:generation:meals:all")  # (no row: every sub-district)
    assert during is not None and len(callbacks) == 1
    callbacks[0]()
    assert cache.get("figures:generation:meals:all") != during


def test_whether_anything_happened_this_month_is_asked_as_each_spans_first_row_in_its_own_order(leader):
    """Four questions (a visit, a meal, a case opened, a payment this month), each the first row of its span in
    the span's column order, so that PostgreSQL walks that column's index and stops at the first (as EXISTS it
    read the table oldest first: 8 ms for a month's first meal at 100,000, 179 ms for no payment at a million)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import month_to_open

    with CaptureQueriesContext(connection) as ctx:
        assert month_to_open(leader)[1] is True  # nothing yet: last month
    ordered = [q["sql"].rsplit("ORDER BY", 1)[-1] for q in ctx.captured_queries]
    assert len(ordered) == 4
    for sql, column in zip(ordered, ["visited_at", "date", "opened_at", "paid_on"], strict=True):
        assert f'."{column}" ASC' in sql and "LIMIT 1" in sql


def test_on_the_first_of_the_month_the_dashboard_opens_on_the_month_that_just_ended(web, leader, admin, east1,
                                                                                       gridder):
    """钱领导 opens the dashboard on the 1st: nothing has been done this month yet, so it shows last month,
    says so, and names the month; once a visit is recorded this month it opens on this month."""
    zhang = ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2))
    Resident.objects.update(created_at=at(last_month()) - timedelta(days=400))
    Visit.objects.create(resident=zhang, method="home", visitor=gridder,
                         visited_at=at(last_month() + timedelta(days=3)))
    page = web.as_(leader).get(reverse("dashboard"))
    html = page.content.decode()
    assert page.context["figures"]["month"] == f"{last_month():%Y-%m}" and page.context["figures"]["current"] is False
    assert f"数据看板 · {last_month():%Y-%m}（已结束）" in html
    assert f"本月（{this_month():%Y-%m}）还没有" in html and f"先显示上月 {last_month():%Y-%m} 的数据" in html
    # Asked for, this month is shown as it is, with no note.
    asked = web.as_(leader).get(reverse("dashboard") + f"?month={this_month():%Y-%m}")
    assert asked.context["figures"]["current"] is True and "先显示上月" not in asked.content.decode()
    Visit.objects.create(resident=zhang, method="phone", visitor=gridder, visited_at=timezone.now())
    page = web.as_(leader).get(reverse("dashboard"))
    assert page.context["figures"]["month"] == f"{this_month():%Y-%m}" and "先显示上月" not in page.content.decode()
    assert f"数据看板 · {this_month():%Y-%m}（本月）" in page.content.decode()


def test_the_bureau_reads_the_communities_grouped_by_sub_district_with_a_subtotal_each(api, web, district,
                                                                                         month_of_work, qinglong):
    """郑区局 reads two sub-districts: each one's communities, then its subtotal, and the total of all; each
    subtotal opens its list (filtered by 街道) showing the same number."""
    figures = api.as_(district).get("/api/v1/dashboard/").json()
    population = figures["areas"][0]
    assert [r["name"] for r in population["rows"]] == [
        "和平里街道·东园社区", "和平里街道·西园社区", "和平里街道 小计", "青龙街道·青龙社区", "青龙街道 小计", "合计"]
    values = {r["name"]: r["values"] for r in population["rows"]}
    assert values["和平里街道 小计"]["residents"] == 4 and values["青龙街道 小计"]["residents"] == 1
    assert values["合计"]["residents"] == 5  # the subtotals are not counted twice
    checked = 0
    for area, row, column, value, link in _cells(figures):
        if not row["subtotal"] or column["measure"] is None:
            continue
        assert "subdistrict=" in link, f"{area['title']} · {row['name']} · {column['label']}"
        shown = web.as_(district).get(link).context["summary"][column["measure"]]
        assert str(shown) == str(value), f"{area['title']} · {row['name']} · {column['label']}: {link}"
        checked += 1
    assert checked > 25
    page = web.as_(district).get(reverse("dashboard"))
    html = page.content.decode()
    assert 'class="subtotal"' in html and "全部街道（按街道分组）" in html and "全区 2 个街道" in html


def test_the_bureau_picks_one_sub_district_and_reads_its_communities(web, api, district, month_of_work, heping,
                                                                      qinglong):
    page = web.as_(district).get(reverse("dashboard") + f"?subdistrict={heping.pk}")
    figures = page.context["figures"]
    assert [r["name"] for r in figures["areas"][0]["rows"]] == ["东园社区", "西园社区", "和平里街道 合计"]
    assert figures["areas"][0]["rows"][-1]["values"]["residents"] == 4
    cases = next(a for a in figures["areas"] if a["key"] == "cases")
    assert sum(n for k in cases["by_kind"] for n in k["states"].values()) == 2  # 和平里's two cases
    assert all(f"subdistrict={heping.pk}" in link for k in cases["by_kind"] for link in k["links"].values())
    assert "数据看板 · 和平里街道" in page.content.decode()
    assert api.as_(district).get(f"/api/v1/dashboard/?subdistrict={heping.pk}").json()["areas"] == figures["areas"]
    assert api.as_(district).get("/api/v1/dashboard/?subdistrict=x").status_code == 400
    for bad in ["999999", "x", "²"]:
        wrong = web.as_(district).get(reverse("dashboard") + f"?subdistrict={bad}")
        assert wrong.status_code == 200 and "没有这个街道" in wrong.content.decode()


def test_a_leader_has_no_sub_district_picker(web, leader, month_of_work, qinglong):
    page = web.as_(leader).get(reverse("dashboard") + f"?subdistrict={qinglong.pk}")
    assert page.context["chosen"] is None and "全部街道" not in page.content.decode()
    assert [r["name"] for r in page.context["figures"]["areas"][0]["rows"]] == ["东园社区", "西园社区", "合计"]


def test_the_tables_rows_are_drawn_as_the_template_engine_drew_them():
    # The rows are written in one pass (reports/templatetags/figure_rows.py); the engine's own markup for
    # them, kept here, is what they must equal, for every kind of value a cell holds: counts, rates, sums of
    # money as text, none, a name and a label that need escaping, a link with a query string.
    from django.template import Context, Template

    engine = Template(
        '{% for name, cells, subtotal in rows %}<tr{% if forloop.last %} class="total"{% elif subtotal %} '
        'class="subtotal"{% endif %}><td data-label="社区">{{ name }}</td>{% for value, link, label in cells %}'
        '<td data-label="{{ label }}">{% if link %}<a href="{{ link }}">{{ value|default_if_none:"—" }}</a>'
        '{% else %}{{ value|default_if_none:"—" }}{% endif %}</td>{% endfor %}</tr>{% endfor %}')
    ours = Template("{% load figure_rows %}{% figure_rows rows %}")
    rows = [("东园社区", [(12, "/residents/?community=3&tag=living_alone", "独居"), (93.5, None, "上门率 %")], None),
            ('<b>"北"&社区</b>', [(None, None, "走访"), ("3,000.00", "/assistance/?a=1&b=2", "发放（元）")], False),
            ("和平里街道 小计", [(0, "/visits/?subdistrict=1", "电话"), (Decimal("12.50"), None, "时长")], True),
            ("合计", [(1234567, "/x/", "<合计>"), (0.0, None, "率")], None)]
    for shown in (rows, rows[:1], []):
        assert ours.render(Context({"rows": shown})) == engine.render(Context({"rows": shown}))


def test_the_cached_figures_are_the_databases_after_every_kind_of_change(admin, leader, district, month_of_work, east1,
                                                                       west1, operator, staff_west, qinglong_grid):
    """Each community's counts are cached apart and only the changed ones counted again: after a move, a tag,
    a new resident, a meal and a visit of earlier days, a guest and a case opened, what 钱领导 and 郑区局 read (from
    the cache, each part and community as fresh as its last change) is what the database gives counted whole."""
    from reports.selectors import monthly_figures
    from residents.services import resident_update

    today = timezone.localdate()
    earlier = today - timedelta(days=1) if today.day > 1 else today
    zhang, li, wang = month_of_work["zhang"], month_of_work["li"], month_of_work["wang"]
    ResidentFactory(name="青龙居民", grid=qinglong_grid)
    canteen = ServicePoint.objects.get(name="东园老年食堂")
    changes = [
        lambda: resident_update(actor=admin, resident=Resident.objects.get(pk=zhang.pk), data={"grid": west1}),
        lambda: resident_update(actor=admin, resident=Resident.objects.get(pk=li.pk), data={"tags": ["living_alone"]}),
        lambda: ResidentFactory(name="新居民", grid=east1, birth=date(1944, 2, 2), tags=["empty_nest"]),
        lambda: MealFactory(point=canteen, resident=wang, date=earlier, operator=operator),
        lambda: MealFactory(point=canteen, guest=True, date=earlier, age=70, operator=operator),
        lambda: Visit.objects.create(resident=Resident.objects.get(pk=li.pk), method="home", visitor=admin,
                                     visited_at=at(earlier, 15)),
        lambda: relief.case_open(actor=staff_west, resident=Resident.objects.get(pk=wang.pk), kind="temporary", data={
            "reason": "生活困难", "household_size": 1, "monthly_income": Decimal("500"),
            "requested_amount": Decimal("800")}),
        lambda: _moved(zhang, qinglong_grid),  # to another sub-district: no one person's scope holds both
    ]
    for change in changes:
        for who in (leader, district):
            monthly_figures(who, today)  # warm
        change()
        for who in (leader, district):
            assert monthly_figures(who, today) == monthly_figures(who, today, fresh=True), who


def _moved(resident, grid):
    resident = Resident.objects.get(pk=resident.pk)
    resident.grid, resident.community = grid, grid.community
    resident.save()
