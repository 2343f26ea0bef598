"""Forms of the promise pages; the parameters form is generated from the kind's schema."""

import json
import re
from datetime import date, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.api_errors import django_validation_errors

from .kinds import registry
from .kinds.base import PromiseKind

PARAMS_PREFIX = "params"
_FIELD_OF_PATH = re.compile(r"^params\.(?P<name>\w+)")


class JSONTextarea(forms.Textarea):
    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 6, "class": "code", **(attrs or {})})


class PrettyJSONField(forms.JSONField):
    """A JSON field shown indented, one item a line (e.g. included_extras tiers)."""

    widget = JSONTextarea

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class LinesField(forms.CharField):
    """A list of strings entered one a line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


# Labels of the parameters of the built-in kinds; a kind added later falls back to its name.
PARAM_LABELS = {
    "cutoff": _("Cutoff time"),
    "min_lines": _("Minimum lines"),
    "drift_tolerance": _("Drift tolerance (lines)"),
    "precedent_above": _("Precedent above the minimum (lines)"),
    "excused_reasons": _("Reasons excused without approval"),
    "mode": _("Replies on closed days"),
    "within_business_hours": _("Reply within (business hours)"),
    "drift_tolerance_hours": _("Drift tolerance (hours)"),
    "same_day": _("Notice on the day of shipment"),
    "tracking_required": _("Tracking number required"),
    "scope": _("Reviews to reply to"),
    "low_max_rating": _("Highest low rating"),
    "within_days": _("Reply within (days)"),
    "within_hours": _("Send within (hours)"),
    "tiers": _("Extras by order total"),
    "gift_wrap_when_gift": _("Gift wrap for gift orders"),
}
# Words for enumerated values; the value itself stays visible, the descriptions refer to it.
VALUE_LABELS = {
    "our_mistake": _("Our mistake"),
    "deadline": _("Customer deadline"),
    "goodwill": _("Goodwill"),
    "other": _("Other"),
}


def param_label(name: str):
    """Return the words for a parameter (its API name when it has none)."""
    # Parameter names are API identifiers; the description under the field says what it means.
    return PARAM_LABELS.get(name, name.replace("_", " ").capitalize())


_label = param_label


def _choices(values: list) -> list[tuple]:
    return [(value, VALUE_LABELS.get(value, value)) for value in values]


def param_field(name: str, schema: dict) -> forms.Field:
    """Return the form field for one parameter described by the kind's schema."""
    common = {
        "label": _label(name),
        "help_text": schema.get("description", ""),
        "initial": schema.get("default"),
        "required": False,
    }
    kind = schema.get("type")
    items = schema.get("items") or {}
    if kind == "boolean":
        return forms.BooleanField(**common)
    if kind in ("integer", "number"):
        field_class = forms.IntegerField if kind == "integer" else forms.FloatField
        return field_class(
            min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common
        )
    if kind == "string" and "enum" in schema:
        return forms.ChoiceField(choices=_choices(schema["enum"]), **common)
    if kind == "string" and schema.get("format") == "time":
        return forms.TimeField(
            input_formats=["%H:%M"],
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            **common,
        )
    if kind == "string" and schema.get("format") == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "string":
        return forms.CharField(max_length=schema.get("maxLength"), **common)
    if kind == "array" and items.get("type") == "string" and "enum" in items:
        return forms.MultipleChoiceField(
            choices=_choices(items["enum"]),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == "array" and items.get("type") == "string":
        return LinesField(**common)
    # Lists of objects and objects (e.g. tiers of extras): edited as JSON.
    return PrettyJSONField(**common)


def _json_ready(value):
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


class ParamsForm(forms.Form):
    """The parameters of one promise kind; built by `params_form_class`."""

    kind: PromiseKind

    def params(self) -> dict:
        """Return the entered parameters as JSON-ready values (empty ones left to defaults)."""
        params = {}
        for name, value in self.cleaned_data.items():
            field = self.fields[name]
            if value is None or (value == "" and not isinstance(field, forms.BooleanField)):
                continue
            params[name] = _json_ready(value)
        return params


def add_errors(error: ValidationError, *, params_form: ParamsForm, form: forms.Form) -> None:
    """Put a service's errors on the fields they name: "params.<name>" on the parameters form,
    the rest on `form` (its own fields, or the form as a whole)."""
    for item in django_validation_errors(error):
        path, message = item["field"] or "", item["message"]
        match = _FIELD_OF_PATH.match(path)
        if match and match["name"] in params_form.fields:
            detail = path[len(match[0]) :].lstrip(".")
            params_form.add_error(match["name"], f"{detail}: {message}" if detail else message)
        elif path in form.fields:
            form.add_error(path, message)
        else:
            form.add_error(None, message)


def params_form_class(kind: PromiseKind) -> type[ParamsForm]:
    """Return a form class with one field per parameter of the kind, in the schema's order."""
    schema = kind.params_schema()
    fields = {name: param_field(name, spec) for name, spec in schema["properties"].items()}
    return type(f"{type(kind).__name__}ParamsForm", (ParamsForm,), {**fields, "kind": kind})


def params_form(kind: PromiseKind, *, data=None, params: dict | None = None) -> ParamsForm:
    """Return the kind's parameters form, bound to POST data or showing `params`."""
    form_class = params_form_class(kind)
    return form_class(data=data, initial=params or None, prefix=PARAMS_PREFIX)


class KindChoiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of promise"))

    def __init__(self, *args, language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.id, kind.label_ja if language == "ja" else kind.label_en)
            for kind in registry.all()
        ]


class PromiseCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("How the shop calls this promise, e.g. “Handwritten note in every parcel”."),
    )
    effective_from = forms.DateTimeField(
        label=_("Effective from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Shop time. Leave empty for now."),
    )
    confirm_duplicate_kind = forms.BooleanField(
        required=False,
        label=_("I understand that both promises will judge every action, and want a second one."),
    )


class PromiseEditForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_(
            "Rename the promise when its meaning changed; the old name stays in its history."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the promise's history for everyone to read."),
    )
    effective_from = forms.DateTimeField(
        label=_("Effective from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Shop time. Leave empty for now. Not before the newest version."),
    )
    # The fingerprint of the parameters whose impact the manager saw, and the confirmation.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm_lowering = forms.BooleanField(
        required=False,
        label=_("I have read the impact above and want to lower the promise."),
    )


class RetireForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, retire this promise from now on. Its history stays."),
        required=True,
    )
