from django import forms

from jiedao.dates import DAY_ERROR, check_day
from jiedao.forms import DayField
from jiedao.models import Role, User
from residents.models import Community

from .choices import OrderState, Rhythm, VolunteerStatus
from .models import Activity, ServiceKind, Team, Volunteer


class VolunteerForm(forms.ModelForm):
    id_number = forms.CharField(label="身份证号", max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    class Meta:
        model = Volunteer
        fields = ["name", "id_number", "phone", "community", "skills", "availability", "party_member", "work_unit",
                  "status"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.visible_to(user)
        self.fields["community"].error_messages["invalid_choice"] = "请选择您管辖范围内的社区。"

    def _post_clean(self):
        # The service checks and saves (the ID number as the registry checks it); not the model form.
        pass


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "community", "leader", "description", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.visible_to(user)
        self.fields["community"].error_messages["invalid_choice"] = "请选择您管辖范围内的社区。"
        self.fields["leader"].queryset = Volunteer.objects.visible_to(user)
        self.fields["leader"].error_messages["invalid_choice"] = "请选择您管辖范围内的志愿者。"

    def _post_clean(self):
        pass


class MembershipForm(forms.Form):
    volunteer = forms.ModelChoiceField(label="志愿者", queryset=Volunteer.objects.none(),
                                       error_messages={"invalid_choice": "请选择您管辖范围内的志愿者。"})
    on = DayField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                  help_text="加入或退出的日期，默认今天")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.visible_to(user)


class ServiceKindForm(forms.ModelForm):
    class Meta:
        model = ServiceKind
        fields = ["name", "active"]

    def _post_clean(self):
        pass


class OrderForm(forms.Form):
    service = forms.ModelChoiceField(label="服务项目", queryset=ServiceKind.objects.none(),
                                     error_messages={"invalid_choice": "请选择本街道可点单的服务项目。"})
    wanted_at = forms.DateTimeField(label="希望服务时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    notes = forms.CharField(label="需求说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = ServiceKind.objects.visible_to(user).filter(active=True)

    def clean_wanted_at(self):
        return checked_moment(self.cleaned_data["wanted_at"])


def checked_moment(value):
    """A date-time a person may name (year 1 or 9999 is refused here, not overflowed in the database)."""
    if value is not None:
        try:
            check_day(value.date())
        except ValueError:
            raise forms.ValidationError(DAY_ERROR) from None
    return value


class OrderStepForm(forms.Form):
    """One step of an order from its page (the team leader's phone page too): the step's own fields, and for
    `done` an hours field per current member of the order's team (blank: did not serve)."""

    to = forms.ChoiceField(choices=OrderState.choices)
    comment = forms.CharField(label="意见", max_length=500, required=False)
    team = forms.ModelChoiceField(label="派往服务队", queryset=Team.objects.none(), required=False,
                                  error_messages={"invalid_choice": "请选择本街道在服务的服务队。"})
    deadline = forms.DateTimeField(label="完成期限", required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(label="服务记录", max_length=500, required=False)
    rating = forms.TypedChoiceField(label="评分", choices=[("", "—")] + [(n, f"{n} 分") for n in range(5, 0, -1)],
                                    coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.visible_to(user).filter(active=True)
        self.members = []
        if order.team_id:
            self.members = list(Volunteer.objects.filter(memberships__team_id=order.team_id,
                                                         memberships__left_on__isnull=True).order_by("name"))
        for member in self.members:
            self.fields[f"hours_{member.pk}"] = forms.DecimalField(
                label=f"{member.name} 服务时长（小时）", required=False, min_value=0, max_value=24, decimal_places=2,
                max_digits=5, widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}))

    def clean_deadline(self):
        return checked_moment(self.cleaned_data.get("deadline"))

    def hours(self) -> list[dict]:
        return [{"volunteer": m, "hours": self.cleaned_data[f"hours_{m.pk}"]} for m in self.members
                if self.cleaned_data.get(f"hours_{m.pk}")]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label="您对这次服务满意吗？", coerce=int, widget=forms.RadioSelect,
                                    choices=[(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "很不满意")])
    comment = forms.CharField(label="想说的话（可不填）", max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ActivityForm(forms.ModelForm):
    starts_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label="结束时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Activity
        fields = ["team", "name", "place", "starts_at", "ends_at", "capacity", "description"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.visible_to(user).filter(active=True)
        self.fields["team"].error_messages["invalid_choice"] = "请选择您管辖范围内的服务队。"

    def clean_starts_at(self):
        return checked_moment(self.cleaned_data["starts_at"])

    def clean_ends_at(self):
        return checked_moment(self.cleaned_data["ends_at"])

    def _post_clean(self):
        pass


class AttendanceForm(forms.Form):
    """Sign-up (`action=signup`) or check-in and check-out (`action=attend`) at an activity, from a phone."""

    volunteer = forms.ModelChoiceField(label="志愿者", queryset=Volunteer.objects.none(),
                                       error_messages={"invalid_choice": "请选择您管辖范围内的志愿者。"})
    checked_in_at = forms.DateTimeField(label="签到时间", required=False,
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    checked_out_at = forms.DateTimeField(label="签退时间", required=False,
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.visible_to(user).active()

    def clean_checked_in_at(self):
        return checked_moment(self.cleaned_data.get("checked_in_at"))

    def clean_checked_out_at(self):
        return checked_moment(self.cleaned_data.get("checked_out_at"))


class AdjustmentForm(forms.Form):
    adjusts = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    hours = forms.DecimalField(label="调整后的时长（小时）", min_value=0, max_value=24, decimal_places=2, max_digits=5,
                               widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}))
    reason = forms.CharField(label="调整原因", max_length=200)


class PairingForm(forms.Form):
    """A key resident paired with one volunteer or one grid worker (of the resident's grid)."""

    volunteer = forms.ModelChoiceField(label="志愿者", queryset=Volunteer.objects.none(), required=False,
                                       error_messages={"invalid_choice": "请选择本街道在册的志愿者。"})
    worker = forms.ModelChoiceField(label="或网格员", queryset=User.objects.none(), required=False,
                                    error_messages={"invalid_choice": "请选择负责该居民所在网格的网格员。"},
                                    help_text="志愿者和网格员二选一")
    rhythm = forms.ChoiceField(label="走访频次", choices=Rhythm.choices, initial=Rhythm.WEEKLY)
    started_on = DayField(label="结对日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="默认今天")

    def __init__(self, *args, user, resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.visible_to(user).filter(
            subdistrict_id=resident.community.subdistrict_id, status=VolunteerStatus.ACTIVE).order_by("name")
        self.fields["worker"].queryset = User.objects.filter(
            role=Role.GRID_WORKER, is_active=True, grids=resident.grid_id).order_by("username")
        self.fields["worker"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        if not self.errors and (data.get("volunteer") is None) == (data.get("worker") is None):
            raise forms.ValidationError("请选择一名志愿者或一名网格员（二选一）。")
        return data


class PairingVisitForm(forms.Form):
    visited_at = forms.DateTimeField(label="走访时间", required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), help_text="默认现在")
    notes = forms.CharField(label="情况记录", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_visited_at(self):
        return checked_moment(self.cleaned_data["visited_at"])


class PairingEndForm(forms.Form):
    ended_on = DayField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                        help_text="默认今天")
    reason = forms.CharField(label="结束原因", max_length=200)
