"""The shop overview and the promise pages: list, create, edit (with the impact preview
before a lowering), retire and version history. Managers write; viewers and staff read."""

import hashlib
import json
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role

from . import hooks, selectors, services
from .forms import (
    KindChoiceForm,
    PromiseCreateForm,
    PromiseEditForm,
    RetireForm,
    add_errors,
    kind_param_fields,
    param_label,
    param_value_words,
    params_form,
)
from .kinds import UnknownKind, registry
from .levels import action_phrase, level_words, occasion_phrase, unit_name
from .versions import version_in_force
from .vocabulary import ExceptionReason


# ------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------
def _shop(request, slug: str, *, role: str = Role.VIEWER):
    """Return the shop and whether the user manages it (404 non-member, 403 too low)."""
    shop, have = shop_for(request.user, slug, role=role)
    return shop, ROLE_RANK[Role(have)] >= ROLE_RANK[Role.MANAGER]


def _render(request, shop, template: str, context: dict, *, status: int = 200):
    """Render with the shop in the context and times shown in the shop's timezone."""
    with timezone.override(ZoneInfo(shop.timezone)):
        return render(request, template, {"shop": shop, **context}, status=status)


def _promise(shop, promise_id):
    promise = selectors.shop_promise(shop=shop, promise_id=promise_id)
    if promise is None:
        raise Http404("No such promise.")
    return promise


def _kind_label(kind) -> str:
    return kind.label_ja if (get_language() or "").startswith("ja") else kind.label_en


def _value_text(value, labels: dict | None = None, columns: dict | None = None) -> str:
    """Return a parameter value as the pages show it: choices and reasons in words, rows of
    a table (tiers) as "Minimum order total (yen): 6,800, Extras: greeting_card"."""
    labels = labels or {}
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        sep = "、" if (get_language() or "").startswith("ja") else ", "
        return sep.join(str(labels.get(item, item)) for item in value) if value else "—"
    if isinstance(value, str):
        return str(labels.get(value, value))
    if isinstance(value, dict):
        columns = columns or {}
        return ", ".join(
            f"{columns.get(key, key)}: {_value_text(item, labels)}" for key, item in value.items()
        )
    if isinstance(value, list):
        return " / ".join(_value_text(item, labels, columns) for item in value) if value else "—"
    return str(value)


def params_rows(kind, params: dict, *, previous: dict | None = None) -> list[dict]:
    """Return the parameters in the schema's order, with descriptions and what changed.

    Labels and the words of values come from the kind's parameter fields (their `label`
    and choices), exception reasons from policies.vocabulary.
    """
    properties = kind.params_schema()["properties"]
    names = list(properties) + [name for name in params if name not in properties]
    fields = kind_param_fields(kind)
    words = param_value_words(kind)
    reasons = dict(ExceptionReason.choices)
    rows = []
    for name in names:
        field = fields.get(name)
        child = getattr(field, "child", None)
        columns = (
            {column: sub.label for column, sub in child.fields.items()}
            if hasattr(child, "fields")
            else None
        )
        labels = {**reasons, **words.get(name, {})}
        rows.append(
            {
                "name": name,
                "label": str(param_label(name, kind)),
                "value": _value_text(params.get(name), labels, columns),
                "description": properties.get(name, {}).get("description", ""),
                "changed": previous is not None and previous.get(name) != params.get(name),
            }
        )
    return rows


def _fingerprint(params: dict) -> str:
    """Return a short fingerprint of parameters, to tie a confirmation to what was previewed."""
    text = json.dumps(params, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _rows_of_shop(shop) -> list[dict]:
    """Return every promise of the shop with its version now, the next one and its status."""
    now = timezone.now()
    versions = selectors.promise_versions_for_shop(shop=shop)
    rows = []
    for promise in selectors.shop_promises(shop=shop, include_retired=True):
        history = versions.get(promise.pk, [])
        current = version_in_force(history, at=now, retired_at=promise.retired_at)
        upcoming = [
            version
            for version in history
            if version.effective_from > now
            and (promise.retired_at is None or version.effective_from < promise.retired_at)
        ]
        if promise.retired_at is not None and promise.retired_at <= now:
            status = "retired"
        elif current is None:
            status = "scheduled"
        else:
            status = "in_force"
        shown = current or (upcoming[0] if upcoming else history[-1])
        kind = registry.get(promise.kind)
        rows.append(
            {
                "promise": promise,
                "kind_label": _kind_label(kind),
                "version": shown,
                "params": params_rows(kind, shown.params),
                "upcoming": upcoming,
                "status": status,
            }
        )
    return rows


# ------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------
@login_required
@require_GET
def shop_home(request, shop):
    """The shop overview: the promises in force with their parameters, and where to go next."""
    shop, can_manage = _shop(request, shop)
    rows = _rows_of_shop(shop)
    return _render(
        request,
        shop,
        "policies/shop_home.html",
        {
            "in_force": [row for row in rows if row["status"] == "in_force"],
            "scheduled": [row for row in rows if row["status"] == "scheduled" or row["upcoming"]],
            "retired_count": sum(row["status"] == "retired" for row in rows),
            "can_manage": can_manage,
        },
    )


@login_required
@require_GET
def promise_list(request, shop):
    """Every promise of the shop: in force, scheduled and retired."""
    shop, can_manage = _shop(request, shop)
    rows = _rows_of_shop(shop)
    return _render(
        request,
        shop,
        "policies/promise_list.html",
        {
            "active": [row for row in rows if row["status"] != "retired"],
            "retired": [row for row in rows if row["status"] == "retired"],
            "can_manage": can_manage,
            "rejudge_pending": hooks.rejudge_pending(shop.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def promise_create(request, shop):
    """Choose a kind, then fill in the form generated from its parameters."""
    shop, _manages = _shop(request, shop, role=Role.MANAGER)
    kind_id = request.POST.get("kind") or request.GET.get("kind")
    if not kind_id:
        kinds = [
            {
                "id": kind.id,
                "label": _kind_label(kind),
                "occasion_kind": occasion_phrase(kind.occasion_kind),
                "action_kind": action_phrase(kind.action_kind),
                "level_unit": unit_name(kind.level_unit),
            }
            for kind in registry.all()
        ]
        return _render(
            request,
            shop,
            "policies/promise_kinds.html",
            {"kinds": kinds, "form": KindChoiceForm(language=get_language() or "en")},
        )
    try:
        kind = registry.get(kind_id)
    except UnknownKind:
        raise Http404("No such promise kind.") from None

    with timezone.override(ZoneInfo(shop.timezone)):
        if request.method == "POST":
            form = PromiseCreateForm(request.POST)
            parameters = params_form(kind, data=request.POST)
            if form.is_valid() and parameters.is_valid():
                try:
                    promise = services.promise_create(
                        shop=shop,
                        kind=kind.id,
                        name=form.cleaned_data["name"],
                        params=parameters.params(),
                        effective_from=form.cleaned_data["effective_from"],
                        author=request.user,
                        confirm_duplicate_kind=form.cleaned_data["confirm_duplicate_kind"],
                    )
                except ValidationError as error:
                    add_errors(error, params_form=parameters, form=form)
                else:
                    messages.success(request, _("The promise is recorded as version 1."))
                    return redirect(
                        "policies:promise-detail", shop=shop.slug, promise_id=promise.pk
                    )
        else:
            form = PromiseCreateForm(initial={"name": _kind_label(kind)})
            parameters = params_form(kind, params=kind.default_params())
    return _render(
        request,
        shop,
        "policies/promise_form.html",
        {
            "kind": kind,
            "kind_label": _kind_label(kind),
            "form": form,
            "params_form": parameters,
            # A promise of this kind exists already: warn, and ask for an explicit confirmation.
            "same_kind": services.promises_of_kind(shop=shop, kind=kind.id),
        },
    )


@login_required
@require_GET
def promise_detail(request, shop, promise_id):
    """One promise: the version in force, what is scheduled, and the actions on it."""
    shop, can_manage = _shop(request, shop)
    promise = _promise(shop, promise_id)
    row = next(row for row in _rows_of_shop(shop) if row["promise"].pk == promise.pk)
    return _render(
        request,
        shop,
        "policies/promise_detail.html",
        {"row": row, "promise": promise, "can_manage": can_manage},
    )


@login_required
@require_GET
def promise_versions(request, shop, promise_id):
    """The promise's history: every version, oldest first, with what each one changed."""
    shop, can_manage = _shop(request, shop)
    promise = _promise(shop, promise_id)
    kind = registry.get(promise.kind)
    versions = selectors.promise_versions(promise=promise)
    now = timezone.now()
    current = version_in_force(versions, at=now, retired_at=promise.retired_at)
    history = []
    previous = None
    for version in versions:
        history.append(
            {
                "version": version,
                "params": params_rows(kind, version.params, previous=previous),
                "in_force": current is not None and version.pk == current.pk,
                "upcoming": version.effective_from > now,
            }
        )
        previous = version.params
    return _render(
        request,
        shop,
        "policies/promise_versions.html",
        {
            "promise": promise,
            "kind_label": _kind_label(kind),
            "history": history,
            "renames": list(promise.renames.select_related("author")),
            "can_manage": can_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def promise_edit(request, shop, promise_id):
    """Change the parameters into a new version; a lowering shows its impact first."""
    shop, _manages = _shop(request, shop, role=Role.MANAGER)
    promise = _promise(shop, promise_id)
    if promise.retired_at is not None:
        messages.error(request, _("The promise is retired; it cannot change any more."))
        return redirect("policies:promise-detail", shop=shop.slug, promise_id=promise.pk)
    kind = registry.get(promise.kind)
    latest = selectors.promise_latest_version(promise=promise)
    impact = None

    with timezone.override(ZoneInfo(shop.timezone)):
        if request.method != "POST":
            form = PromiseEditForm(initial={"name": promise.name})
            parameters = params_form(kind, params=latest.params)
        else:
            form = PromiseEditForm(request.POST)
            parameters = params_form(kind, data=request.POST)
            if form.is_valid() and parameters.is_valid():
                result = _edit_or_preview(request, promise, kind, latest, form, parameters)
                if not isinstance(result, dict):
                    return result
                form, impact = result["form"], result["impact"]
    if impact:
        impact = {
            **impact,
            "customers": [
                {
                    **row,
                    "best_words": level_words(kind.level_unit, row["best_level"]),
                    "last_words": level_words(kind.level_unit, row["last_level"]),
                }
                for row in impact["customers"]
            ],
        }
    return _render(
        request,
        shop,
        "policies/promise_edit.html",
        {
            "promise": promise,
            "kind_label": _kind_label(kind),
            "latest": latest,
            "latest_params": params_rows(kind, latest.params),
            "form": form,
            "params_form": parameters,
            "impact": impact,
        },
    )


def _edit_or_preview(request, promise, kind, latest, form, parameters):
    """Save the new version (and name), or return the forms and the impact to show first."""
    # A field left empty keeps the newest version's value.
    entered = {**latest.params, **parameters.params()}
    try:
        new_params = services.promise_params_validate(kind=kind, params=entered)
    except ValidationError as error:
        add_errors(error, params_form=parameters, form=form)
        return {"form": form, "impact": None}
    new_name = (form.cleaned_data["name"] or "").strip()
    renames = bool(new_name) and new_name != promise.name
    if renames and new_params == latest.params and not form.cleaned_data["effective_from"]:
        # Only the name changes: no new version, the rename keeps the old name and the reason.
        try:
            services.promise_rename(
                promise=promise,
                name=new_name,
                reason=form.cleaned_data["reason"],
                author=request.user,
            )
        except ValidationError as error:
            add_errors(error, params_form=parameters, form=form)
            return {"form": form, "impact": None}
        messages.success(request, _("The promise is renamed; the old name stays in its history."))
        return redirect("policies:promise-versions", shop=promise.shop.slug, promise_id=promise.pk)

    impact = None
    if new_params != latest.params and kind.lowers(latest.params, new_params):
        fingerprint = _fingerprint(new_params)
        confirmed = (
            form.cleaned_data["previewed"] == fingerprint and form.cleaned_data["confirm_lowering"]
        )
        if not confirmed:
            impact = selectors.promise_impact(promise=promise, new_params=new_params)
            seen = form.cleaned_data["previewed"] == fingerprint
            data = request.POST.copy()
            data["previewed"] = fingerprint
            if not seen:
                # A confirmation only counts for parameters whose impact was on the page.
                data.pop("confirm_lowering", None)
            form = PromiseEditForm(data)
            form.is_valid()
            if seen:
                form.add_error(
                    "confirm_lowering", _("Confirm the lowering, or change the parameters.")
                )
            return {"form": form, "impact": impact}

    try:
        with transaction.atomic():
            version = services.promise_edit(
                promise=promise,
                params=new_params,
                reason=form.cleaned_data["reason"],
                effective_from=form.cleaned_data["effective_from"],
                author=request.user,
            )
            if renames:
                services.promise_rename(
                    promise=promise,
                    name=new_name,
                    reason=form.cleaned_data["reason"],
                    author=request.user,
                )
    except ValidationError as error:
        add_errors(error, params_form=parameters, form=form)
        if impact is None and kind.lowers(latest.params, new_params):
            impact = selectors.promise_impact(promise=promise, new_params=new_params)
        return {"form": form, "impact": impact}
    messages.success(request, _("Version %(number)s is recorded.") % {"number": version.number})
    return redirect("policies:promise-versions", shop=promise.shop.slug, promise_id=promise.pk)


@login_required
@require_http_methods(["GET", "POST"])
def promise_retire(request, shop, promise_id):
    """Retire the promise from now on, after an explicit confirmation; its history stays."""
    shop, _manages = _shop(request, shop, role=Role.MANAGER)
    promise = _promise(shop, promise_id)
    if promise.retired_at is not None:
        messages.error(request, _("The promise is retired already."))
        return redirect("policies:promise-detail", shop=shop.slug, promise_id=promise.pk)
    form = RetireForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.promise_retire(promise=promise, author=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("“%(name)s” is retired. Its history stays.") % {"name": promise.name}
            )
            return redirect("policies:promise-list", shop=shop.slug)
    kind = registry.get(promise.kind)
    current = selectors.promise_current_version(promise=promise)
    return _render(
        request,
        shop,
        "policies/promise_retire.html",
        {
            "promise": promise,
            "kind_label": _kind_label(kind),
            "version": current,
            "params": params_rows(kind, current.params),
            "form": form,
        },
    )
