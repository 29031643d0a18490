from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from .authentication import USERNAME_TOO_LONG, disabled_message, too_long_username
from .dates import DAY_ERROR, check_day
from .models import User
from .params import positive_int
from .scope import assignable_roles


class DayField(forms.DateField):
    """A day a user may name (jiedao.dates.check_day): 9999-12-31 or 0001-01-01 is an error at the field,
    in a form as in a list's filter (jiedao.filters.DayFilter)."""

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                check_day(value)
            except ValueError:
                raise ValidationError(DAY_ERROR, code="out_of_range") from None


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, but an id too large for the database is "not a valid choice", not a 500."""

    def _check_values(self, value):
        for pk in value:
            if positive_int(str(pk)) is None:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": str(pk)[:30]})
        return super()._check_values(value)


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label="密码", required=False, strip=False, widget=forms.PasswordInput,
        help_text="新账号必填；修改账号时留空表示不改密码。至少 10 位，含大写字母、小写字母、数字、符号中的至少 3 类，"
                  "不含用户名、姓名或单位名称。账号本人首次登录时须改为自己的密码。")

    class Meta:
        model = User
        fields = ["username", "first_name", "role", "subdistrict", "phone", "communities", "grids", "service_point",
                  "is_active"]
        labels = {"first_name": "姓名", "is_active": "启用"}
        widgets = {"communities": forms.CheckboxSelectMultiple, "grids": forms.CheckboxSelectMultiple}
        field_classes = {"communities": ModelMultipleChoiceField, "grids": ModelMultipleChoiceField}
        help_texts = {"grids": "网格员必选；其他角色不需要。", "communities": "社区工作人员必选；其他角色不需要。",
                      "subdistrict": "街道安全管理员必选；区民政局账号留空。"}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in assignable_roles(actor)]
        fields = self.fields
        if not actor.subdistrict_id:
            # The district's security admin: accounts above the sub-districts, which hold no places.
            for name in ("communities", "grids", "service_point"):
                del fields[name]
            return
        del fields["subdistrict"]  # a sub-district's accounts stay in it
        # The places of the actor's sub-district, from the fields' own querysets (the models User points at):
        # the base names residents' places only through those foreign keys.
        fields["communities"].queryset = fields["communities"].queryset.filter(subdistrict_id=actor.subdistrict_id)
        fields["grids"].queryset = fields["grids"].queryset.filter(
            community__subdistrict_id=actor.subdistrict_id).select_related("community")
        fields["service_point"].queryset = fields["service_point"].queryset.filter(subdistrict_id=actor.subdistrict_id)

    def clean_username(self):
        # One person, one account: "GRID1" next to "grid1" is a mistake waiting to happen.
        username = self.cleaned_data["username"]
        clash = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("已有同名账号（不区分大小写）。")
        return username


class RefusesTooLongUsernames:
    """Django's login form sets the name's max_length without checking it: a longer name went on to be
    authenticated, and django-axes then failed to store it (a 500 on PostgreSQL)."""

    def clean(self):
        if too_long_username(self.request, self.cleaned_data.get("username")):
            raise ValidationError(USERNAME_TOO_LONG, code="username_too_long")
        return super().clean()

    @property
    def username_too_long(self) -> str:
        """The message for the login page, which otherwise says only "wrong name or password"."""
        return USERNAME_TOO_LONG if self.has_error(NON_FIELD_ERRORS, "username_too_long") else ""


class TellsWhyDisabled:
    """A disabled account hears why and whom to ask, given its right password (else the generic message:
    no one learns an account's state without its password)."""

    def get_invalid_login_error(self):
        self.disabled_message = disabled_message(self.cleaned_data.get("username"), self.cleaned_data.get("password"))
        if self.disabled_message:
            return ValidationError(self.disabled_message, code="disabled")
        return super().get_invalid_login_error()

    @property
    def login_error(self) -> str:
        """The message at the top of the login page."""
        if self.has_error(NON_FIELD_ERRORS, "disabled"):
            return self.disabled_message
        return self.username_too_long or "用户名或密码错误，请重新输入。"


class LoginForm(TellsWhyDisabled, RefusesTooLongUsernames, AuthenticationForm):
    pass


class AdminLoginForm(TellsWhyDisabled, RefusesTooLongUsernames, AdminAuthenticationForm):
    pass


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The holder sets their own password: one an administrator chose no longer needs changing."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)
