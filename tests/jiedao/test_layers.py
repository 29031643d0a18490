"""The shape of the code: imports run one way (base → places and people → features → the top app), and
the models that moved between layers kept their tables and their rows."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.migrations import upgrading_from

ROOT = Path(__file__).resolve().parents[2]


def test_imports_run_one_way():
    # The same contract `make lint` checks (pyproject.toml, [tool.importlinter]).
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


# Each app as it stood before the moves: ServicePoint in elderly_care, the inbox in visits, the monthly
# report pack in the base, an export job naming a list view.
BEFORE = [("jiedao", "0006_monthly_report_made_via"), ("residents", "0004_care_tier_since"),
          ("elderly_care", "0001_initial"), ("visits", "0001_initial"), ("reports", None)]


@pytest.mark.django_db(transaction=True)
def test_an_office_upgrading_keeps_its_points_inbox_packs_and_export_jobs():
    with upgrading_from(BEFORE, others_as_now=False) as upgrade:
        old = upgrade.old
        street = old.get_model("residents", "Subdistrict").objects.create(name="和平里街道")
        east = old.get_model("residents", "Community").objects.create(subdistrict=street, name="东园社区")
        grid = old.get_model("residents", "Grid").objects.create(community=east, name="第1网格")
        canteen = old.get_model("elderly_care", "ServicePoint").objects.create(
            subdistrict=street, community=east, kind="canteen", name="东园老年食堂")
        operator = old.get_model("jiedao", "User").objects.create(username="point1", role="point_operator",
                                                                  subdistrict=street, service_point=canteen)
        resident = old.get_model("residents", "Resident").objects.create(
            name="张春露", id_number="110105194105020021", birth_date="1941-05-02", gender="F", grid=grid,
            community=east)
        old.get_model("visits", "Notification").objects.create(
            recipient=operator, kind="overdue", resident=resident, method="phone",
            message="张春露 的电话问候已逾期 1 天。", key="overdue:1:phone:2026-11-30:1")
        old.get_model("visits", "Notification").objects.create(
            recipient=operator, kind="case_review", resident=resident, message="张春露 的低保应于 2026-11-30 复核。",
            key="review:42:2026-11-30:1")
        old.get_model("jiedao", "MonthlyReport").objects.create(
            subdistrict=street, month="2026-10-01", version=1, checksum="0" * 64, size=3, content=b"abc")
        old.get_model("jiedao", "ExportJob").objects.create(user=operator, name="居民名册", total=1,
                                                            view="residents.views.ResidentListView")

        new = upgrade.to_latest()
        point = new.get_model("residents", "ServicePoint").objects.get()
        assert (point.pk, point.name) == (canteen.pk, "东园老年食堂")
        assert new.get_model("jiedao", "User").objects.get(username="point1").service_point_id == canteen.pk
        assert new.get_model("elderly_care", "Meal")._meta.get_field("point").related_model._meta.label == \
            "residents.ServicePoint"
        links = dict(new.get_model("jiedao", "Notification").objects.values_list("kind", "link"))
        assert links == {"overdue": f"/visits/new/{resident.pk}/?method=phone", "case_review": "/assistance/42/"}
        assert bytes(new.get_model("reports", "MonthlyReport").objects.get().content) == b"abc"
        assert new.get_model("jiedao", "ExportJob").objects.get().source == "residents.exports.RESIDENTS"
        moved = set(new.get_model("contenttypes", "ContentType").objects.filter(
            model__in=["servicepoint", "notification", "monthlyreport"]).values_list("app_label", "model"))
        assert moved <= {("residents", "servicepoint"), ("jiedao", "notification"), ("reports", "monthlyreport")}
