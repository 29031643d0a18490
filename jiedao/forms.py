from django import forms

from residents.models import Community, Grid

from .models import User
from .services import ASSIGNABLE_ROLES


class UserForm(forms.ModelForm):
    password = forms.CharField(label="密码", required=False, strip=False, widget=forms.PasswordInput,
                               help_text="新账号必填；修改账号时留空表示不改密码。至少 10 位，不能全是数字。")

    class Meta:
        model = User
        fields = ["username", "first_name", "role", "phone", "communities", "grids", "is_active"]
        labels = {"first_name": "姓名", "is_active": "启用"}
        widgets = {"communities": forms.CheckboxSelectMultiple, "grids": forms.CheckboxSelectMultiple}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in ASSIGNABLE_ROLES]
        self.fields["communities"].queryset = Community.objects.filter(subdistrict_id=actor.subdistrict_id)
        self.fields["grids"].queryset = Grid.objects.filter(
            community__subdistrict_id=actor.subdistrict_id).select_related("community")


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
