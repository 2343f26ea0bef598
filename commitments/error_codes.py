"""Stable error codes of the log (occasions, actions, exceptions) and its reads."""

from enum import StrEnum


class LogErrorCode(StrEnum):
    UNKNOWN_KIND = "unknown_kind"
    INVALID_ATTRIBUTE = "invalid_attribute"
    INVALID_TIME = "invalid_time"
    INVALID_TEXT = "invalid_text"  # NUL or a lone surrogate in a text
    INVALID_PARAM = "invalid_param"
    REQUIRED = "required"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    INVALID_STATUS = "invalid_status"
    NOT_A_PRECEDENT = "not_a_precedent"  # only a precedent finding can be marked public
