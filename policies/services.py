"""Writes of promises: create, edit (a new version), rename, retire; and deleting a shop.

Shop and calendar writes live in policies/shop_services.py.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from config.limits import TIME_MAX, TIME_MIN, time_in_window

from . import hooks
from .error_codes import PromiseErrorCode
from .immutability import history_deletion
from .kinds import registry
from .kinds.base import PromiseKind
from .models import Promise, PromiseRename, PromiseVersion, Shop


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def _rejudge(shop_id: int, reason: str) -> None:
    # The whole log: a promise's versions reach back to its first one, and actions before
    # that are experience too (the customer's commitment), so no window is narrower.
    hooks.rejudge_needed(hooks.RejudgeRequest(shop_id=shop_id, reason=reason))


def promise_params_validate(*, kind: PromiseKind, params: dict | None) -> dict:
    """Return the parameters validated by the kind, defaults filled.

    Errors name the field as the API shows it: "params.min_lines" (code invalid_param).
    """
    try:
        return kind.validate_params(params)
    except ValidationError as error:
        errors = []
        for item in error.error_list:
            field = (item.params or {}).get("field")
            name = "params" if field in (None, "params") else f"params.{field}"
            errors.append(
                ValidationError(
                    item.message,
                    code=item.code or PromiseErrorCode.INVALID_PARAM,
                    params={**(item.params or {}), "field": name},
                )
            )
        raise ValidationError(errors) from error


def _effective_from_validate(effective_from: datetime | None) -> None:
    """Raise invalid_time unless a version's start lies in config.limits' time window."""
    if effective_from is None or time_in_window(effective_from):
        return
    raise ValidationError(
        {
            "effective_from": ValidationError(
                _("effective_from must lie from %(min)s to before %(max)s; check the year."),
                code=PromiseErrorCode.INVALID_TIME,
                params={"min": TIME_MIN.date().isoformat(), "max": TIME_MAX.date().isoformat()},
            )
        }
    )


def _snapshot(promise: Promise, version: PromiseVersion) -> dict:
    """Return the promise as the audit trail records it."""
    return {
        "kind": promise.kind,
        "name": promise.name,
        "version": version.number,
        "params": version.params,
        "effective_from": version.effective_from,
        "reason": version.reason,
    }


def _retired_error(promise: Promise) -> ValidationError:
    return ValidationError(
        _("The promise “%(name)s” is retired; it cannot change any more."),
        code=PromiseErrorCode.PROMISE_RETIRED,
        params={"name": promise.name},
    )


@transaction.atomic
def promise_create(
    *,
    shop: Shop,
    kind: str,
    name: str,
    params: dict | None,
    author,
    effective_from: datetime | None = None,
    rejudge: bool = True,
    confirm_duplicate_kind: bool = False,
) -> Promise:
    """Record a new promise with its first version; return it with `.version` set.

    With `rejudge` the shop's customers are marked for a re-judge in this transaction (the
    history before `effective_from` becomes their experience of the promise, and what came
    after is judged); background jobs redo them after the commit.

    A second promise of a kind that has one not retired would judge every action twice: it
    is refused (code duplicate_kind, field kind) unless `confirm_duplicate_kind` says the
    manager means it.
    """
    promise_kind = registry.get(kind)
    params = promise_params_validate(kind=promise_kind, params=params)
    _effective_from_validate(effective_from)
    if not confirm_duplicate_kind:
        existing = promises_of_kind(shop=shop, kind=kind)
        if existing:
            raise ValidationError(
                {
                    "kind": ValidationError(
                        _(
                            "The shop already has a promise of this kind (“%(names)s”); both "
                            "would judge every action. Confirm to add a second one, or edit "
                            "the existing promise instead."
                        ),
                        code=PromiseErrorCode.DUPLICATE_KIND,
                        params={"names": "”, “".join(p.name for p in existing)},
                    )
                }
            )
    promise = Promise(shop=shop, kind=kind, name=(name or "").strip())
    promise.full_clean()
    promise.save()
    version = PromiseVersion(
        promise=promise,
        number=1,
        params=params,
        author=_user_or_none(author),
        effective_from=effective_from or timezone.now(),
    )
    version.full_clean()
    version.save()
    audit_record(
        shop=shop,
        actor=author,
        event="promise.created",
        object_type="promise",
        object_id=promise.pk,
        after=_snapshot(promise, version),
    )
    if rejudge:
        _rejudge(shop.pk, "promise.created")
    promise.version = version
    return promise


@transaction.atomic
def promise_edit(
    *,
    promise: Promise,
    params: dict | None,
    reason: str,
    author,
    effective_from: datetime | None = None,
    rejudge: bool = True,
) -> PromiseVersion:
    """Record a new version of the promise (the old ones stay as they are); return it.

    `params` are the complete new parameters (defaults filled for what is missing). With
    `rejudge` the shop's actions are judged again by a background job after the commit.
    """
    # Locked so two simultaneous edits cannot both become number n + 1.
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.retired_at is not None:
        raise _retired_error(promise)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why the promise changes; the reason stays in its history."),
                    code=PromiseErrorCode.REQUIRED,
                )
            }
        )
    params = promise_params_validate(kind=registry.get(promise.kind), params=params)
    latest = promise.versions.order_by("-number").first()
    if params == latest.params:
        raise ValidationError(
            {
                "params": ValidationError(
                    _("These are the parameters of version %(number)s already."),
                    code=PromiseErrorCode.UNCHANGED,
                    params={"number": latest.number},
                )
            }
        )
    _effective_from_validate(effective_from)
    effective_from = effective_from or timezone.now()
    if effective_from < latest.effective_from:
        raise ValidationError(
            {
                "effective_from": ValidationError(
                    _(
                        "A new version cannot take effect before version %(number)s "
                        "(effective from %(effective_from)s)."
                    ),
                    code=PromiseErrorCode.EFFECTIVE_TOO_EARLY,
                    params={
                        "number": latest.number,
                        "effective_from": timezone.localtime(
                            latest.effective_from, timezone.get_current_timezone()
                        ).isoformat(),
                    },
                )
            }
        )
    version = PromiseVersion(
        promise=promise,
        number=latest.number + 1,
        params=params,
        author=_user_or_none(author),
        reason=reason,
        effective_from=effective_from,
    )
    version.full_clean()
    version.save()
    audit_record(
        shop=promise.shop,
        actor=author,
        event="promise.edited",
        object_type="promise",
        object_id=promise.pk,
        before=_snapshot(promise, latest),
        after=_snapshot(promise, version),
    )
    if rejudge:
        _rejudge(promise.shop_id, "promise.edited")
    return version


def promises_of_kind(*, shop: Shop, kind: str) -> list[Promise]:
    """Return the shop's promises of the kind that are not retired (for the duplicate check)."""
    return list(Promise.objects.filter(shop=shop, kind=kind, retired_at__isnull=True))


@transaction.atomic
def promise_rename(*, promise: Promise, name: str, reason: str, author) -> PromiseRename:
    """Give the promise a new name; the old one stays in its history with the reason."""
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.retired_at is not None:
        raise _retired_error(promise)
    name, reason = (name or "").strip(), (reason or "").strip()
    errors = {}
    if not name:
        errors["name"] = ValidationError(
            _("Give the promise a name."), code=PromiseErrorCode.REQUIRED
        )
    elif name == promise.name:
        errors["name"] = ValidationError(
            _("The promise has this name already."), code=PromiseErrorCode.UNCHANGED
        )
    if not reason:
        errors["reason"] = ValidationError(
            _("Say why the promise is renamed; the reason stays in its history."),
            code=PromiseErrorCode.REQUIRED,
        )
    if errors:
        raise ValidationError(errors)
    rename = PromiseRename(
        promise=promise,
        old_name=promise.name,
        new_name=name,
        reason=reason,
        author=_user_or_none(author),
    )
    promise.name = name
    promise.full_clean()
    rename.full_clean()
    promise.save(update_fields=["name"])
    rename.save()
    audit_record(
        shop=promise.shop,
        actor=author,
        event="promise.renamed",
        object_type="promise",
        object_id=promise.pk,
        before={"name": rename.old_name},
        after={"name": rename.new_name, "reason": reason},
    )
    return rename


@transaction.atomic
def promise_retire(
    *, promise: Promise, author, at: datetime | None = None, rejudge: bool = True
) -> Promise:
    """Record that the promise no longer holds from `at` (default now); its history stays.

    With `rejudge` the shop's actions are judged again by a background job after the commit.
    """
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.retired_at is not None:
        raise _retired_error(promise)
    promise.retired_at = at or timezone.now()
    promise.full_clean()
    promise.save(update_fields=["retired_at"])
    audit_record(
        shop=promise.shop,
        actor=author,
        event="promise.retired",
        object_type="promise",
        object_id=promise.pk,
        before={"name": promise.name, "retired_at": None},
        after={"name": promise.name, "retired_at": promise.retired_at},
    )
    if rejudge:
        _rejudge(promise.shop_id, "promise.retired")
    return promise


@transaction.atomic
def shop_delete(*, shop: Shop, actor) -> None:
    """Delete a shop with everything it holds, its promise history included.

    The one way promise versions may be deleted (policies/immutability.py).
    """
    audit_record(
        shop=shop,
        actor=actor,
        event="shop.deleted",
        object_type="shop",
        object_id=shop.pk,
        before={"slug": shop.slug, "name": shop.name},
    )
    # Checks and findings (commitments, an app above) hold on to the promise versions they
    # used (PROTECT, so nothing else can remove a version under them): the hook deletes
    # them first, then the rest of the shop goes.
    with history_deletion():
        hooks.shop_deleting(shop.pk)
        shop.delete()
