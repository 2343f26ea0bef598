"""Reads of promises and their versions that the UI, the API, the engine and reports share."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from . import hooks
from .kinds import registry
from .models import Promise, PromiseVersion, Shop
from .versions import version_in_force as in_force_rule

IMPACT_CUSTOMERS_LISTED = 50


def promises_in_force(*, shop: Shop, at: datetime | None = None) -> list[Promise]:
    """Return the shop's promises in force at `at` (default now), each with `.version` set.

    `.version` is the PromiseVersion in force at that moment (policies.versions rule). Two
    queries, whatever the count.
    """
    at = at or timezone.now()
    promises = list(
        Promise.objects.filter(shop=shop)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gt=at))
        .order_by("id")
    )
    by_promise: dict[int, list[PromiseVersion]] = {}
    for version in PromiseVersion.objects.select_related("author").filter(
        promise__in=[promise.pk for promise in promises]
    ):
        by_promise.setdefault(version.promise_id, []).append(version)
    in_force = []
    for promise in promises:
        version = in_force_rule(
            by_promise.get(promise.pk, ()), at=at, retired_at=promise.retired_at
        )
        if version is not None:
            promise.version = version
            in_force.append(promise)
    return in_force


def version_in_force(*, promise: Promise, at: datetime) -> PromiseVersion | None:
    """Return the version of the promise in force at `at`, or None (policies.versions rule).

    The query narrows to the versions that could be in force; the rule itself decides.
    """
    candidates = PromiseVersion.objects.filter(promise=promise, effective_from__lte=at).order_by(
        "-effective_from", "-number"
    )[:1]
    return in_force_rule(candidates, at=at, retired_at=promise.retired_at)


def promise_latest_version(*, promise: Promise) -> PromiseVersion:
    """Return the promise's newest version (the one an edit builds on)."""
    return promise.versions.select_related("author").order_by("-number").first()


def promise_current_version(*, promise: Promise, at: datetime | None = None) -> PromiseVersion:
    """Return the version in force now, or else (not yet in force, or retired) the newest one."""
    at = at or timezone.now()
    return version_in_force(promise=promise, at=at) or promise_latest_version(promise=promise)


def promise_versions_for_shop(*, shop: Shop) -> dict[int, list[PromiseVersion]]:
    """Return every version of every promise of the shop (retired ones too), by promise id.

    Each list is ordered by number; `version.promise` is loaded. One query.
    """
    by_promise: dict[int, list[PromiseVersion]] = {}
    versions = (
        PromiseVersion.objects.filter(promise__shop=shop)
        .select_related("promise")
        .order_by("promise_id", "number")
    )
    for version in versions:
        by_promise.setdefault(version.promise_id, []).append(version)
    return by_promise


def promise_versions(*, promise: Promise) -> list[PromiseVersion]:
    """Return the promise's versions, oldest first, with their authors."""
    return list(promise.versions.select_related("author").order_by("number"))


def shop_promises(*, shop: Shop, include_retired: bool = False):
    """Return the shop's promises (those not retired, unless asked), oldest first."""
    promises = Promise.objects.filter(shop=shop)
    if not include_retired:
        promises = promises.filter(retired_at__isnull=True)
    return promises.order_by("id")


def shop_promise(*, shop: Shop, promise_id) -> Promise | None:
    """Return the shop's promise with this id (retired or not), or None."""
    return Promise.objects.filter(shop=shop, pk=promise_id).first()


def promise_impact(*, promise: Promise, new_params: dict) -> dict:
    """Return what changing the promise to `new_params` would do to repeat customers.

    `new_params` must be validated (defaults filled). Repeat customers have 2+ orders in
    the shop; "above the new level" means their commitment's best level is better than
    the level the new parameters promise. One query for the count and the first customers.
    """
    kind = registry.get(promise.kind)
    current = promise_latest_version(promise=promise)
    lowers = kind.lowers(current.params, new_params)
    new_level = kind.promised_level(new_params)
    result = {
        "lowers": lowers,
        "new_level": new_level,
        "repeat_customers_above_new_level": 0,
        "customers": [],
    }
    if new_level is None:
        # The kind promises no single level (e.g. extras by order total): nothing to compare.
        return result

    # The log's customers live in commitments, an app above: it answers through the hook.
    count, customers = hooks.repeat_customers_above(
        hooks.ImpactQuestion(
            shop_id=promise.shop_id,
            promise_id=promise.pk,
            level=new_level,
            higher_is_better=kind.higher_is_better,
            limit=IMPACT_CUSTOMERS_LISTED,
        )
    )
    result["repeat_customers_above_new_level"] = count
    result["customers"] = customers
    return result
