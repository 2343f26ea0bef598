"""The hook through which a platform's own CSV export is imported (apps above offer profiles).

commitments may not import the apps above it. A profile (platforms.profiles) turns the rows
of a platform's export into Tsuzuku's columns; it registers a finder here, and import_run
asks `profile_for(imp)` before reading the header. Without a profile the file is read in
Tsuzuku's own columns, as always.
"""

from collections.abc import Callable, Iterator
from typing import Protocol


class ImportProfile(Protocol):
    """Turns a platform's CSV rows into Tsuzuku rows."""

    def header(self, cells: list[str]) -> list[str]:
        """Return Tsuzuku's header for the platform's header row (FatalImportError if unusable)."""

    def records(self, records: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        """Yield (row of the platform's file, Tsuzuku cells): none, one or several per row."""


_finders: list[Callable[[object], ImportProfile | None]] = []


def profile_finder(func: Callable[[object], ImportProfile | None]):
    """Register a function returning an import's profile, or None (decorator; idempotent)."""
    if func not in _finders:
        _finders.append(func)
    return func


def profile_for(imp) -> ImportProfile | None:
    """Return the profile the import was uploaded with, or None for Tsuzuku's own columns."""
    for finder in _finders:
        profile = finder(imp)
        if profile is not None:
            return profile
    return None
