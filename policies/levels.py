"""A promise's level in the kind's own words: 「1 営業日遅れ」, not "-1" or "1 business_days_late".

Levels are stored as numbers in the kind's level_unit (policies/kinds/); a manager reads them
here. Averages keep up to two decimals; a closed-day reply averages to a share of inquiries.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Units where "higher/lower is better" means something to a reader of a chart. A closed-day
# reply (0 or 1) is a yes/no habit, not a quantity with a better direction.
DIRECTED_UNITS = {
    "lines",
    "business_days_late",
    "business_hours",
    "days_after_shipment",
    "days",
    "hours",
    "extras",
}


def _n(value: float) -> str:
    value = round(float(value), 2)
    if value == int(value):
        return number_format(int(value), use_l10n=True, force_grouping=True)
    return number_format(value, decimal_pos=None, use_l10n=True, force_grouping=True).rstrip("0")


def _count(value: float) -> int:
    """The number ngettext chooses the plural by (1 only when the value is exactly one)."""
    return 1 if abs(round(float(value), 2)) == 1 else 2


def level_words(unit: str, value: float | None) -> str:
    """Return the level in words of its unit; "—" when there is none."""
    if value is None:
        return "—"
    value = float(value)
    n, count = _n(abs(value)), _count(value)
    if unit == "business_days_late":
        if value > 0:
            return ngettext("%(n)s business day late", "%(n)s business days late", count) % {"n": n}
        if value < 0:
            return ngettext("%(n)s business day early", "%(n)s business days early", count) % {
                "n": n
            }
        return _("on the promised day")
    if unit == "closed_day_reply":
        return _("%(pct)s%% of inquiries answered on a closed day") % {"pct": _n(value * 100)}
    if unit == "lines":
        return ngettext("%(n)s line", "%(n)s lines", count) % {"n": _n(value)}
    if unit == "business_hours":
        return ngettext("%(n)s business hour", "%(n)s business hours", count) % {"n": _n(value)}
    if unit == "days_after_shipment":
        return ngettext("%(n)s day after shipment", "%(n)s days after shipment", count) % {
            "n": _n(value)
        }
    if unit == "days":
        return ngettext("%(n)s day", "%(n)s days", count) % {"n": _n(value)}
    if unit == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", count) % {"n": _n(value)}
    if unit == "extras":
        return ngettext("%(n)s extra", "%(n)s extras", count) % {"n": _n(value)}
    return _n(value)


def gap_words(unit: str, value: float | None) -> str:
    """Return a gap between two levels (always a size, never a direction) in the unit's words."""
    if value is None:
        return "—"
    if unit == "business_days_late":
        return ngettext("%(n)s business day", "%(n)s business days", _count(value)) % {
            "n": _n(abs(value))
        }
    if unit == "closed_day_reply":
        return _("%(pct)s%%") % {"pct": _n(abs(value) * 100)}
    return level_words(unit, abs(value))


# What the customer did and what the shop does, for the list of promise kinds.
OCCASION_WORDS = {
    "order_placed": gettext_lazy("places an order"),
    "inquiry_received": gettext_lazy("sends an inquiry"),
    "review_posted": gettext_lazy("posts a review"),
}
ACTION_WORDS = {
    "shipped": gettext_lazy("ships the parcel"),
    "note_enclosed": gettext_lazy("encloses a handwritten note"),
    "shipping_notice_sent": gettext_lazy("sends the shipping notice"),
    "reply_sent": gettext_lazy("replies"),
    "review_replied": gettext_lazy("replies to the review"),
    "thank_you_sent": gettext_lazy("sends a thank-you message"),
}
UNIT_WORDS = {
    "lines": gettext_lazy("lines"),
    "business_days_late": gettext_lazy("business days late"),
    "business_hours": gettext_lazy("business hours"),
    "days_after_shipment": gettext_lazy("days after shipment"),
    "days": gettext_lazy("days"),
    "hours": gettext_lazy("hours"),
    "extras": gettext_lazy("extras"),
    "closed_day_reply": gettext_lazy("share of inquiries answered on a closed day"),
}
