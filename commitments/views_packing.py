"""The packing station: log each parcel's note and extras, with the pre-check's answer first.

Keyboard only: scan or type the order number and press Enter; type the note's lines, tick
the extras (the ones the promise asks for this order are ticked already) and press Enter
to see the pre-check; press Enter again to record. Recorded with action_record, together or
not at all: the note as `note_enclosed` `<order>-note`, the parcel as `shipped`
`<order>-shipped` (the id Shopify's webhooks use, so a later fulfillment does not record the
shipment twice). An order already recorded as shipped (a Shopify fulfillment, a label tool's
export) keeps that shipment: only its note is recorded, as the webhooks do.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import shop_for
from accounts.models import Role
from policies.kinds.included_extras import required_extras

from . import services
from .judging import promises_load
from .models import Action, Occasion
from .prechecks import precheck_run
from .views import message_of, type_label

VERDICT_MARKS = {"ok": "✅", "drift": "⚠️", "precedent": "⚠️", "breach": "❌"}


def _verdict_word(verdict: str) -> str:
    return {
        "ok": _("Consistent"),
        "drift": _("Drift"),
        "precedent": _("Precedent"),
        "breach": _("Breach"),
    }[verdict]


def _order_find(shop, number: str) -> Occasion | None:
    """Return the order for a scanned or typed number ("1001" also finds "#1001")."""
    number = number.strip()
    if not number:
        return None
    candidates = [number] if number.startswith("#") else [number, f"#{number}"]
    found = {
        o.external_id: o
        for o in Occasion.objects.select_related("customer").filter(
            shop=shop, kind="order_placed", external_id__in=candidates
        )
    }
    return next((found[c] for c in candidates if c in found), None)


def _extras_offered(shop, order: Occasion, now) -> tuple[list[str], set[str]]:
    """Return the extras the promises name (checkbox list) and those this order needs."""
    offered, needed = [], set()
    attributes = order.attributes or {}
    for item in promises_load(shop=shop):
        if item.kind.id != "included_extras" or item.in_force(now) is None:
            continue
        params = item.params(item.in_force(order.occurred_at) or item.in_force(now))
        for tier in params["tiers"]:
            offered += [extra for extra in tier["extras"] if extra not in offered]
        if params["gift_wrap_when_gift"] and "gift_wrap" not in offered:
            offered.append("gift_wrap")
        needed |= required_extras(
            params, total=attributes.get("total", 0), gift=bool(attributes.get("gift"))
        )
    return offered, needed


def _answer(result) -> dict:
    data = result.as_dict()
    return {
        "verdict": data["verdict"],
        "mark": VERDICT_MARKS[data["verdict"]],
        "word": _verdict_word(data["verdict"]),
        "findings": [
            {"type_label": type_label(f["type"]), "message": message_of(f)}
            for f in data["findings"]
        ],
    }


def _records(
    order: Occasion, *, lines, extras: list[str], tracking: str, shipped: bool
) -> list[dict]:
    """Return the actions the parcel makes: its note (when lines were typed) and shipment.

    An order already shipped keeps its recorded shipment: only the note is made.
    """
    records = []
    if lines is not None:
        records.append(
            {
                "external_id": f"{order.external_id}-note",
                "kind": "note_enclosed",
                "attributes": {"lines": lines},
            }
        )
    if shipped:
        return records
    attributes = {"extras": extras} if extras else {}
    if tracking:
        attributes["tracking_number"] = tracking
    records.append(
        {"external_id": f"{order.external_id}-shipped", "kind": "shipped", "attributes": attributes}
    )
    return records


@login_required
@require_http_methods(["GET", "POST"])
def packing_page(request, shop):
    """Find the order, pre-check its note and extras, record them; back to the next order."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    data = request.POST if request.method == "POST" else request.GET
    op = data.get("op", "find")
    number = data.get("order", "")
    context = {"shop": shop, "number": number, "step": "find"}
    if not number:
        return render(request, "commitments/packing.html", context)
    order = _order_find(shop, number)
    if order is None:
        context["error"] = _("No order %(number)s in this shop.") % {"number": number}
        return render(request, "commitments/packing.html", context, status=404)
    now = timezone.now()
    shipment = (
        Action.objects.filter(shop=shop, occasion=order, kind="shipped")
        .order_by("occurred_at", "pk")
        .first()
    )
    offered, needed = _extras_offered(shop, order, now)
    lines_text = data.get("lines", "").strip()
    extras = [extra for extra in data.getlist("extras") if extra] if op != "find" else []
    chosen = set(extras) if op != "find" else needed
    context.update(
        step="lines",
        order=order,
        lines=lines_text,
        tracking=data.get("tracking_number", "").strip(),
        extras=[{"name": e, "checked": e in chosen, "needed": e in needed} for e in offered],
        shipment=shipment,
    )
    if op == "find":
        return render(request, "commitments/packing.html", context)
    lines = None
    if lines_text:
        if not lines_text.isdigit():
            context["error"] = _("Lines must be a whole number, e.g. 6.")
            return render(request, "commitments/packing.html", context, status=400)
        lines = int(lines_text)
    if lines is None and shipment is not None:
        context["error"] = _("This order is recorded as shipped already: type the note's lines.")
        return render(request, "commitments/packing.html", context, status=400)
    records = _records(
        order,
        lines=lines,
        extras=sorted(chosen),
        tracking=context["tracking"],
        shipped=shipment is not None,
    )
    staff = request.user.get_username()[:100]
    common = {
        "shop": shop,
        "customer": order.customer.external_id,
        "occurred_at": now,
        "occasion": order.external_id,
        "staff": staff,
    }
    if op == "check":
        try:
            context["answers"] = [
                {
                    "kind": record["kind"],
                    **_answer(
                        precheck_run(kind=record["kind"], attributes=record["attributes"], **common)
                    ),
                }
                for record in records
            ]
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return render(request, "commitments/packing.html", context, status=400)
        context["step"] = "record"
        return render(request, "commitments/packing.html", context)
    try:
        with transaction.atomic():  # the note and the shipment together, or neither
            for record in records:
                services.action_record(requested_by=request.user, **common, **record)
    except services.Conflict as conflict:
        context["error"] = conflict.message
        return render(request, "commitments/packing.html", context, status=409)
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return render(request, "commitments/packing.html", context, status=400)
    messages.success(
        request,
        _("Recorded %(order)s: %(what)s.")
        % {
            "order": order.external_id,
            "what": ", ".join(
                [_("note of %(n)s lines") % {"n": lines}] * (lines is not None)
                + [_("shipped with %(extras)s") % {"extras": ", ".join(sorted(chosen)) or "—"}]
                * (shipment is None)
            ),
        },
    )
    return redirect("commitments:packing", shop=shop.slug)
