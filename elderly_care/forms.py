from django import forms

from jiedao.forms import DayField
from residents.models import Resident, ServicePoint

from .models import CareEnrolment, MealType, PriceRule


class PriceRuleForm(forms.ModelForm):
    class Meta:
        model = PriceRule
        fields = ["label", "min_age", "tag", "pays_percent"]

    def validate_unique(self):
        pass


class CheckInForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=30, required=False,
                                widget=forms.TextInput(attrs={
                                    "autofocus": True, "autocomplete": "off", "placeholder": "刷卡或输入身份证号"}))
    pick = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)  # from the name search
    meal = forms.ChoiceField(label="餐次", choices=MealType.choices)

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not data.get("pick"):
            self.add_error("id_number", "请输入身份证号，或从下方搜索结果中选择。")
        return data


class EnrolmentForm(forms.ModelForm):
    resident = forms.ModelChoiceField(label="居民（系统编号）", queryset=Resident.objects.none(),
                                      widget=forms.NumberInput, error_messages={
                                          "invalid_choice": "找不到该居民，或不在您的管辖范围内。"})

    class Meta:
        model = CareEnrolment
        fields = ["resident", "kind", "point", "provider", "since", "ended_on", "notes"]
        widgets = {"since": forms.DateInput(attrs={"type": "date"}),
                   "ended_on": forms.DateInput(attrs={"type": "date"})}
        field_classes = {"since": DayField, "ended_on": DayField}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.visible_to(actor)
        self.fields["point"].queryset = ServicePoint.objects.visible_to(actor)

    def validate_unique(self):
        pass  # the service's full_clean checks the one-open-enrolment rule with a clear message


class MealPricesForm(forms.Form):
    """The full price of each meal (what a guest pays; the subsidy covers the rest for residents)."""

    breakfast = forms.DecimalField(label="早餐标准价（元）", min_value=0, max_value=200, decimal_places=2)
    lunch = forms.DecimalField(label="午餐标准价（元）", min_value=0, max_value=200, decimal_places=2)
    dinner = forms.DecimalField(label="晚餐标准价（元）", min_value=0, max_value=200, decimal_places=2)
