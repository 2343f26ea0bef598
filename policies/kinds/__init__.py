"""Promise kinds: one module per kind, each registered when this package is imported."""

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

# Importing a kind's module registers it; this order is the order the API lists them.
# isort: off
from . import shipping_cutoff
from . import handwritten_note
from . import holiday_replies
from . import reply_time
from . import shipping_notice
from . import review_reply
from . import thank_you_message
from . import included_extras

# isort: on

__all__ = [
    "Event",
    "History",
    "JudgeContext",
    "Judgement",
    "KindParams",
    "PromiseKind",
    "UnknownKind",
    "Verdict",
    "handwritten_note",
    "holiday_replies",
    "included_extras",
    "register",
    "registry",
    "reply_time",
    "review_reply",
    "shipping_cutoff",
    "shipping_notice",
    "thank_you_message",
]
