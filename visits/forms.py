from django import forms
from django.db.models import Q
from django.utils import timezone

from jiedao.models import Role, User

from .models import FINDINGS, CarePlan, HazardKind, Visit, VisitRule


class VisitForm(forms.ModelForm):
    """One visit, as a grid worker types it on a phone; one hazard may be noted with it."""

    visited_at = forms.DateTimeField(label="走访时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    hazard_kind = forms.ChoiceField(label="发现隐患", required=False,
                                    choices=[("", "无"), *HazardKind.choices])
    hazard_description = forms.CharField(label="隐患描述", required=False, max_length=300)

    class Meta:
        model = Visit
        fields = ["method", "visited_at", *FINDINGS]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean(self):
        data = super().clean()
        if data.get("hazard_kind") and not data.get("hazard_description") and "hazard_description" not in self.errors:
            self.add_error("hazard_description", "请描述发现的隐患。")
        if data.get("hazard_description") and not data.get("hazard_kind"):
            self.add_error("hazard_kind", "填写了隐患描述，请选择隐患类别。")
        return data

    def hazards(self) -> list[dict]:
        kind = self.cleaned_data.get("hazard_kind")
        return [{"kind": kind, "description": self.cleaned_data["hazard_description"]}] if kind else []

    def findings(self) -> dict:
        return {k: self.cleaned_data[k] for k in FINDINGS}


class CarePlanForm(forms.ModelForm):
    class Meta:
        model = CarePlan
        fields = ["responsible", "curtain_pact", "curtain_deadline"]
        widgets = {"curtain_deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, resident, **kwargs):
        super().__init__(*args, **kwargs)
        # The people who may be named: active grid workers of the resident's grid, staff of the community.
        self.fields["responsible"].queryset = User.objects.filter(is_active=True).filter(
            Q(role=Role.GRID_WORKER, grids=resident.grid_id)
            | Q(role=Role.COMMUNITY_STAFF, communities=resident.community_id)).distinct()
        has_worker = User.objects.filter(role=Role.GRID_WORKER, is_active=True, grids=resident.grid_id).exists()
        self.fields["responsible"].empty_label = ("（默认：本网格的网格员）" if has_worker
                                                  else "（本网格暂无网格员：由社区工作人员负责）")


class VisitRuleForm(forms.ModelForm):
    class Meta:
        model = VisitRule
        fields = ["care_tier", "method", "frequency", "every_n_days", "escalate_after_days"]

    def validate_unique(self):
        # The sub-district is set by the service, which checks the rule's uniqueness with it.
        pass


