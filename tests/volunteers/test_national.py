"""赵管理 uploads last month's hours to the national volunteer system: full ID numbers, on purpose, for her only,
audited as a full-number export, in a sealed file deleted with the exports."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiedao.crypto import is_sealed
from jiedao.models import AuditEntry, ExportJob
from tests.workbooks import read_sheet
from volunteers import services
from volunteers.choices import HoursSource
from volunteers.models import HoursEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_month():
    return timezone.localdate().replace(day=1) - timedelta(days=1)


@pytest.fixture
def hours(admin, team_leader, xiaohong, last_month):
    day = last_month.replace(day=10)
    made = HoursEntry.objects.create(volunteer=xiaohong, date=day, hours=Decimal("2.00"), source=HoursSource.ACTIVITY,
                                     project="楼道清扫", by=admin)
    HoursEntry.objects.create(volunteer=team_leader.volunteer, date=day, hours=Decimal("1.50"),
                              source=HoursSource.ORDER, project="上门保洁（服务单 1）", by=admin)
    HoursEntry.objects.create(volunteer=xiaohong, date=timezone.localdate().replace(day=1), hours=Decimal("3.00"),
                              source=HoursSource.ACTIVITY, project="本月的", by=admin)
    services.hours_adjust(actor=team_leader, entry=made, hours="1.75", reason="提前离场")
    return made


def test_the_admin_exports_a_months_hours_with_full_numbers_audited(web, admin, hours, xiaohong, last_month):
    response = web.as_(admin).post("/volunteers/national/", {"month": f"{last_month:%Y-%m}"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    rows, _ = read_sheet(web.as_(admin).get(f"/exports/{job.pk}/download/"))
    assert rows[0] == ("姓名", "证件类型", "证件号码", "服务日期", "服务时长", "项目名称")
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"刘队长", "陈小红"}
    assert by_name["陈小红"][1:3] == ("居民身份证", xiaohong.id_number)  # the full number, on purpose
    assert by_name["陈小红"][4] == 1.75  # the correction counts, not the original
    entry = AuditEntry.objects.get(action="export", target_type="exportjob", changes__full_numbers=True)
    assert entry.changes["rows"] == 2 and xiaohong.id_number not in str(entry.changes)
    # Sealed at rest, like every export file.
    with open(job.file.path, "rb") as stored:
        assert is_sealed(stored.read(16))


@pytest.mark.parametrize("persona", ["staff_east", "leader", "team_leader", "district", "auditor"])
def test_no_one_else_may_export_full_numbers(request, web, persona, hours, last_month):
    user = request.getfixturevalue(persona)
    assert web.as_(user).post("/volunteers/national/", {"month": f"{last_month:%Y-%m}"}).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_month_to_come_is_refused(web, admin):
    assert web.as_(admin).post("/volunteers/national/", {"month": f"{date.today().year + 1}-01"}).status_code == 400
    assert web.as_(admin).get("/volunteers/national/").status_code == 200
