"""Stable error codes of promises and their versions (the API and tests assert on these)."""

from enum import StrEnum


class PromiseErrorCode(StrEnum):
    UNKNOWN_KIND = "unknown_kind"
    INVALID_PARAM = "invalid_param"
    REQUIRED = "required"
    # A time outside config.limits' window (2000-01-01 to 2100-01-01).
    INVALID_TIME = "invalid_time"
    # effective_from earlier than the latest version's: versions take effect in order.
    EFFECTIVE_TOO_EARLY = "effective_too_early"
    # The edit would write a version identical to the latest one.
    UNCHANGED = "unchanged"
    PROMISE_RETIRED = "promise_retired"
    NOT_FOUND = "not_found"
    CONFIRMATION_REQUIRED = "confirmation_required"
    # A promise of the kind is in force already: both would judge every action. Allowed only
    # with an explicit confirmation (confirm_duplicate_kind).
    DUPLICATE_KIND = "duplicate_kind"
