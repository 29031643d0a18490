"""Existing rows meet the new money rules before 0004 makes them constraints.

- A case already approved, paid or closed was approved for what it asked: approved_amount = requested_amount
  (None where nothing, or 0, was asked in money, e.g. the ledger cases, as a new approval does: their payments
  then have no ceiling but AMOUNT_CAP).
- A monthly case's payment (低保, 特困) counts for the month its period starts in, or, without a period, the
  month it was paid in (period_month; the period itself is left as it was recorded).
- Payments the old code let through twice (a one-off case paid more than once, a monthly case paid twice
  for one month) keep the first one recorded (lowest id) live; each later one is voided, not deleted, with
  the reason below and no person as voider, and the audit log gets one entry per voided payment, so the
  office can look at each. Nothing else changes: amounts above the (backfilled) approval stay as they are.

Going back (to 0002) removes nothing: the voided rows stay voided until 0002 itself is unapplied.
"""

from django.db import migrations
from django.db.models import DateField, F
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

ONGOING = ("dibao", "tekun")
REASON = "系统升级：同一案件（按月发放的为同一月份）的重复发放，保留最早登记的一笔，其余作废"


def forwards(apps, schema_editor):
    # On the migrating connection (the owner's, DATABASE_OWNER_URL), not the runtime role's.
    db = schema_editor.connection.alias
    cases = apps.get_model("assistance", "Case").objects.using(db)
    disbursements = apps.get_model("assistance", "Disbursement").objects.using(db)
    AuditEntry = apps.get_model("jiedao", "AuditEntry")
    cases.filter(state__in=["approved", "disbursed", "closed"], approved_amount__isnull=True,
                        requested_amount__gt=0).update(approved_amount=F("requested_amount"))
    disbursements.filter(case__kind__in=ONGOING).update(
        period_month=TruncMonth(Coalesce("period_from", "paid_on"), output_field=DateField()))
    seen = set()
    duplicates = []
    live = (disbursements.filter(voided_at__isnull=True).order_by("id")
            .values_list("id", "case_id", "period_month", "amount", "case__resident__community__subdistrict_id"))
    for pk, case_id, month, amount, subdistrict_id in live.iterator(chunk_size=2000):
        key = (case_id, month)
        if key in seen:
            duplicates.append((pk, case_id, amount, subdistrict_id))
        seen.add(key)
    if not duplicates:
        return
    now = timezone.now()
    disbursements.filter(pk__in=[d[0] for d in duplicates]).update(voided_at=now, void_reason=REASON)
    AuditEntry.objects.using(db).bulk_create([
        AuditEntry(actor=None, actor_username="系统升级", action="update", target_type="disbursement",
                   target_id=str(pk), subdistrict_id=subdistrict_id,
                   changes={"voided_at": now.isoformat(), "void_reason": REASON, "amount": str(amount),
                            "case": case_id})
        for pk, case_id, amount, subdistrict_id in duplicates])


class Migration(migrations.Migration):

    dependencies = [
        ("assistance", "0002_money"),
        ("jiedao", "0008_notification_link"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
