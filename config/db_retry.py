"""Retry a write whose transaction the database aborted to resolve a conflict.

PostgreSQL ends one of two transactions that wait for each other (deadlock_detected,
SQLSTATE 40P01) or that cannot be serialized (serialization_failure, 40001); the other
finishes. The aborted one did nothing, so running it again is safe. `retry_on_conflict`
does that a bounded number of times with a short random backoff; if the conflict persists
the API answers 503 `busy` (config.api_errors), which a client retries with the same body.

Only the outermost call retries: inside a transaction the caller's transaction is already
aborted, so the error goes up to whoever owns it.
"""

import functools
import logging
import random
import time

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
ATTEMPTS = 5
BACKOFF_SECONDS = 0.02


def is_retryable(error: BaseException) -> bool:
    """Return whether a database error is a deadlock or serialization failure."""
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    # SQLite: another connection holds the write lock past the busy timeout.
    return "database is locked" in str(error)


def retry_on_conflict(func=None, *, attempts: int = ATTEMPTS):
    """Decorate a service: rerun it when its transaction ends in a deadlock (bounded)."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except DatabaseError as error:
                    if connection.in_atomic_block or attempt == attempts or not is_retryable(error):
                        raise
                    logger.info(
                        "%s: retry %s of %s after %s",
                        func.__qualname__,
                        attempt,
                        attempts - 1,
                        type(error.__cause__ or error).__name__,
                    )
                    time.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))  # noqa: S311
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    return decorate(func) if func is not None else decorate
