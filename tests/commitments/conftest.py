"""Builders for the commitments tests: promises with versions, and the log through its services."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commitments import services
from policies.kinds import registry
from policies.models import Promise, PromiseVersion

TOKYO = ZoneInfo("Asia/Tokyo")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    """Return "2026-11-20 15:30" as an aware moment in Tokyo time."""
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


@pytest.fixture
def make_promise(shop):
    """Return a function creating a promise of the shop with version 1 (defaults filled)."""

    def make(kind, params=None, *, effective_from=LONG_AGO, name=None, on=None):
        promise = Promise.objects.create(shop=on or shop, kind=kind, name=name or kind)
        PromiseVersion.objects.create(
            promise=promise,
            number=1,
            params=registry.get(kind).validate_params(params or {}),
            effective_from=effective_from,
        )
        return promise

    return make


@pytest.fixture
def add_version():
    """Return a function adding the next version of a promise, in force from a moment."""

    def add(promise, params, *, effective_from):
        number = promise.versions.count() + 1
        return PromiseVersion.objects.create(
            promise=promise,
            number=number,
            params=registry.get(promise.kind).validate_params(params),
            effective_from=effective_from,
        )

    return add


@pytest.fixture
def log(shop):
    """Return a recorder of occasions and actions of the shop (through the services)."""

    class Log:
        def occasion(self, external_id, customer, kind, when, judge=True, **attributes):
            return services.occasion_record(
                shop=shop,
                external_id=external_id,
                customer=customer,
                kind=kind,
                occurred_at=when,
                attributes=attributes,
                judge=judge,
            )[0]

        def action(
            self,
            external_id,
            customer,
            kind,
            when,
            occasion="",
            exception=None,
            judge=True,
            staff="",
            **attributes,
        ):
            return services.action_record(
                shop=shop,
                external_id=external_id,
                customer=customer,
                kind=kind,
                occurred_at=when,
                occasion=occasion,
                exception=exception,
                staff=staff,
                attributes=attributes,
                judge=judge,
            )[0]

    return Log()
