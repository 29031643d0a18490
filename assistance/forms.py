from django import forms

from .models import Case, CaseKind, Disbursement, ReliefSettings


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


class ReliefSettingsForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(label="受理的救助类别", choices=CaseKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple, help_text="都不勾选表示全部受理。")

    class Meta:
        model = ReliefSettings
        fields = ["dibao_threshold", "publicity_days", "review_months", "kinds"]
