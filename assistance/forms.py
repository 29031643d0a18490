from decimal import Decimal

from django import forms

from .models import WISH_VALUE_CAP, Case, CaseKind, Disbursement, ReliefSettings, Wish


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["kind", "reason", "requested_amount", "requested_service", "household_size", "monthly_income"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, CaseKind(k).label) for k in kinds]


class DisbursementForm(forms.ModelForm):
    class Meta:
        model = Disbursement
        fields = ["amount", "paid_on", "method", "period_from", "period_to"]
        widgets = {f: forms.DateInput(attrs={"type": "date"}) for f in ["paid_on", "period_from", "period_to"]}
        help_texts = {"period_from": "低保、特困按月发放：填写所属月份的第一天（所属期止默认为该月月末）。"}

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", "所属期止不能早于所属期起。")  # at the field, not over the form
        return data


class ApprovalForm(forms.Form):
    """The approve button's amount (blank: the requested amount is approved)."""

    approved_amount = forms.DecimalField(label="批准金额（元）", max_digits=10, decimal_places=2, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：重复登记、金额录入错误"}))


class CorrectionForm(DisbursementForm):
    """The right payment in place of a wrong one, with the reason the wrong one is voided."""

    reason = forms.CharField(label="作废原因", max_length=200, required=False)


class ReliefSettingsForm(forms.ModelForm):
    # 微心愿 is a record of its own now (Wish): not a kind an office switches on.
    kinds = forms.MultipleChoiceField(label="受理的救助类别", required=False,
                                      choices=[c for c in CaseKind.choices if c[0] != CaseKind.MICRO_WISH],
                                      widget=forms.CheckboxSelectMultiple, help_text="都不勾选表示全部受理。")

    class Meta:
        model = ReliefSettings
        fields = ["dibao_threshold", "publicity_days", "review_months", "kinds"]


class WishForm(forms.ModelForm):
    value = forms.DecimalField(label="价值（元）", max_digits=8, decimal_places=2, min_value=Decimal("0.01"),
                               max_value=WISH_VALUE_CAP)

    class Meta:
        model = Wish
        fields = ["wish", "value", "story"]
        widgets = {"story": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"wish": "如：一套水彩笔。会公开展示，请不要写姓名、学校、住址。"}


class WishStepForm(forms.Form):
    """A step's button carries what the step needs: a claim its donor, a fulfilment its date and note or photo."""

    comment = forms.CharField(label="意见", max_length=500, required=False)
    donor = forms.CharField(label="认领人/单位", max_length=100, required=False)
    donor_contact = forms.CharField(label="认领人联系方式", max_length=100, required=False)
    fulfilled_on = forms.DateField(label="实现日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="实现情况", max_length=500, required=False)
    photo = forms.FileField(label="照片", required=False)
