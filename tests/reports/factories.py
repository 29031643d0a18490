"""Factories of reports: a version of a sub-district's monthly report pack."""

import hashlib
import io

import factory

from jiedao.xlsx import write_book
from reports.models import MonthlyReport
from reports.services import previous_month
from tests.factories import SubdistrictFactory


def _cover(subdistrict, month) -> bytes:
    stream = io.BytesIO()
    write_book(stream, [("封面", [("项目", 16), ("内容", 60)],
                         [("报表", f"{subdistrict.name}民政工作月报"), ("统计月份", f"{month:%Y-%m}")])])
    return stream.getvalue()


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    """Last month's pack as the 1st's scheduled run builds it: the next version of that month, a real
    workbook (a cover sheet only) and its checksum."""

    class Meta:
        model = MonthlyReport

    subdistrict = factory.SubFactory(SubdistrictFactory)
    month = factory.LazyFunction(previous_month)
    # A rebuild adds a version (unique per sub-district and month).
    version = factory.LazyAttribute(
        lambda o: MonthlyReport.objects.filter(subdistrict=o.subdistrict, month=o.month).count() + 1)
    made_by = None
    made_via = MonthlyReport.Via.SCHEDULE
    figures = factory.LazyAttribute(lambda o: {"month": f"{o.month:%Y-%m}", "areas": []})
    content = factory.LazyAttribute(lambda o: _cover(o.subdistrict, o.month))
    checksum = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    size = factory.LazyAttribute(lambda o: len(o.content))
