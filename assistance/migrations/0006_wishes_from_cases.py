"""The relief cases of kind 微心愿 become wishes (Wish), with their history as far as it maps.

The cases themselves stay as they were, readable (their audit entries, any payment or scan point at them),
and can no longer be moved (assistance.services.RETIRED_KINDS): the wish, which names its case, carries the
work on. A case's steps map onto the wish's path: 申请 → 征集; 社区初审, 街道审核 → 审核; 公示, 审批 → 发布 (a
case approved had no donor yet: it waits for one); 发放, 结案 → 实现 (the donor was never recorded: it says
so); 驳回 → 撤回 (its comment the reason). Two steps that map to one state become one.
"""

from datetime import date

from django.db import migrations

STATE = {"applied": "collected", "community_reviewed": "reviewed", "subdistrict_reviewed": "reviewed",
         "publicized": "published", "approved": "published", "disbursed": "fulfilled", "closed": "fulfilled",
         "rejected": "withdrawn"}
UNKNOWN_DONOR = "（迁移前未登记）"


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Case = apps.get_model("assistance", "Case")
    CaseTransition = apps.get_model("assistance", "CaseTransition")
    Wish = apps.get_model("assistance", "Wish")
    WishTransition = apps.get_model("assistance", "WishTransition")
    for case in Case.objects.using(db).filter(kind="micro_wish", moved_wish__isnull=True).select_related(
            "resident").order_by("pk"):
        resident = case.resident
        text = (case.requested_service or case.reason or "微心愿")[:200]
        state = STATE[case.state]
        note = f"由救助案件 #{case.pk} 迁入"
        if state == "published" and resident.name and resident.name in text:
            # Never shown to donors with the person's name in it: back to the sub-district to reword and publish.
            state, note = "reviewed", note + "；心愿内容含姓名，改写后再发布"
        steps = list(CaseTransition.objects.using(db).filter(case=case).order_by("at", "pk"))
        last_step = {STATE[s.to_state]: s for s in steps}
        fulfilled_on = None
        if state == "fulfilled":
            done = last_step.get("fulfilled")
            fulfilled_on = (done.at if done else case.updated_at).date()
        amount = case.requested_amount or case.approved_amount
        wish = Wish.objects.using(db).create(
            resident=resident, wish=text, value=amount if amount else None,
            story=case.reason[:500] if case.requested_service else "", state=state,
            donor=UNKNOWN_DONOR if state in ("claimed", "fulfilled") else "",
            fulfilled_on=fulfilled_on, note=note if state == "fulfilled" else "",
            withdrawn_reason=((last_step["withdrawn"].comment if "withdrawn" in last_step else "") or note)
            if state == "withdrawn" else "",
            for_child=_age(resident.birth_date, case.opened_at.date()) < 18, source_case=case,
            created_at=case.opened_at, created_by_id=case.created_by_id)
        rows, current = [], ""
        for step in steps:
            to = STATE[step.to_state]
            if to == current or (to == "published" and state == "reviewed"):
                continue
            rows.append(WishTransition(wish=wish, from_state=current, to_state=to, by_id=step.by_id, at=step.at,
                                       comment=step.comment))
            current = to
        if not rows:
            rows.append(WishTransition(wish=wish, from_state="", to_state="collected", by_id=case.created_by_id,
                                       at=case.opened_at, comment=note))
            current = "collected"
        if current != state:
            rows.append(WishTransition(wish=wish, from_state=current, to_state=state, by_id=case.created_by_id,
                                       at=case.updated_at, comment=note))
        WishTransition.objects.using(db).bulk_create(rows)


def backwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Wish = apps.get_model("assistance", "Wish")
    moved = Wish.objects.using(db).filter(source_case__isnull=False)
    apps.get_model("assistance", "WishTransition").objects.using(db).filter(wish__in=moved).delete()
    moved.delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0005_wishes")]
    operations = [migrations.RunPython(forwards, backwards)]
