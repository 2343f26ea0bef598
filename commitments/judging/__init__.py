"""Judging: every path that judges an action does it here, from one truth, the whole log.

- `load`: the one loader (promises with all versions, the calendar, a batch's log, the
  pre-check's log with a resumed start);
- `walk`: the pure walk (`derive`), no queries;
- `reconcile`: judging batches of customers, storing checks, findings and commitments,
  isolating a customer whose judging fails;
- `overdue`: deadlines passed with no fulfilling action (called by the sweeper);
- `marks`: durable re-judge marks after a promise or calendar change;
- `dryrun`: the pre-check, load + walk + present, storing nothing.

See docs/ARCHITECTURE.md, "Judging".
"""

from .load import LoadedPromise, calendar_for, calendar_load, promises_load
from .reconcile import (
    BATCH_SIZE,
    JudgeResult,
    customer_part,
    judge_actions,
    judge_customers,
    judge_customers_batched,
    judge_shop,
)
from .walk import Derivation, derive, event_of

__all__ = [
    "BATCH_SIZE",
    "Derivation",
    "JudgeResult",
    "LoadedPromise",
    "calendar_for",
    "calendar_load",
    "customer_part",
    "derive",
    "event_of",
    "judge_actions",
    "judge_customers",
    "judge_customers_batched",
    "judge_shop",
    "promises_load",
]
