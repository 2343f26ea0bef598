"""Hooks the policies app offers to the apps above it.

Policies sit below commitments: a promise or calendar change must make the log be judged
again, but policies may not import commitments. So a policy write calls `rejudge_needed`
inside its transaction, and commitments registers a receiver (in its AppConfig.ready) that
records what must be re-judged and queues the work.
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
