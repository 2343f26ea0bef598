"""Hooks the reports app offers to the apps above it (alerts: who receives the report)."""

from collections.abc import Callable

_recipient_finders: list[Callable[[object], list[str] | None]] = []


def recipients_finder(func: Callable[[object], list[str] | None]):
    """Register a function returning a shop's chosen recipients, or None (decorator)."""
    if func not in _recipient_finders:
        _recipient_finders.append(func)
    return func


def recipients_chosen(shop) -> list[str] | None:
    """Return the recipients a manager chose for the shop's report, or None (the managers)."""
    for finder in _recipient_finders:
        chosen = finder(shop)
        if chosen is not None:
            return chosen
    return None
