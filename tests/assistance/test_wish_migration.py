"""An office upgrading with 微心愿 recorded as relief cases: each becomes a wish with its steps as far as they map,
the case stays readable as it was and can no longer be moved, and no new case of that kind is opened."""

from datetime import date

import pytest

from tests.migrations import upgrading_from

BEFORE = [("assistance", "0005_wishes")]


@pytest.mark.django_db(transaction=True)
def test_wish_cases_become_wishes_with_their_history_and_the_cases_stay_readable():
    with upgrading_from(BEFORE) as upgrade:
        old = upgrade.old
        street = old.get_model("residents", "Subdistrict").objects.create(name="和平里街道")
        east = old.get_model("residents", "Community").objects.create(subdistrict=street, name="东园社区")
        grid = old.get_model("residents", "Grid").objects.create(community=east, name="东一网格")
        staff = old.get_model("jiedao", "User").objects.create(username="staff", role="community_staff",
                                                               subdistrict=street)
        admin = old.get_model("jiedao", "User").objects.create(username="admin", role="subdistrict_admin",
                                                               subdistrict=street)
        Resident = old.get_model("residents", "Resident")
        child = Resident.objects.create(name="刘小明", id_number="110105201803010013", birth_date=date(2018, 3, 1),
                                        gender="M", grid=grid, community=east)
        elder = Resident.objects.create(name="张春露", id_number="110105194105020021", birth_date=date(1941, 5, 2),
                                        gender="F", grid=grid, community=east)
        Case, Step = old.get_model("assistance", "Case"), old.get_model("assistance", "CaseTransition")

        def case(resident, state, steps, amount="60.00", service="一套水彩笔"):
            made = Case.objects.create(resident=resident, kind="micro_wish", state=state, reason="喜欢画画",
                                       requested_service=service, requested_amount=amount, created_by=staff)
            previous = ""
            for to, by, comment in steps:
                Step.objects.create(case=made, from_state=previous, to_state=to, by=by, comment=comment)
                previous = to
            return made

        done = case(child, "closed", [("applied", staff, "受理"), ("community_reviewed", staff, "核实"),
                                      ("subdistrict_reviewed", admin, ""), ("publicized", admin, ""),
                                      ("approved", admin, ""), ("disbursed", admin, "已送达"), ("closed", admin, "")])
        turned_down = case(elder, "rejected", [("applied", staff, ""), ("rejected", staff, "已由子女解决")],
                           service="一台收音机")
        ledger = case(elder, "approved", [], amount=None, service="")  # backfilled, no steps, asked no sum
        dibao = Case.objects.create(resident=elder, kind="dibao", state="applied", reason="困难", created_by=staff)

        new = upgrade.to_latest()
        Wish, Case = new.get_model("assistance", "Wish"), new.get_model("assistance", "Case")
        wishes = {w.source_case_id: w for w in Wish.objects.all()}
        assert set(wishes) == {done.pk, turned_down.pk, ledger.pk}  # the 低保 case is no wish
        fulfilled = wishes[done.pk]
        assert (fulfilled.state, fulfilled.wish, fulfilled.value, fulfilled.for_child) == (
            "fulfilled", "一套水彩笔", 60, True)
        assert fulfilled.fulfilled_on and fulfilled.donor == "（迁移前未登记）"
        steps = list(fulfilled.transitions.order_by("at", "pk").values_list("to_state", "by__username", "comment"))
        assert steps == [("collected", "staff", "受理"), ("reviewed", "staff", "核实"), ("published", "admin", ""),
                         ("fulfilled", "admin", "已送达")]
        withdrawn = wishes[turned_down.pk]
        assert (withdrawn.state, withdrawn.withdrawn_reason, withdrawn.for_child) == (
            "withdrawn", "已由子女解决", False)
        backfilled = wishes[ledger.pk]
        assert (backfilled.state, backfilled.value, backfilled.wish) == ("published", None, "喜欢画画")
        assert list(backfilled.transitions.values_list("from_state", "to_state")) == [
            ("", "collected"), ("collected", "published")]
        assert Case.objects.filter(kind="micro_wish").count() == 3  # kept, readable, as they were
        assert Case.objects.get(pk=done.pk).state == "closed" and Case.objects.filter(pk=dibao.pk).exists()


def test_an_old_wish_case_can_no_longer_be_moved_and_none_is_opened(api, staff_east, li):
    from tests.assistance.factories import CaseFactory

    old = CaseFactory(resident=li, kind="micro_wish", created_by=staff_east)
    moved = api.as_(staff_east).post(f"/api/v1/cases/{old.pk}/transition/", {"to": "community_reviewed"},
                                     format="json")
    assert moved.status_code == 400 and "微心愿" in moved.json()["to"][0]
    opened = api.as_(staff_east).post("/api/v1/cases/", {"resident": li.pk, "kind": "micro_wish", "reason": "想要"},
                                      format="json")
    assert opened.status_code == 400 and "不受理" in opened.json()["kind"][0]
