"""The audit trail in words a manager reads: events, objects, fields and values.

Entries store codes (``promise.edited``, ``{"role": "staff"}``, ISO times); these helpers turn
them into 「約束を変更」, 「役割: スタッフ → マネージャー」, 「2026年11月22日(日) 15:30」.
An event or field without words here is shown as it is stored (tests/accounts/test_audit_page.py
checks that every event the code records has its words).
"""

import datetime as dt

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EVENT_WORDS = {
    "promise.created": gettext_lazy("Promise created"),
    "promise.edited": gettext_lazy("Promise changed (new version)"),
    "promise.renamed": gettext_lazy("Promise renamed"),
    "promise.retired": gettext_lazy("Promise retired"),
    "shop.created": gettext_lazy("Shop created"),
    "shop.deleted": gettext_lazy("Shop deleted"),
    "calendar.changed": gettext_lazy("Calendar changed"),
    "customer.erased": gettext_lazy("Customer's personal data erased"),
    "invitation.created": gettext_lazy("Invitation sent"),
    "invitation.accepted": gettext_lazy("Invitation accepted"),
    "password.reset_requested": gettext_lazy("Password reset requested"),
    "password.reset": gettext_lazy("Password reset"),
    "shopify.connected": gettext_lazy("Shopify connected"),
    "column_profile.saved": gettext_lazy("Column mapping saved"),
    "alert.subscribed": gettext_lazy("Alert subscribed"),
    "alert.removed": gettext_lazy("Alert removed"),
    "report.recipients_changed": gettext_lazy("Weekly report recipients changed"),
    "role.changed": gettext_lazy("Member's role changed"),
    "token.created": gettext_lazy("API token created"),
    "token.revoked": gettext_lazy("API token revoked"),
    "finding.status_changed": gettext_lazy("Finding status changed"),
    "finding.made_public": gettext_lazy("Precedent marked as told publicly"),
    "finding.public_withdrawn": gettext_lazy("Precedent no longer marked as public"),
    "exception.decided": gettext_lazy("Exception decided"),
    "import.uploaded": gettext_lazy("CSV file uploaded"),
    "import.undone": gettext_lazy("Import undone"),
}
OBJECT_WORDS = {
    "promise": gettext_lazy("promise"),
    "shop": gettext_lazy("shop"),
    "calendar": gettext_lazy("calendar"),
    "membership": gettext_lazy("member"),
    "user": gettext_lazy("member"),
    "api_token": gettext_lazy("API token"),
    "finding": gettext_lazy("finding"),
    "exception": gettext_lazy("exception"),
    "import": gettext_lazy("import"),
}
FIELD_WORDS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "version": gettext_lazy("Version"),
    "params": gettext_lazy("Parameters"),
    "effective_from": gettext_lazy("Effective from"),
    "reason": gettext_lazy("Reason"),
    "retired_at": gettext_lazy("Retired"),
    "role": gettext_lazy("Role"),
    "user": gettext_lazy("Member"),
    "username": gettext_lazy("Member"),
    "status": gettext_lazy("Status"),
    "note": gettext_lazy("Note"),
    "decision_note": gettext_lazy("Note"),
    "action": gettext_lazy("Action"),
    "customer": gettext_lazy("Customer"),
    "slug": gettext_lazy("Address name"),
    "prefix": gettext_lazy("Token start"),
    "revoked_at": gettext_lazy("Revoked"),
    "filename": gettext_lazy("File"),
    "rows": gettext_lazy("Rows"),
    "size": gettext_lazy("Size (bytes)"),
    "timezone": gettext_lazy("Time zone"),
    "closed_weekdays": gettext_lazy("Closed weekdays"),
    "business_hours": gettext_lazy("Business hours"),
    "holidays": gettext_lazy("Holidays"),
    "closures": gettext_lazy("Closures"),
    "open_days": gettext_lazy("Extra open days"),
    "actions": gettext_lazy("Actions removed"),
    "occasions": gettext_lazy("Occasions removed"),
    "occasions_kept": gettext_lazy("Occasions kept (answered from elsewhere)"),
    "customers_removed": gettext_lazy("Customers removed"),
    "public": gettext_lazy("Told publicly"),
    "public_at": gettext_lazy("Public from"),
}
VALUE_WORDS = {
    "manager": gettext_lazy("Manager"),
    "staff": gettext_lazy("Staff"),
    "viewer": gettext_lazy("Viewer"),
    "requested": gettext_lazy("requested"),
    "approved": gettext_lazy("approved"),
    "rejected": gettext_lazy("rejected"),
    "open": gettext_lazy("open"),
    "acknowledged": gettext_lazy("acknowledged"),
    "resolved": gettext_lazy("resolved"),
    "done": gettext_lazy("done"),
    "failed": gettext_lazy("failed"),
    "undone": gettext_lazy("undone"),
}

# Words of a value that depend on the field it is the value of ("all" of a review promise's
# scope is "every review"); the apps above fill it (policies.apps: parameter choices).
FIELD_VALUE_WORDS: dict[str, dict] = {}


def event_words(event: str) -> str:
    return str(EVENT_WORDS.get(event, event))


def object_words(object_type: str, object_id: str) -> str:
    return f"{OBJECT_WORDS.get(object_type, object_type)} {object_id}".strip()


def field_words(field: str) -> str:
    return str(FIELD_WORDS.get(field, field))


def value_words(value, field: str | None = None) -> str:
    """Return a stored value in words: yes/no, shop time, lists and mappings spelled out.

    `field`: the key the value is stored under, for words that depend on it.
    """
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, str):
        moment = parse_datetime(value) if "T" in value and value[:4].isdigit() else None
        if isinstance(moment, dt.datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "DATETIME_FORMAT")
        by_field = FIELD_VALUE_WORDS.get(field or "", {})
        return str(by_field.get(value, VALUE_WORDS.get(value, value)))
    if isinstance(value, dict):
        return "; ".join(
            f"{field_words(str(k))}: {value_words(v, str(k))}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(value_words(item, field) for item in value)
    if isinstance(value, float):
        return formats.number_format(value, use_l10n=True)
    return str(value)


def changes_in_words(changes: list[dict]) -> list[dict]:
    """Return audit_diff's changes with the field and both values in words."""
    return [
        {
            "field": field_words(change["field"]) if change["field"] else "",
            "before": value_words(change["before"], change["field"]),
            "after": value_words(change["after"], change["field"]),
        }
        for change in changes
    ]
