"""An inquiry is answered completely in one reply (seeds/001 「1回の返信で不足なく」).

Each reply to an inquiry is the next round: the shop's replies to the same inquiry before
it (the occasion's related actions) are counted, so a reply is judged by what came before
it only, and recording a later reply never changes an earlier one's judgement. A reply
beyond the promised rounds (`max_replies`) is a breach. A reply can say it settles the
inquiry (`resolved`): its level is the replies the inquiry needed; later replies to a
settled inquiry (a "you're welcome" to the customer's thanks) are not counted. An inquiry
whose customer simply stops asking is counted up to its last reply, but has no level. Within
the promise, a reply that takes the inquiry past the replies this customer's last settled
inquiry needed is drift: they used to be answered in fewer.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from policies import vocabulary
from policies.vocabulary import Attribute, Unit

from .base import BREACH, DRIFT, Judgement, KindParams, PromiseKind, Verdict, num, plural
from .registry import register

REPLIES_MAX = 20

REPLIES = vocabulary.unit_register(
    Unit(
        "replies",
        ngettext_lazy("%(n)s reply", "%(n)s replies", "count"),
        _("replies per inquiry"),
    )
)

vocabulary.attributes_extend(
    vocabulary.ACTION,
    "reply_sent",
    Attribute(
        "resolved",
        "bool",
        _("Settles the inquiry"),
        _(
            "Replies: true when this reply settles the inquiry (later replies to it are not "
            "counted as rounds)"
        ),
    ),
)


def rounds_before(ctx) -> tuple[int, bool]:
    """Return the shop's replies to the inquiry before this one, and whether one settled it.

    `related` holds every action answering the inquiry, later ones too (a full walk sees
    the whole log): only those before this reply, in the walk's order, count.
    """
    mine = (ctx.action.occurred_at, ctx.action.external_id)
    earlier = [
        event
        for event in ctx.related
        if event.kind == ctx.action.kind and (event.occurred_at, event.external_id) < mine
    ]
    return len(earlier), any(event.attributes.get("resolved") is True for event in earlier)


class OneReplyAnswerParams(KindParams):
    max_replies = serializers.IntegerField(
        min_value=1,
        max_value=REPLIES_MAX,
        default=1,
        label=_("Replies per inquiry"),
        help_text=_("Every inquiry is answered completely within this many replies."),
    )


@register
class OneReplyAnswer(PromiseKind):
    id = "one_reply_answer"
    label_ja = "1回の返信で答えきる"
    label_en = "Answer in one reply"
    occasion_kind = "inquiry_received"
    action_kind = "reply_sent"
    unit = REPLIES
    higher_is_better = False
    Params = OneReplyAnswerParams
    precedent_labels: dict = {}

    def evaluate(self, ctx):
        before, settled = rounds_before(ctx)
        if settled:
            return None  # the inquiry was settled: a courtesy reply is not a round
        rounds = before + 1
        resolved = ctx.action.attributes.get("resolved") is True
        # The replies the inquiry needed, known when a reply settles it.
        level = float(rounds) if resolved else None
        most = ctx.params["max_replies"]
        last = ctx.history.last_level
        details = {
            "reply_number": rounds,
            "max_replies": most,
            "resolved": resolved,
            "customer_last": num(last),
        }
        if rounds > most:
            verdict = Verdict(
                BREACH,
                f"このお問い合わせへの返信が{rounds}通目になりました"
                f"（約束は{most}通以内で答えきること）。",
                f"This is reply {rounds} to the inquiry; the promise is to answer it "
                f"completely within {plural(most, 'reply', 'replies')}.",
                details,
            )
            return Judgement(level=level, kept=False, verdicts=(verdict,))
        if last is not None and rounds > last:
            verdict = Verdict(
                DRIFT,
                f"このお問い合わせへの返信が{rounds}通目になりました（約束は{most}通以内）。"
                f"このお客様の前回のお問い合わせは{num(last)}通で解決しています。",
                f"This is reply {rounds} to the inquiry (promise: within {most}); this "
                f"customer's last inquiry was settled in {plural(last, 'reply', 'replies')}.",
                details,
            )
            return Judgement(level=level, kept=True, verdicts=(verdict,))
        return Judgement(level=level, kept=True)

    def promised_level(self, params):
        return float(self.validate_params(params)["max_replies"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["max_replies"] > old["max_replies"]
