"""Public precedents: "if told publicly, everyone's" (DESIGN, Finding `precedent`).

A manager marks a precedent finding as public (a review said "they even answered on a
holiday"). From the marking time (`Finding.public_at`) on, it raises the expectation of
every customer of the shop for that promise: the walk judges each action of the promise
after that moment a second time against the customer's history raised by the public
precedents (levels raised to the best public level, the public precedents added to
`History.precedents`), and a drift that only the raised history shows is a finding of its
own, whose message and `details["public_precedents"]` name the public precedent.

What the customer experienced (the Commitment) is not changed: public precedents change
findings only. They are read once per batch (`load.public_load`, one query) and passed to
the pure walk, so the pre-check, recording and a rebuild judge with the same ones.

The level and the precedent are taken when the precedent is marked (`public_level`,
`public_precedent`): what the public was told does not change when the log is judged again.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from policies.hooks import RejudgeRequest, rejudge_needed
from policies.kinds.base import DRIFT, PRECEDENT, History, Verdict, date_en, date_ja
from policies.vocabulary import words_en, words_ja

# At most this many public precedents are named in a message (all are in the details).
NAMED = 3


@dataclass(frozen=True, slots=True)
class PublicPrecedent:
    """A precedent finding marked public, as judging reads it."""

    finding_id: int
    promise_id: int
    customer_id: int
    occurred_at: datetime  # the precedent's action
    public_at: datetime  # from then on it raises every customer's expectation
    note: str  # where it was told ("a review on Rakuten"), may be empty
    level: float | None
    precedent: dict  # {"action", "at" (shop-time ISO), "what", ...}

    @property
    def action(self) -> str:
        return str(self.precedent.get("action") or "")

    def applies(self, moment: datetime) -> bool:
        """Return whether it raises the expectation for an action at this moment."""
        return self.public_at <= moment and self.occurred_at < moment


def precedent_words(kind, what: str | None) -> tuple[str, str]:
    """Return (Japanese, English) words for a precedent's `what`, e.g. 休業日の返信."""
    label = kind.precedent_labels.get(what or "")
    if label is None:
        return kind.label_ja, kind.label_en
    return words_ja(label), words_en(label)


def _day(public: PublicPrecedent) -> date:
    at = public.precedent.get("at")
    try:
        return datetime.fromisoformat(at).date() if at else public.occurred_at.date()
    except (TypeError, ValueError):
        return public.occurred_at.date()


def describe(kind, public: PublicPrecedent, calendar) -> dict:
    """Return how a public precedent is named: the words in both languages and its data."""
    words_ja, words_en = precedent_words(kind, public.precedent.get("what"))
    extras = public.precedent.get("extras")
    if extras:
        words_ja += f"（{', '.join(map(str, extras))}）"
        words_en += f" ({', '.join(map(str, extras))})"
    day = _day(public)
    note = public.note
    return {
        "finding": public.finding_id,
        "action": public.action,
        "at": public.precedent.get("at"),
        "what": public.precedent.get("what"),
        "level": public.level,
        "note": note,
        "public_at": calendar.local(public.public_at).isoformat(),
        "text_ja": f"{date_ja(day)}の{words_ja}" + (f"（{note}）" if note else ""),
        "text_en": f"{words_en} on {date_en(day)}" + (f" ({note})" if note else ""),
    }


def _better(kind, level, than):
    return level if kind.is_better(level, than) else than


def raise_expectation(*, kind, ctx, judgement, public, moment: datetime):
    """Return the judgement with a drift the shop's public precedents explain, if any.

    `public` are the promise's public precedents; those public at `moment` (and older than
    the action) raise the history the action is judged against once more. A drift that the
    customer's own history already shows is left as it is (their experience explains it).
    """
    if judgement is None or DRIFT in judgement.types:
        return judgement
    applying = [item for item in public if item.applies(moment)]
    if not applying:
        return judgement
    history = ctx.history
    best = None
    for item in applying:
        best = _better(kind, item.level, best)
    raised = History(
        count=history.count,
        last_level=_better(kind, best, history.last_level),
        best_level=_better(kind, best, history.best_level),
        precedents=(*history.precedents, *(dict(item.precedent) for item in applying)),
    )
    expected = kind.judge(replace(ctx, history=raised))
    drift = (
        None
        if expected is None
        else next((verdict for verdict in expected.verdicts if verdict.type == DRIFT), None)
    )
    if drift is None:
        return judgement
    named = [describe(kind, item, ctx.calendar) for item in sorted(applying, key=_newest)]
    told_ja = "、".join(item["text_ja"] for item in named[:NAMED])
    told_en = "; ".join(item["text_en"] for item in named[:NAMED])
    verdict = Verdict(
        DRIFT,
        f"公開された前例：{told_ja}。約束の範囲内ですが、この前例を知ったお客様は"
        "同じ対応を期待するかもしれません。",
        f"Public precedent: {told_en}. This is within the promise, but customers who heard "
        "of it may expect the same.",
        {**(drift.details or {}), "public_precedents": named},
    )
    return replace(judgement, verdicts=(*judgement.verdicts, verdict))


def _newest(item: PublicPrecedent):
    return (-item.public_at.timestamp(), -item.finding_id)


def public_gone(*, shop_id: int, public: dict, customer_ids, derived) -> None:
    """Ask for a re-judge when judging removed a public precedent of these customers.

    A public precedent lives on its finding: when the log no longer implies it (a promise
    change, a corrected action), the customers judged against it since it was made public
    are re-judged, so no judgement depends on the order customers were judged in.
    """
    batch = set(customer_ids)
    gone = [
        item
        for rows in public.values()
        for item in rows
        if item.customer_id in batch
        and (item.action, item.promise_id, PRECEDENT) not in derived.findings
    ]
    if gone:
        rejudge_needed(
            RejudgeRequest(
                shop_id=shop_id,
                reason="finding.public_gone",
                since=min(item.public_at for item in gone),
            )
        )
