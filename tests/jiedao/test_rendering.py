"""The widgets jiedao.rendering draws in Python give the templates' markup byte for byte: every widget kind
with awkward values (quotes and markup to escape, True and False attributes, option groups, lazy and safe
labels, no value at all), and every field of every form and filter form of the portal, as 赵管理 the
sub-district admin opens them."""

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django_filters import FilterSet

from jiedao.rendering import FormRenderer

ENGINE, PYTHON = TemplatesSetting(), FormRenderer()
APPS = ("jiedao", "residents", "visits", "elderly_care", "child_services", "assistance", "volunteers", "reports")
AWKWARD = 'a "quoted" <b>value</b> & more'
CHOICES = [("", "---------"), ("a", AWKWARD), ("b&c", gettext_lazy("状态")), (3, mark_safe("<i>safe</i>")),
           ("组", [("x", "X 一"), ("y", "Y 二")])]


def _drawn(widget, name, value, attrs, renderer):
    # A value a widget cannot take (a list for Django 5.2.19's NullBooleanSelect, which no request can send
    # it: its value_from_datadict reads one value) fails in the widget's own context, before any renderer:
    # the two renderers then fail alike.
    try:
        return widget.render(name, value, attrs=attrs, renderer=renderer)
    except TypeError as error:
        return f"TypeError: {error}"


def both(widget, name, value, attrs=None):
    return _drawn(widget, name, value, attrs, ENGINE), _drawn(widget, name, value, attrs, PYTHON)


@pytest.mark.parametrize("widget", [
    forms.TextInput(), forms.NumberInput(attrs={"min": 0, "step": "any"}), forms.EmailInput(), forms.URLInput(),
    forms.PasswordInput(render_value=True), forms.HiddenInput(), forms.DateInput(), forms.DateTimeInput(),
    forms.TimeInput(), forms.CheckboxInput(), forms.Textarea(), forms.SearchInput(), forms.TelInput(),
    forms.ColorInput(),
    forms.Select(choices=CHOICES), forms.SelectMultiple(choices=CHOICES), forms.NullBooleanSelect(),
    forms.CheckboxSelectMultiple(choices=CHOICES), forms.RadioSelect(choices=CHOICES),
    forms.CheckboxSelectMultiple(choices=CHOICES, attrs={"class": "tags \"x\""}),
    forms.SelectDateWidget(years=[2025, 2026]), forms.ClearableFileInput(),
], ids=lambda w: type(w).__name__)
@pytest.mark.parametrize("value", [None, "", "a", AWKWARD, 3, ["a", 3, "y"], True, False, 0])
@pytest.mark.parametrize("attrs", [None, {"id": "id_f", "required": True, "disabled": False,
                                          "data-x": AWKWARD, "placeholder": gettext_lazy("搜索")}])
def test_every_widget_kind_is_drawn_as_its_template_draws_it(widget, value, attrs):
    engine, python = both(widget, "f", value, attrs)
    assert python == engine


def _subclasses(base):
    for cls in base.__subclasses__():
        yield cls
        yield from _subclasses(cls)


def _ours(cls) -> bool:
    return cls.__module__.split(".")[0] in APPS and not cls.__name__.startswith("_")


@pytest.mark.django_db
def test_every_field_of_every_form_and_filter_form_is_drawn_as_before(admin, people):
    assert get_resolver().url_patterns  # every view imported, and with them every form and FilterSet
    request = RequestFactory().get("/")
    request.user = admin
    forms_seen = 0
    filter_forms = []
    for filterset in {cls for cls in _subclasses(FilterSet) if _ours(cls) and cls._meta.model is not None}:
        filter_forms.append(filterset(data={}, queryset=filterset._meta.model._default_manager.none(),
                                      request=request).form)
    form_classes = {cls for cls in _subclasses(forms.BaseForm) if _ours(cls)}
    for form in filter_forms + [cls for cls in form_classes]:
        fields = form.fields if isinstance(form, forms.BaseForm) else form.base_fields
        forms_seen += 1
        for name, field in fields.items():
            values = [None, ""]
            try:
                choices = list(getattr(field.widget, "choices", []) or [])[:3]
            except TypeError:  # a form class's choices that its FilterSet or view fills in (drawn bound above)
                choices = []
            values += [choice[0] for choice in choices if not isinstance(choice[1], (list, tuple))]
            for value in values:
                value = getattr(value, "value", value)  # a model choice's value
                attrs = {"id": f"id_{name}"}
                engine, python = both(field.widget, name, value, attrs)
                assert python == engine, (form, name, value)
    assert forms_seen > 60  # every app's forms were found (73 when written), not a few
