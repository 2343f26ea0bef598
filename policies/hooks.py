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
