"""python manage.py monthly_report --month 2026-10 [--subdistrict 和平里街道]: build a month's pack by hand.
A month that already has one gets a new version; the old versions stay."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiedao.dates import MONTH_ERROR, parse_month
from residents.models import Subdistrict

from ...models import MonthlyReport
from ...services import previous_month, report_build, report_filename


class Command(BaseCommand):
    help = "生成月报（默认上个月、所有街道）；同一月份再次生成会保存为新版本。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM，默认上个月")
        parser.add_argument("--subdistrict", help="街道名称或编号，默认所有街道")

    def handle(self, *args, month=None, subdistrict=None, **options):
        chosen = parse_month(month) if month else previous_month()
        if chosen is None:
            raise CommandError(MONTH_ERROR)
        places = Subdistrict.objects.order_by("pk")
        if subdistrict:
            places = places.filter(pk=int(subdistrict)) if subdistrict.isdigit() else places.filter(name=subdistrict)
            if not places.exists():
                raise CommandError(f"找不到街道：{subdistrict}")
        for place in places:
            try:
                report = report_build(subdistrict=place, month=chosen, via=MonthlyReport.Via.COMMAND)
            except ValidationError as e:
                raise CommandError("；".join(e.message_dict["month"])) from e
            self.stdout.write(f"{report_filename(report)}  {report.size} 字节  sha256 {report.checksum}")
