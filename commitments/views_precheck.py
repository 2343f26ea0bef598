"""The pre-check page: "is this consistent?", then record the action as done or as an exception."""

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import shop_for
from accounts.models import Role

from . import selectors, services
from .forms import PrecheckForm, action_kind_labels, attach_errors, record_kind_label
from .precheck_context import OccasionResolution, answer_complete, occasion_resolve
from .prechecks import known_kinds, precheck_run
from .views import (
    customer_url,
    kind_label,
    level_of,
    message_of,
    precedent_label,
    reason_label,
    type_label,
)

RECORD_ID = re.compile(r"^tsuzuku-[0-9a-f]{32}$")
VERDICT_WORDS = {
    "not_judged": ("➖", "verdict-neutral"),
    "ok": ("✅", "verdict-ok"),
    "drift": ("⚠️", "verdict-warn"),
    "precedent": ("⚠️", "verdict-warn"),
    "breach": ("❌", "verdict-bad"),
}


def new_record_id() -> str:
    """Return an external id for an action recorded from the page."""
    return f"tsuzuku-{uuid.uuid4().hex}"


def _headline(verdict: str) -> tuple[str, str]:
    return {
        "ok": (
            _("Consistent"),
            _("This keeps the promises and what this customer has experienced before."),
        ),
        "drift": (
            _("Drift"),
            _("Within the promise, but less than this customer got before."),
        ),
        "precedent": (
            _("Precedent"),
            _("Beyond the promise: this customer would expect it next time."),
        ),
        "breach": (_("Breach"), _("Below the promise.")),
        "not_judged": (
            _("Not judged"),
            _("No promise judged this action: nothing says it is consistent, or that it is not."),
        ),
    }[verdict]


def _shop_moment(moment: datetime, tz: ZoneInfo | None = None) -> str:
    """Return a moment in shop time in the language's DATETIME_FORMAT (config/formats/), as
    the templates' |shop_time writes it: 「2026年11月20日(金) 17:30」 / "Nov 20, 2026, 5:30 p.m."
    """
    if tz is not None and timezone.is_aware(moment):
        moment = moment.astimezone(tz)
    return formats.date_format(moment, "DATETIME_FORMAT")


def _short(moment: str | None) -> str:
    """Return an ISO time in shop time (as the judging writes it) in the language's words."""
    parsed = parse_datetime(moment) if moment else None
    return _shop_moment(parsed) if parsed is not None else (moment or "")


def occasion_label(occasion, tz: ZoneInfo) -> str:
    """Return 「注文 O-1 · 2026年11月20日(金) 17:30」 for an occasion, in shop time."""
    kind = record_kind_label("occasion", occasion.kind)
    return f"{kind} {occasion.external_id} · {_shop_moment(occasion.occurred_at, tz)}"


def answer_view(result, *, shop, resolution: OccasionResolution | None = None) -> dict:
    """Return the pre-check's answer as the page shows it (and its JSON, for the scripts).

    An `ok` that no promise judged is shown as "not judged" (neutral), never as ✅.
    """
    tz = ZoneInfo(shop.timezone)
    data = answer_complete(result.as_dict(), resolution or OccasionResolution(), tz=tz)
    shown = data["verdict"] if data["judged"] or data["verdict"] != "ok" else "not_judged"
    mark, tone = VERDICT_WORDS[shown]
    title, explanation = _headline(shown)
    promises = []
    for promise in data["promises"]:
        key = str(promise["id"])
        commitment = data["commitment"][key]
        before = commitment["before"]
        findings = [
            {**finding, "message": message_of(finding), "type_label": type_label(finding["type"])}
            for finding in data["findings"]
            if finding["promise"]["id"] == promise["id"]
        ]
        promises.append(
            {
                **promise,
                "label": kind_label(promise["kind"]),
                "level_text": level_of(promise["kind"], promise["level"]),
                "findings": findings,
                "has_precedent": any(f["type"] == "precedent" for f in findings),
                "excused_reason_labels": [reason_label(r) for r in promise["excused_reasons"]],
                "before": before
                and {
                    **before,
                    "last_text": level_of(promise["kind"], before["last_level"]),
                    "best_text": level_of(promise["kind"], before["best_level"]),
                },
                "after": {
                    **commitment,
                    "precedent_texts": [
                        {**p, "label": precedent_label(p), "at_text": _short(p.get("at"))}
                        for p in commitment["precedents"]
                    ],
                    "last_text": level_of(promise["kind"], commitment["last_level"]),
                    "best_text": level_of(promise["kind"], commitment["best_level"]),
                },
                "history": [
                    {
                        **item,
                        "level_text": level_of(promise["kind"], item["level"]),
                        "at_text": _short(item["at"]),
                    }
                    for item in data["history"][key]
                ],
            }
        )
    return {
        "data": data,
        "verdict": data["verdict"],
        "shown": shown,
        "judged": data["judged"],
        "occasion_choices": [
            {"value": occasion.external_id, "label": occasion_label(occasion, tz)}
            for occasion in (resolution.choices if resolution else ())
        ],
        "mark": mark,
        "tone": tone,
        "title": title,
        "explanation": explanation,
        "promises": promises,
        "notes": [message_of(note) for note in data["notes"]],
        "customer_url": customer_url(shop, data["customer"]["external_id"])
        if data["customer"]["known"]
        else "",
    }


def _record(request, shop, form: PrecheckForm, *, with_exception: bool):
    """Record the form's action (as done, or with its exception); return the response."""
    payload = form.action_input(with_exception=with_exception)
    action, created = services.action_record(
        shop=shop,
        external_id=form.cleaned_data["external_id"],
        staff=request.user.get_username()[:100],
        requested_by=request.user,
        **payload,
    )
    findings = list(selectors.findings_for_action(action=action))
    if not created:
        messages.info(request, _("Already recorded as %(id)s.") % {"id": action.external_id})
    elif with_exception:
        messages.success(
            request,
            _("Recorded %(id)s with an exception (%(reason)s); a manager can decide it.")
            % {"id": action.external_id, "reason": reason_label(payload["exception"]["reason"])},
        )
    else:
        messages.success(
            request,
            _("Recorded %(id)s: %(count)s finding(s).")
            % {"id": action.external_id, "count": len(findings)},
        )
    return redirect(f"{customer_url(shop, action.customer.external_id)}#action-{action.pk}")


def _occasion_choices(shop, customer_id: str, selected: str) -> list[dict]:
    """Return the customer's open occasions as select options (the selected one kept)."""
    tz = ZoneInfo(shop.timezone)
    customer = (
        selectors.customer_by_external_id(shop=shop, external_id=customer_id)
        if customer_id
        else None
    )
    options = []
    if customer is not None:
        for occasion in selectors.customer_open_occasions(
            customer=customer, action_kinds=known_kinds()
        ):
            options.append(
                {
                    "value": occasion.external_id,
                    "label": occasion_label(occasion, tz),
                    "open_for": " ".join(occasion.open_for),
                }
            )
    if selected and selected not in {option["value"] for option in options}:
        options.insert(0, {"value": selected, "label": selected, "open_for": ""})
    return options


def _check(
    request,
    shop,
    form: PrecheckForm,
    *,
    with_exception: bool | None = None,
    resolution: OccasionResolution | None = None,
) -> dict:
    """Return the answer for the form's action (with its exception when a reason is chosen)."""
    if with_exception is None:
        with_exception = bool(form.cleaned_data.get("exception_reason"))
    payload = form.action_input(with_exception=with_exception)
    result = precheck_run(shop=shop, staff=request.user.get_username()[:100], **payload)
    return answer_view(result, shop=shop, resolution=resolution)


def _set(form: PrecheckForm, name: str, value: str) -> None:
    """Put a resolved value in the form (what is shown, checked and then recorded)."""
    form.data[name] = value
    form.cleaned_data[name] = value


def _find_customer(shop, form: PrecheckForm) -> dict:
    """Return who the typed customer is: one customer (by id, name or e-mail), several, none.

    A customer found by name or e-mail replaces the text by its external id in the form, so
    the check and the recording after it are about that customer.
    """
    typed = (form.cleaned_data.get("customer") or "").strip()
    matches = selectors.customers_matching(shop=shop, text=typed)
    found = matches[0] if len(matches) == 1 else None
    if found is not None and found.external_id != typed:
        _set(form, "customer", found.external_id)
    return {
        "typed": typed,
        "customer": found,
        "by_name": found is not None and found.external_id != typed,
        "choices": matches if len(matches) > 1 else [],
        "unknown": bool(typed) and not matches,
    }


def _resolve_occasion(shop, form: PrecheckForm, lookup: dict) -> OccasionResolution:
    """Return the occasion to judge against (the one open occasion when none was chosen)."""
    data = form.cleaned_data
    resolution = occasion_resolve(
        shop=shop,
        customer=lookup["customer"],
        kind=data.get("kind", ""),
        occurred_at=data.get("occurred_at") or "",
        occasion=(data.get("occasion") or "").strip(),
    )
    if resolution.chosen:
        _set(form, "occasion", resolution.occasion)
    return resolution


def _has_action_errors(form: PrecheckForm) -> bool:
    """Return whether the form has errors other than the exception's reason and note."""
    return any(name not in ("exception_reason", "exception_note") for name in form.errors)


@login_required
@require_http_methods(["GET", "POST"])
def precheck_page(request, shop):
    """Render the pre-check form; on POST check it, or record it as done or as an exception."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    tz = ZoneInfo(shop.timezone)
    answer = None
    lookup = None
    status = 200
    if request.method == "POST":
        data = request.POST.copy()
        if not RECORD_ID.match(data.get("external_id", "")):
            data["external_id"] = new_record_id()
        # A customer or an occasion picked among the choices the page offered.
        for picked, name in (("customer_pick", "customer"), ("occasion_pick", "occasion")):
            if data.get(picked, "").strip():
                data[name] = data[picked].strip()
        form = PrecheckForm(data)
        op = request.POST.get("op", "check")
        if not form.is_valid():
            status = 400
        else:
            lookup = _find_customer(shop, form)
        if lookup is not None and op != "occasions":
            recording = op in ("record", "exception")
            try:
                if lookup["choices"]:
                    # Several customers match: staff pick one; nothing is judged or recorded.
                    if recording:
                        form.add_error("customer", _("Choose the customer first."))
                        status = 400
                elif recording and lookup["unknown"] and not form.cleaned_data["confirm_new"]:
                    # Never a new customer from a name typed by mistake.
                    form.add_error(
                        "confirm_new",
                        _(
                            "No customer has this id, name or e-mail. Tick the box to record "
                            "a new customer with the id “%(id)s”."
                        )
                        % {"id": lookup["typed"]},
                    )
                    status = 400
                    answer = _check(
                        request, shop, form, resolution=_resolve_occasion(shop, form, lookup)
                    )
                else:
                    resolution = _resolve_occasion(shop, form, lookup)
                    if recording:
                        return _record(request, shop, form, with_exception=op == "exception")
                    answer = _check(request, shop, form, resolution=resolution)
            except services.Conflict:
                form.add_error(
                    None,
                    _("This was already recorded with other details. Check it again first."),
                )
                form.data["external_id"] = new_record_id()
                status = 409
            except ValidationError as error:
                attach_errors(form, error)
                status = 400
            if answer is None and op == "exception" and not _has_action_errors(form):
                # The exception's reason or note was wrong: show the answer again around it.
                answer = _check(request, shop, form, with_exception=False)
    else:
        now = timezone.now().astimezone(tz)
        kind = request.GET.get("kind", "")
        form = PrecheckForm(
            initial={
                "customer": request.GET.get("customer", ""),
                "kind": kind if kind in action_kind_labels() else "",
                "occasion": request.GET.get("occasion", ""),
                "occurred_at": f"{now:%Y-%m-%dT%H:%M}",
                "external_id": new_record_id(),
            }
        )
    customer_value = (form["customer"].value() or "").strip()
    context = {
        "shop": shop,
        "form": form,
        "answer": answer,
        "lookup": lookup,
        "occasions": _occasion_choices(shop, customer_value, form["occasion"].value() or ""),
        "customer_value": customer_value,
        "timezone": shop.timezone,
    }
    return render(request, "commitments/precheck.html", context, status=status)


@login_required
@require_GET
def precheck_occasions(request, shop):
    """Return the open occasions of a customer as JSON, for the pre-check's select."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    customer = request.GET.get("customer", "").strip()
    options = _occasion_choices(shop, customer, "")
    return JsonResponse(
        {
            "occasions": [
                {
                    "external_id": option["value"],
                    "label": option["label"],
                    "open_for": option["open_for"].split(),
                }
                for option in options
            ]
        }
    )
