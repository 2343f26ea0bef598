"""Forms of the pre-check, findings and exceptions pages, and the words the pages show.

The forms only collect text: the services validate (commitments.services.action_validate),
so a page rejects exactly what the API and the CSV import reject, and `attach_errors` puts
each service error next to its field.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.limits import YEAR_MAX, YEAR_MIN
from policies import vocabulary
from policies.kinds import registry

from .attributes import attributes_validate
from .models import ExceptionReason, FindingStatus, FindingType

# The words of the log's kinds, attributes, units, reasons and precedents come from the
# registries (policies.vocabulary, policies.kinds), read at call time: a kind registered by
# its own module has its words on every page without a line here.


def action_kind_labels() -> dict[str, str]:
    """Return each action kind with what staff did, in words ("Shipped the parcel")."""
    return {kind_id: kind.done for kind_id, kind in vocabulary.action_kinds().items()}


def occasion_kind_labels() -> dict[str, str]:
    """Return each occasion kind as a heading ("Order", 「ご注文」)."""
    return {kind_id: kind.label for kind_id, kind in vocabulary.occasion_kinds().items()}


def record_kind_label(record: str, kind_id: str) -> str:
    """Return an occasion's or action's kind in words (the id when none is registered)."""
    labels = action_kind_labels() if record == vocabulary.ACTION else occasion_kind_labels()
    return str(labels.get(kind_id, kind_id))


# Why staff made an exception (policies.vocabulary.ExceptionReason, defined once).
REASON_LABELS = dict(ExceptionReason.choices)


def attribute_labels(record: str | None = None) -> dict[str, str]:
    """Return each attribute's label: of one record's kinds (the pre-check asks for the
    actions'), or of any kind, the occasions' first ("Text" rather than "Reply text")."""
    labels: dict[str, str] = {}
    records = (record,) if record else (vocabulary.OCCASION, vocabulary.ACTION)
    for each in records:
        for kind in vocabulary.record_kinds(each).values():
            for attribute in kind.attributes:
                labels.setdefault(attribute.name, attribute.label)
    return labels


def precedent_labels() -> dict[str, str]:
    """Return the words of every precedent a registered promise kind can set."""
    labels: dict[str, str] = {}
    for kind in registry.all():
        for what, words in kind.precedent_labels.items():
            labels.setdefault(what, words)
    return labels


EXCEPTION_STATUS_LABELS = {
    "requested": _("requested"),
    "approved": _("approved"),
    "rejected": _("rejected"),
}
FINDING_TYPE_LABELS = {
    FindingType.BREACH: _("breach"),
    FindingType.OVERDUE: _("overdue"),
    FindingType.DRIFT: _("drift"),
    FindingType.PRECEDENT: _("precedent"),
}
FINDING_STATUS_LABELS = {
    FindingStatus.OPEN: pgettext_lazy("finding status", "open"),
    FindingStatus.ACKNOWLEDGED: _("acknowledged"),
    FindingStatus.RESOLVED: _("resolved"),
}
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def level_text(unit: str, value) -> str:
    """Return a measured level in words: "10 lines", "replied on a closed day"."""
    if value is None:
        return "–"
    found = vocabulary.unit(unit)
    if found is None:
        shown = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
        return f"{shown} {unit}".strip()
    return found.measured_words(value)


def attribute_field_name(name: str) -> str:
    return f"attr_{name}"


def attribute_kinds() -> dict[str, list[str]]:
    """Return, per attribute name, the action kinds that carry it."""
    kinds: dict[str, list[str]] = {}
    for kind_id, kind in vocabulary.action_kinds().items():
        for attribute in kind.attributes:
            kinds.setdefault(attribute.name, []).append(kind_id)
    return kinds


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Put each error of a service (field in params["field"]) next to its form field."""
    for item in error.error_list:
        path = (item.params or {}).get("field") or ""
        name = {
            "exception.reason": "exception_reason",
            "exception.note": "exception_note",
        }.get(path, path)
        if path.startswith("attributes."):
            name = attribute_field_name(path.split(".", 1)[1])
        message = " ".join(item.messages)
        if name in form.fields:
            form.add_error(name, ValidationError(message, code=item.code))
        else:
            form.add_error(None, ValidationError(f"{path}: {message}" if path else message))


def _attribute_widget(attribute) -> forms.Widget:
    """Return the input of one attribute: a text area for long texts, a number, a date..."""
    if attribute.type == "str" and attribute.max_length > 1000:
        return forms.Textarea(attrs={"rows": 3})
    if attribute.type == "int":
        attrs = {"min": attribute.min} if attribute.min is not None else {}
        if attribute.max is not None:
            attrs["max"] = attribute.max
        return forms.NumberInput(attrs=attrs)
    if attribute.type == "date":
        return forms.DateInput(attrs={"type": "date"})
    if attribute.type == "datetime":
        return forms.DateTimeInput(attrs={"type": "datetime-local"})
    return forms.TextInput()


class PrecheckForm(forms.Form):
    """The action to check (and then record): its customer, kind, time, occasion, details."""

    customer = forms.CharField(
        label=_("Customer"),
        max_length=100,
        required=False,
        help_text=_("Type an id, a name or an e-mail address."),
    )
    kind = forms.ChoiceField(label=_("What you are about to do"), choices=())
    occurred_at = forms.CharField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Shop time."),
    )
    occasion = forms.CharField(label=_("Answering"), max_length=100, required=False)
    exception_reason = forms.ChoiceField(
        label=_("Reason for the exception"), required=False, choices=()
    )
    exception_note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for 'other'."),
    )
    # Typed text that is no customer's id, name or e-mail is recorded as a new customer's id
    # only when staff confirm it (a name typed by mistake never becomes a customer).
    confirm_new = forms.BooleanField(label=_("Record a new customer"), required=False)
    # The id the action will be recorded under: fixed when the answer is shown, so pressing
    # "record" twice records it once.
    external_id = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(action_kind_labels().items())
        self.fields["exception_reason"].choices = [("", "—")] + [
            (str(reason), label) for reason, label in REASON_LABELS.items()
        ]
        labels = attribute_labels(vocabulary.ACTION)
        attributes = {a.name: a for a in vocabulary.attributes_all()}
        self.attribute_names = list(attribute_kinds())
        for name, kinds in attribute_kinds().items():
            widget = _attribute_widget(attributes[name])
            widget.attrs["data-kinds"] = " ".join(kinds)
            self.fields[attribute_field_name(name)] = forms.CharField(
                label=labels.get(name, name), required=False, widget=widget
            )

    def attribute_fields(self):
        """Return the bound attribute fields, each with the kinds it belongs to."""
        return [self[attribute_field_name(name)] for name in self.attribute_names]

    def action_input(self, *, with_exception: bool) -> dict:
        """Return the pre-check / record keyword arguments from the cleaned form.

        Raises the attribute ValidationError of the service (converted like CSV cells).
        """
        data = self.cleaned_data
        kind = data["kind"]
        raw = {}
        found = vocabulary.record_kind_or_none(vocabulary.ACTION, kind)
        for attribute in found.attributes if found else ():
            value = data.get(attribute_field_name(attribute.name)) or ""
            if attribute.type == "str_list":
                value = value.replace("、", ";").replace(",", ";")
            if value.strip():
                raw[attribute.name] = value
        attributes = attributes_validate(record="action", kind=kind, attributes=raw, text=True)
        exception = None
        if with_exception:
            exception = {
                "reason": data.get("exception_reason") or "",
                "note": data.get("exception_note") or "",
            }
        return {
            "customer": data.get("customer") or "",
            "kind": kind,
            "occurred_at": data.get("occurred_at") or "",
            "occasion": data.get("occasion") or "",
            "attributes": attributes,
            "exception": exception,
        }


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the start and end of an ISO week ("2026-W47") in the shop's timezone."""
    year, number = (int(part) for part in WEEK_RE.match(week).groups())
    monday = date.fromisocalendar(year, number, 1)
    return (
        datetime.combine(monday, time(0), tzinfo=tz),
        datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz),
    )


class FindingFilterForm(forms.Form):
    """The filters of the findings list (all optional, read from the query string)."""

    type = forms.ChoiceField(label=_("Type"), required=False, choices=())
    promise = forms.TypedChoiceField(
        label=_("Promise"), required=False, coerce=int, empty_value=None, choices=()
    )
    week = forms.CharField(
        label=_("Week"),
        required=False,
        widget=forms.TextInput(attrs={"type": "week", "placeholder": "2026-W47"}),
    )
    staff = forms.CharField(label=_("Staff"), required=False, max_length=100)
    customer = forms.CharField(label=_("Customer"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    excused = forms.ChoiceField(
        label=_("Excused"),
        required=False,
        choices=[("", _("any")), ("false", _("not excused")), ("true", _("excused"))],
    )

    def __init__(self, *args, promises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("any"))] + [
            (str(value), label) for value, label in FINDING_TYPE_LABELS.items()
        ]
        self.fields["status"].choices = [("", _("any"))] + [
            (str(value), label) for value, label in FINDING_STATUS_LABELS.items()
        ]
        self.fields["promise"].choices = [("", _("any"))] + [
            (promise.pk, promise.name) for promise in promises
        ]

    def clean_week(self):
        week = self.cleaned_data["week"].strip()
        if not week:
            return ""
        match = WEEK_RE.match(week)
        try:
            if match is None or not YEAR_MIN <= int(match[1]) <= YEAR_MAX:
                raise ValueError(week)
            date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ValidationError(
                _("Give an ISO week such as 2026-W47."), code="invalid_param"
            ) from None
        return week

    def filters(self, *, tz: ZoneInfo) -> dict:
        """Return the selector filters (findings_for_shop) of the valid form."""
        data = self.cleaned_data
        filters = {
            key: data[key]
            for key in ("type", "promise", "staff", "customer", "status")
            if data.get(key) not in (None, "")
        }
        if data.get("excused"):
            filters["excused"] = data["excused"] == "true"
        if data.get("week"):
            filters["since"], filters["until"] = week_bounds(data["week"], tz)
        return filters


class FindingStatusForm(forms.Form):
    """Acknowledge, resolve or reopen a finding, with a note."""

    status = forms.ChoiceField(choices=[(str(value), value) for value in FindingStatus.values])
    note = forms.CharField(required=False, max_length=2000)
    next = forms.CharField(required=False)


class ExceptionDecisionForm(forms.Form):
    """A manager's decision on an exception, with a note."""

    decision = forms.ChoiceField(choices=[("approved", "approved"), ("rejected", "rejected")])
    note = forms.CharField(required=False, max_length=2000)
