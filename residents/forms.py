from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiedao.forms import DayField

from . import id_numbers
from .choices import CASE_BACKED_TAGS
from .models import Community, Grid, Household, Resident, ServicePoint, Status, Tag

CASE_TAG_MESSAGE = "低保、特困由救助案件决定，不能在此勾选；请为该居民办理救助案件。"


class ResidentForm(forms.ModelForm):
    id_number = forms.CharField(label="身份证号", max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    tags = forms.MultipleChoiceField(label="特殊群体", choices=Tag.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    household = forms.ModelChoiceField(
        label="户（系统编号）", queryset=Household.objects.none(), required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text="填写“户”页面上显示的系统编号（不是户编号）；从户页面点“添加成员”会自动填好；留空表示暂不归户。",
        error_messages={"invalid_choice": "找不到该户，或该户不在您的管辖范围内。"},
    )
    # The version the form was opened with: a save over someone else's newer one is stopped and shown.
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    class Meta:
        model = Resident
        fields = [
            "name", "id_number", "phone", "residence_type", "grid", "household", "relation_to_head",
            "estate", "building", "unit", "room", "care_tier", "care_dependency", "disability_type",
            "disability_grade", "tags", "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["grid"].queryset = Grid.objects.visible_to(user).select_related("community")
        self.fields["grid"].error_messages["invalid_choice"] = "请选择您管辖范围内的网格。"
        self.fields["household"].queryset = Household.objects.visible_to(user)
        if self.instance.pk:
            self.initial.setdefault("tags", self.instance.tag_codes)
            self.initial.setdefault("version", self.instance.version)
        # 低保 and 特困 follow relief cases: shown beside the form as what they are (case_tags), never a tick.
        self.fields["tags"].choices = [(code, label) for code, label in Tag.choices if code not in CASE_BACKED_TAGS]
        self.fields["tags"].error_messages["invalid_choice"] = CASE_TAG_MESSAGE
        self.fields["tags"].help_text = ""

    @property
    def case_tags(self) -> list[str]:
        """The labels of the case-backed tags the resident holds now (低保, 特困)."""
        if not self.instance.pk:
            return []
        return [label for code, label in Tag.choices if code in CASE_BACKED_TAGS and code in self.instance.tag_codes]

    def clean_tags(self):
        # The cases keep the case-backed tags the resident already holds.
        current = self.instance.tag_codes if self.instance.pk else []
        return sorted(set(self.cleaned_data["tags"]) | (set(current) & CASE_BACKED_TAGS))

    def clean_id_number(self):
        # The format is checked here so its message shows at once; duplicates are the service's.
        try:
            return id_numbers.parse(self.cleaned_data["id_number"]).number
        except ValidationError as e:
            raise ValidationError(e.messages) from None

    def validate_unique(self):
        # resident_create/update decide duplicates, with a message that respects the user's scope.
        pass


class ArchiveForm(forms.Form):
    status = forms.ChoiceField(label="归档类型", choices=[(Status.MOVED_OUT, "迁出"), (Status.DECEASED, "去世")])
    on = DayField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因", max_length=200, widget=forms.TextInput)

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise ValidationError("日期不能晚于今天。")
        return on


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["grid", "number", "estate", "building", "unit", "room"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Grid.objects.visible_to(user).select_related("community")
        self.fields["estate"].required = True  # a household without an address cannot be visited


class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "code", "address", "phone"]

    def validate_unique(self):
        # The sub-district is set by the service, so the name clash is checked there (full_clean).
        pass


class GridForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = ["community", "name", "code", "description"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(subdistrict_id=actor.subdistrict_id)


class ServicePointForm(forms.ModelForm):
    class Meta:
        model = ServicePoint
        fields = ["kind", "name", "community", "address", "opening_hours", "capacity", "contact_name",
                  "contact_phone", "rooms", "active"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(subdistrict_id=actor.subdistrict_id)
        self.fields["community"].empty_label = "（街道直属）"

    def validate_unique(self):
        pass  # the sub-district is set by the service, which checks the name with it (full_clean)
