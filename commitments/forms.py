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
from django.utils.translation import ngettext_lazy, pgettext_lazy

from config.limits import YEAR_MAX, YEAR_MIN

from .attributes import ACTION_ATTRIBUTES, attributes_validate
from .models import ActionKind, ExceptionReason, FindingStatus, FindingType, OccasionKind

ACTION_KIND_LABELS = {
    ActionKind.SHIPPED: _("Shipped the parcel"),
    ActionKind.NOTE_ENCLOSED: _("Enclosed a handwritten note"),
    ActionKind.SHIPPING_NOTICE_SENT: _("Sent the shipping notice"),
    ActionKind.REPLY_SENT: _("Replied to an inquiry"),
    ActionKind.REVIEW_REPLIED: _("Replied to a review"),
    ActionKind.THANK_YOU_SENT: _("Sent a thank-you message"),
}
OCCASION_KIND_LABELS = {
    OccasionKind.ORDER_PLACED: _("Order"),
    OccasionKind.INQUIRY_RECEIVED: _("Inquiry"),
    OccasionKind.REVIEW_POSTED: _("Review"),
}
REASON_LABELS = {
    ExceptionReason.OUR_MISTAKE: _("Our mistake"),
    ExceptionReason.DEADLINE: _("Customer deadline"),
    ExceptionReason.GOODWILL: _("Goodwill"),
    ExceptionReason.OTHER: _("Other (say why)"),
}
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
ATTRIBUTE_LABELS = {
    "lines": _("Lines of the note"),
    "tracking_number": _("Tracking number"),
    "extras": _("Extras in the parcel (separate with ;)"),
    "text": _("Reply text"),
}
# A level's unit in words (reports/views.py uses these for its charts' axes).
UNIT_LABELS = {
    "lines": _("lines"),
    "business_days_late": _("business days late"),
    "business_hours": _("business hours"),
    "days_after_shipment": _("days after shipment"),
    "days": _("days"),
    "hours": _("hours"),
    "extras": _("extras"),
}
# A level in each kind's unit, singular and plural: %(n)s is the number as shown, "count" picks
# the form (ngettext_lazy, so makemessages extracts both forms for the catalogue).
UNIT_WORDS = {
    "lines": ngettext_lazy("%(n)s line", "%(n)s lines", "count"),
    "business_days_late": ngettext_lazy(
        "%(n)s business day late", "%(n)s business days late", "count"
    ),
    "business_days_early": ngettext_lazy(
        "%(n)s business day early", "%(n)s business days early", "count"
    ),
    "business_hours": ngettext_lazy("%(n)s business hour", "%(n)s business hours", "count"),
    "days_after_shipment": ngettext_lazy(
        "%(n)s day after shipment", "%(n)s days after shipment", "count"
    ),
    "days": ngettext_lazy("%(n)s day", "%(n)s days", "count"),
    "hours": ngettext_lazy("%(n)s hour", "%(n)s hours", "count"),
    "extras": ngettext_lazy("%(n)s extra", "%(n)s extras", "count"),
}
PRECEDENT_LABELS = {
    "early_shipping": _("shipped earlier than promised"),
    "long_note": _("a note far longer than promised"),
    "closed_day_reply": _("a reply on a closed day"),
    "replied_to_high_rating": _("a reply to a high-rated review"),
    "extra_extras": _("extras beyond the promise"),
}
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def level_text(unit: str, value) -> str:
    """Return a measured level in words: "10 lines", "replied on a closed day"."""
    if value is None:
        return "–"
    if unit == "closed_day_reply":
        return str(_("replied on a closed day") if value >= 1 else _("waited for an open day"))
    if unit == "business_days_late" and value <= 0:
        if value == 0:
            return str(_("on the promised day"))
        unit, value = "business_days_early", -value
    words = UNIT_WORDS.get(unit)
    shown = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    if words is None:
        return f"{shown} {unit}"
    count = int(value) if float(value).is_integer() else 2  # a fraction reads as plural
    return words % {"n": shown, "count": count}


def attribute_field_name(name: str) -> str:
    return f"attr_{name}"


def _attribute_kinds() -> dict[str, list[str]]:
    """Return, per attribute name, the action kinds that carry it."""
    kinds: dict[str, list[str]] = {}
    for kind, attributes in ACTION_ATTRIBUTES.items():
        for attribute in attributes:
            kinds.setdefault(attribute.name, []).append(str(kind))
    return kinds


ATTRIBUTE_KINDS = _attribute_kinds()


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
        self.fields["kind"].choices = [(str(k), label) for k, label in ACTION_KIND_LABELS.items()]
        self.fields["exception_reason"].choices = [("", "—")] + [
            (str(reason), label) for reason, label in REASON_LABELS.items()
        ]
        for name, kinds in ATTRIBUTE_KINDS.items():
            widget = (
                forms.Textarea(attrs={"rows": 3})
                if name == "text"
                else forms.NumberInput(attrs={"min": 0})
                if name == "lines"
                else forms.TextInput()
            )
            widget.attrs["data-kinds"] = " ".join(kinds)
            self.fields[attribute_field_name(name)] = forms.CharField(
                label=ATTRIBUTE_LABELS.get(name, name), required=False, widget=widget
            )

    def attribute_fields(self):
        """Return the bound attribute fields, each with the kinds it belongs to."""
        return [self[attribute_field_name(name)] for name in ATTRIBUTE_KINDS]

    def action_input(self, *, with_exception: bool) -> dict:
        """Return the pre-check / record keyword arguments from the cleaned form.

        Raises the attribute ValidationError of the service (converted like CSV cells).
        """
        data = self.cleaned_data
        kind = data["kind"]
        raw = {}
        for attribute in ACTION_ATTRIBUTES.get(kind, ()):
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
