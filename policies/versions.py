"""The one rule of "the version in force": a pure function over a promise's versions.

Used by the selectors (pages, API, reports), the judging walk, the pre-check and the
sweeper's overdue detection, so they can never disagree about which parameters held when.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


class Versioned(Protocol):
    """What the rule reads of a version (a PromiseVersion or anything shaped like one)."""

    number: int
    effective_from: datetime


V = TypeVar("V", bound=Versioned)


def version_in_force(
    versions: Iterable[V], *, at: datetime, retired_at: datetime | None = None
) -> V | None:
    """Return which of a promise's versions (any order) is in force at `at`, or None.

    The latest `effective_from` at or before `at` wins, the higher number on a tie. None
    before the first version takes effect and from the moment the promise is retired.
    """
    if retired_at is not None and retired_at <= at:
        return None
    best = None
    for version in versions:
        if version.effective_from <= at and (
            best is None
            or (version.effective_from, version.number) > (best.effective_from, best.number)
        ):
            best = version
    return best


def version_measuring(
    versions: Iterable[V], *, at: datetime, retired_at: datetime | None = None
) -> tuple[V | None, bool]:
    """Return the version an action at `at` is measured with, and whether it is in force.

    In force: (that version, True). Before the first version took effect: (the first
    version, False): what the customer experienced then still counts toward the commitment,
    measured with the first parameters ever written down, but it is not judged. After the
    promise is retired: (None, False).
    """
    if retired_at is not None and retired_at <= at:
        return None, False
    versions = list(versions)
    current = version_in_force(versions, at=at)
    if current is not None:
        return current, True
    if not versions:
        return None, False
    return min(versions, key=lambda v: (v.effective_from, v.number)), False
