"""Hooks the policies app offers to the apps above it.

Policies sit below commitments: a promise or calendar change must make the log be judged
again, but policies may not import commitments. So a policy write calls `rejudge_needed`
inside its transaction, and commitments registers a receiver (in its AppConfig.ready) that
records what must be re-judged (durably, in the same transaction) and queues the work.
Pages of policies show how far that work is through `rejudge_pending`, answered by a
provider commitments registers the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RejudgeRequest:
    """What a policy change may have changed: a shop's judgements between two moments."""

    shop_id: int
    reason: str  # the audit event that caused it: "promise.created", "calendar.changed", ...
    since: datetime | None = None  # judgements of actions and occasions at or after (None: all)
    until: datetime | None = None  # ... and before (None: no end)


_receivers: list[Callable[[RejudgeRequest], None]] = []


def rejudge_receiver(func: Callable[[RejudgeRequest], None]) -> Callable[[RejudgeRequest], None]:
    """Register `func` to be called with every RejudgeRequest (decorator; idempotent)."""
    if func not in _receivers:
        _receivers.append(func)
    return func


def rejudge_needed(request: RejudgeRequest) -> None:
    """Tell the receivers that judgements may have changed; call inside the write's transaction."""
    for receiver in list(_receivers):
        receiver(request)


_pending_providers: list[Callable[[int], int]] = []


def rejudge_pending_provider(func: Callable[[int], int]) -> Callable[[int], int]:
    """Register `func(shop_id) -> customers still waiting for a re-judge` (idempotent)."""
    if func not in _pending_providers:
        _pending_providers.append(func)
    return func


def rejudge_pending(shop_id: int) -> int:
    """Return how many of the shop's customers wait for a re-judge (0 with no provider)."""
    return sum(provider(shop_id) for provider in list(_pending_providers))


# ---------------------------------------------------------------------------------------
# The impact of lowering a promise: the log's customers (commitments answers)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactQuestion:
    """Which repeat customers have had better than `level` of this promise (best level)."""

    shop_id: int
    promise_id: int
    level: float
    higher_is_better: bool
    limit: int


_impact_providers: list[Callable[[ImpactQuestion], tuple[int, list[dict]]]] = []


def impact_provider(func: Callable[[ImpactQuestion], tuple[int, list[dict]]]):
    """Register `func(question) -> (count, first customers)` (idempotent)."""
    if func not in _impact_providers:
        _impact_providers.append(func)
    return func


def repeat_customers_above(question: ImpactQuestion) -> tuple[int, list[dict]]:
    """Return how many repeat customers had better than the level, and the first of them.

    Each customer is {"customer", "name", "best_level", "last_level", "orders"}; (0, [])
    when no app answers (a shop without a log).
    """
    count, customers = 0, []
    for provider in list(_impact_providers):
        found, rows = provider(question)
        count += found
        customers.extend(rows)
    return count, customers[: question.limit]


# ---------------------------------------------------------------------------------------
# Deleting a shop: the apps above remove what holds on to its promise versions first
# ---------------------------------------------------------------------------------------

_shop_delete_receivers: list[Callable[[int], None]] = []


def shop_delete_receiver(func: Callable[[int], None]) -> Callable[[int], None]:
    """Register `func(shop_id)`, called inside shop_delete before the shop goes (idempotent)."""
    if func not in _shop_delete_receivers:
        _shop_delete_receivers.append(func)
    return func


def shop_deleting(shop_id: int) -> None:
    """Let the apps above delete the shop's rows that protect its promise versions."""
    for receiver in list(_shop_delete_receivers):
        receiver(shop_id)
