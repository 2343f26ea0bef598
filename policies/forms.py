"""Forms of the promise pages; the parameters form is generated from the kind's schema."""

import re
from datetime import date, time

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api_errors import django_validation_errors
from config.limits import PARAM_LIST_MAX

from .kinds import registry
from .kinds.base import PromiseKind
from .vocabulary import ExceptionReason

PARAMS_PREFIX = "params"
_FIELD_OF_PATH = re.compile(r"^params\.(?P<name>\w+)")


class LinesField(forms.CharField):
    """A list of strings entered one a line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


def kind_param_fields(kind: PromiseKind) -> dict:
    """Return the kind's parameter fields by name (their labels and choices are the words)."""
    return dict(kind.Params().fields)


def param_label(name: str, kind: PromiseKind | None = None):
    """Return the words for a parameter: its field's label (the kind's, or any kind's)."""
    kinds = [kind] if kind is not None else registry.all()
    for each in kinds:
        field = type(each).Params._declared_fields.get(name)
        if field is not None and field.label:
            return field.label
    return name.replace("_", " ").capitalize()


def param_value_words(kind: PromiseKind) -> dict[str, dict]:
    """Return, per parameter, the words of its values: {"scope": {"all": "Every review"}}."""
    words = {}
    for name, field in kind_param_fields(kind).items():
        choices = getattr(field, "choices", None) or getattr(
            getattr(field, "child", None), "choices", None
        )
        if choices:
            words[name] = dict(choices)
    return words


def _choices(values: list, labels: dict) -> list[tuple]:
    return [(value, labels.get(value, value)) for value in values]


class RowsWidget(forms.Widget):
    """Rows of a list of objects (tiers of extras): one input per column and row, and blank
    rows to add more; a row left blank is ignored (that is how a row is removed)."""

    template_name = "policies/widgets/rows.html"
    BLANK_ROWS = 3

    def __init__(self, columns, max_rows: int, attrs=None):
        super().__init__(attrs)
        self.columns = columns  # [(name, label, type)], type "int", "list" or "str"
        self.max_rows = max_rows

    def _cell(self, value, kind: str) -> str:
        if value is None:
            return ""
        if kind == "list" and isinstance(value, list | tuple):
            return "; ".join(str(item) for item in value)
        return str(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = value if isinstance(value, list) else []
        shown = min(max(len(rows) + self.BLANK_ROWS, 1), self.max_rows)
        context["widget"]["columns"] = [
            {"name": column, "label": label, "type": kind} for column, label, kind in self.columns
        ]
        context["widget"]["rows"] = [
            {
                "number": index + 1,
                "cells": [
                    {
                        "name": f"{name}-{index}-{column}",
                        "id": f"id_{name}-{index}-{column}",
                        "value": self._cell(
                            rows[index].get(column) if index < len(rows) else None, kind
                        ),
                        "label": label,
                        "type": "number" if kind == "int" else "text",
                    }
                    for column, label, kind in self.columns
                ],
            }
            for index in range(shown)
        ]
        return context

    def value_from_datadict(self, data, files, name):
        if not any(key.startswith(f"{name}-") for key in data):
            return None  # no row sent at all: the parameter is left to its default
        rows = []
        for index in range(self.max_rows + self.BLANK_ROWS):
            keys = [f"{name}-{index}-{column}" for column, _label, _kind in self.columns]
            if not any(key in data for key in keys):
                continue
            rows.append(
                {
                    column: data.get(key, "")
                    for (column, _l, _k), key in zip(self.columns, keys, strict=True)
                }
            )
        return rows

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}-") for key in data)


class RowsField(forms.Field):
    """A list of objects with simple fields (integers, lists of words, words), edited as rows
    of a table: `tiers` of included_extras is minimum order total + extras per row."""

    def __init__(self, *, columns, max_rows: int, **kwargs):
        self.columns = columns
        self.max_rows = max_rows
        kwargs.setdefault("widget", RowsWidget(columns, max_rows))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if not isinstance(value, list):
            raise ValidationError(_("Fill in the rows of the table."), code="invalid")
        rows, errors = [], []
        for number, row in enumerate(value, start=1):
            cells = {column: str(row.get(column) or "").strip() for column, _l, _k in self.columns}
            if not any(cells.values()):
                continue  # a blank row: added for more, or emptied to remove it
            clean = {}
            for column, label, kind in self.columns:
                text = cells[column]
                if kind == "int":
                    try:
                        clean[column] = int(text.replace(",", ""))
                    except ValueError:
                        errors.append(
                            ValidationError(
                                _("Row %(row)s: %(column)s must be a whole number."),
                                code="invalid",
                                params={"row": number, "column": label},
                            )
                        )
                elif kind == "list":
                    clean[column] = [
                        part.strip() for part in re.split(r"[;,、\n]", text) if part.strip()
                    ]
                else:
                    clean[column] = text
            rows.append(clean)
        if errors:
            raise ValidationError(errors)
        return rows

    def row_words(self, detail: str) -> str:
        """Return a service error's place ("[0].min_total") in words ("Row 1, Minimum …")."""
        match = re.match(r"^\[(\d+)\]\.?(\w*)", detail)
        if match is None:
            return detail
        labels = {column: label for column, label, _kind in self.columns}
        words = _("Row %(row)s") % {"row": int(match[1]) + 1}
        if match[2]:
            words = f"{words}, {labels.get(match[2], match[2])}"
        return str(words)


def _rows_columns(field) -> list[tuple]:
    """Return (name, label, type) of a nested serializer's fields, or None if not simple."""
    columns = []
    for name, child in field.child.fields.items():
        if isinstance(child, serializers.IntegerField):
            kind = "int"
        elif isinstance(child, serializers.ListField) and isinstance(
            child.child, serializers.CharField
        ):
            kind = "list"
        elif isinstance(child, serializers.CharField):
            kind = "str"
        else:
            return None
        columns.append((name, child.label or name, kind))
    return columns


def param_field(name: str, schema: dict, field=None) -> forms.Field:
    """Return the form field for one parameter described by the kind's schema.

    `field` is the kind's serializer field: its label and its choices' words are shown.
    """
    labels = dict(ExceptionReason.choices)
    choices = getattr(field, "choices", None) or getattr(
        getattr(field, "child", None), "choices", None
    )
    labels.update(choices or {})
    common = {
        "label": field.label if field is not None and field.label else param_label(name),
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
        return forms.ChoiceField(choices=_choices(schema["enum"], labels), **common)
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
            choices=_choices(items["enum"], labels),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == "array" and items.get("type") == "string":
        return LinesField(**common)
    if isinstance(field, serializers.ListSerializer):
        columns = _rows_columns(field)
        if columns:
            return RowsField(columns=columns, max_rows=field.max_length or PARAM_LIST_MAX, **common)
    raise ImproperlyConfigured(
        f"Parameter {name!r} has no form field: use a boolean, number, choice, time, date, "
        "text, list of words or a list of rows of those."
    )


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
            field = params_form.fields[match["name"]]
            if detail and isinstance(field, RowsField):
                detail = field.row_words(detail)
            params_form.add_error(match["name"], f"{detail}: {message}" if detail else message)
        elif path in form.fields:
            form.add_error(path, message)
        else:
            form.add_error(None, message)


def params_form_class(kind: PromiseKind) -> type[ParamsForm]:
    """Return a form class with one field per parameter of the kind, in the schema's order."""
    schema = kind.params_schema()
    declared = kind_param_fields(kind)
    fields = {
        name: param_field(name, spec, declared.get(name))
        for name, spec in schema["properties"].items()
    }
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
