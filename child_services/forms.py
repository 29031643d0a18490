from decimal import Decimal

from django import forms
from django.utils import timezone

from jiedao.dates import years_before
from jiedao.forms import DayField
from jiedao.models import User
from jiedao.scope import NUTRITION_DELIVERERS
from jiedao.text import is_mobile, phone_number
from residents import id_numbers
from residents.models import Resident, ServicePoint

from .models import LAST_ROUND_DAY, PACK_VALUE_CAP, Programme

LOCAL_MINUTE = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def minute_field(label: str, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, input_formats=LOCAL_MINUTE, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), **kwargs)


class ProgrammeForm(forms.ModelForm):
    enrol_opens_at = minute_field("报名开始时间", help_text="精确到分钟，先到先得。")
    enrol_closes_at = minute_field("报名截止时间")

    class Meta:
        model = Programme
        fields = ["point", "name", "kind", "age_min_months", "age_max_months", "starts_on", "ends_on", "capacity",
                  "enrol_opens_at", "enrol_closes_at", "fee", "description"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}
        field_classes = {"starts_on": DayField, "ends_on": DayField}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = ServicePoint.objects.visible_to(actor).filter(active=True)

    def validate_unique(self):
        pass


class EnrolForm(forms.Form):
    """Staff enrol a child by the child's ID number (found in their scope), with the guardian's name and phone."""

    child_id_number = forms.CharField(label="儿童身份证号", max_length=30,
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
    guardian_name = forms.CharField(label="监护人姓名", max_length=30)
    guardian_phone = forms.CharField(label="监护人电话", max_length=20)

    def clean_child_id_number(self):
        raw = id_numbers.normalize(self.cleaned_data["child_id_number"])
        id_numbers.parse(raw)  # its ValidationError says what is wrong with the number
        return raw


class SessionForm(forms.Form):
    starts_at = minute_field("开始时间")
    ends_at = minute_field("结束时间")


WEEKDAYS = [(0, "周一"), (1, "周二"), (2, "周三"), (3, "周四"), (4, "周五"), (5, "周六"), (6, "周日")]


class PatternForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(label="每周", choices=WEEKDAYS, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    start = forms.TimeField(label="开始", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="结束", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class PublicSignUpForm(forms.Form):
    """What a parent types on the public page: the child's ID number and the guardian's phone, nothing else."""

    id_number = forms.CharField(label="儿童身份证号", max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    guardian_phone = forms.CharField(label="监护人手机号", max_length=20,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_guardian_phone(self):
        # As people type it (１３９ １２３４ ５６７８, +86 …), in the one form the registry's phones are kept in.
        typed = self.cleaned_data["guardian_phone"]
        if not is_mobile(typed):
            raise forms.ValidationError("请输入 11 位手机号。")
        return phone_number(typed)

    def clean_id_number(self):
        raw = id_numbers.normalize(self.cleaned_data["id_number"])
        id_numbers.parse(raw)  # its ValidationError says what is wrong with the number
        return raw


class DaysField(forms.CharField):
    """"1,15" or "1、15" → [1, 15]: the service checks the range."""

    def to_python(self, value):
        value = super().to_python(value)
        parts = [p for p in value.replace("、", ",").replace("，", ",").replace(" ", ",").split(",") if p]
        if not parts or not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
            raise forms.ValidationError(f"请填写 1 到 {LAST_ROUND_DAY} 之间的日子，用逗号分隔，如 1,15。")
        return [int(p) for p in parts]


class PlanForm(forms.Form):
    child = forms.ModelChoiceField(label="儿童", queryset=Resident.objects.none())
    days = DaysField(label="每月发放日", initial="1,15", help_text=f"如 1,15（1 到 {LAST_ROUND_DAY} 日）")
    worker = forms.ModelChoiceField(label="责任人", queryset=User.objects.none())
    contents = forms.CharField(label="营养包内容", max_length=200, initial="肉、奶、蛋、蔬菜、水果")
    value = forms.DecimalField(label="每次价值（元）", max_digits=8, decimal_places=2, initial=Decimal("200.00"),
                               min_value=Decimal("0.01"), max_value=PACK_VALUE_CAP)
    reason = forms.CharField(label="纳入理由", max_length=200, required=False,
                             help_text="没有困境儿童、孤儿、留守儿童标签时必填。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The children of the user's scope (under 18), and the workers of their sub-district.
        born_after = years_before(timezone.localdate(), 18)
        self.fields["child"].queryset = Resident.objects.visible_to(user).active().filter(birth_date__gt=born_after)
        self.fields["worker"].queryset = User.objects.filter(is_active=True, role__in=NUTRITION_DELIVERERS,
                                                             subdistrict_id=user.subdistrict_id).order_by("username")
        self.fields["worker"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username}（{u.get_role_display()}）")


class PlanChangeForm(PlanForm):
    active = forms.BooleanField(label="在发放", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["child"]


class ConfirmForm(forms.Form):
    received_by = forms.CharField(label="签收人", max_length=50, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": "儿童本人或监护人",
                                                                "autocomplete": "off"}))
    delivered_at = forms.DateTimeField(label="送达时间", required=False, help_text="不填即为现在。",
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class MissForm(forms.Form):
    reason = forms.CharField(label="未送达原因", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：全家外出、住院"}))
