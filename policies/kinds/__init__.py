"""Promise kinds: one module per kind, each registered when this package is imported.

The kind modules are found by themselves (pkgutil): the built-in ones first, in the order the
API has always listed them, then every other module of this package alphabetically. A new
kind is one module here (plus its tests and its catalogue entries), listed nowhere else.
"""

import importlib
import pkgutil

from . import registry
from .base import (
    Event,
    History,
    JudgeContext,
    Judgement,
    KindParams,
    PromiseKind,
    Verdict,
)
from .registry import UnknownKind, register

# The built-in kinds, in the order the API lists them; the others follow alphabetically.
BUILT_IN = (
    "shipping_cutoff",
    "handwritten_note",
    "holiday_replies",
    "reply_time",
    "shipping_notice",
    "review_reply",
    "thank_you_message",
    "included_extras",
)
# Modules of this package that hold no kind.
NOT_KINDS = frozenset({"base", "registry"})


def kind_modules() -> list[str]:
    """Return the names of the kind modules, in the order they are imported."""
    found = {
        info.name
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_") and info.name not in NOT_KINDS
    }
    built_in = [name for name in BUILT_IN if name in found]
    return built_in + sorted(found - set(built_in))


for _name in kind_modules():
    importlib.import_module(f"{__name__}.{_name}")

__all__ = [
    "BUILT_IN",
    "Event",
    "History",
    "JudgeContext",
    "Judgement",
    "KindParams",
    "PromiseKind",
    "UnknownKind",
    "Verdict",
    "kind_modules",
    "register",
    "registry",
]
