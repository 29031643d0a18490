from django import forms

from .models import Case, Disbursement, ReliefSettings


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["kind", "reason", "requested_amount", "requested_service", "household_size", "monthly_income"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}


class DisbursementForm(forms.ModelForm):
    class Meta:
        model = Disbursement
        fields = ["amount", "paid_on", "method", "period_from", "period_to"]
        widgets = {f: forms.DateInput(attrs={"type": "date"}) for f in ["paid_on", "period_from", "period_to"]}


class ReliefSettingsForm(forms.ModelForm):
    class Meta:
        model = ReliefSettings
        fields = ["dibao_threshold", "publicity_days", "review_months"]
