"""Replies match the customer's temperature (seeds/000 「同じ温度」で接客する).

A transparent rule set scores the tone of a message: emoji, kaomoji, exclamation marks,
wave dashes, friendly sentence endings (ね/よ), interjections (わー) and warm words (嬉しい,
楽しみ) warm it; formal wording (ございます, 致します, 承知しました, 宜しく) cools it. The
reply's score is compared with the customer's message: a reply much colder or much more
casual than the message breaks the promise (breach; the article: a cold reply to a delighted
customer feels cold, a gushing reply to a reserved one feels childish). Within the
tolerance, a gap wider than this customer's last one is drift: they used to get replies at
their temperature. The level is the gap in tone points (lower is better). A message or a
reply without text is not judged.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from policies import vocabulary
from policies.vocabulary import Unit

from .base import BREACH, DRIFT, Judgement, KindParams, PromiseKind, Verdict, num
from .registry import register

TONE_MAX = 30

TONE_POINTS = vocabulary.unit_register(
    Unit(
        "tone_points",
        ngettext_lazy("%(n)s tone point", "%(n)s tone points", "count"),
        _("tone points"),
    )
)

# ---------------------------------------------------------------------------------------
# The scorer
# ---------------------------------------------------------------------------------------

_EMOJI_CHAR = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, hearts, symbols
    "\u2600-\u27bf"  # ☀ ♪ ☆ ★ ✨ ❤ ✅ …
    "\u2b50\u2b55\u2b06\u2934\u2935\u3030\u303d\u3297\u3299"
)
EMOJI = re.compile(
    rf"[{_EMOJI_CHAR}](?:[\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[{_EMOJI_CHAR}])*\ufe0f?"
)
# The inside of a face: symbols and the few letters faces are drawn with, never words.
_FACE = (
    r"\^＾_＿´｀`'’;；:：oOоｏ○◯゜°∀ωДд▽∇εзTｰ\-~〜～*＊・･.,<>＜＞≦≧♪☆★ノﾉヽ丿シツｼ゛ "
    "\u3000\u0300-\u036f"
)
KAOMOJI = re.compile(rf"[mｍ]?[(（][{_FACE}]{{2,15}}[)）][mｍ]?[ノﾉ]?|[(（][笑汗泣][)）]|\^\^|＾＾")
EXCLAMATION = re.compile(r"[！!‼]+")
WAVE = re.compile(r"[〜～]+")
_END = rf"(?=$|[\s。、.,！!？?〜～♪」』)）(（{_EMOJI_CHAR}]|[ー〜～])"
ENDING = re.compile(rf"(?:よね|かな|だね|だよ|ね|よ)ー?{_END}")
INTERJECTION = re.compile(r"わー+|わぁ+|わあ+|きゃー+|きゃあ+|やったー*|えへへ|うふふ")
WARM = re.compile(
    r"嬉し[いく]|うれし[いく]|楽しみ|たのしみ|大好き|だいすき|可愛[いく]|かわい[いく]|カワイイ"
    r"|素敵|すてき|ステキ|幸せ|しあわせ|感激|一目惚れ|ひとめぼれ|めちゃくちゃ|めっちゃ"
    r"|とっても|最高|ありがとう(?!ござ|御座)"
)
FORMAL = re.compile(
    r"ございます|御座います|ございました|御座いました|(?:いた|致)し(?:ます|ました)"
    r"|承知(?:しました|いたしました|致しました)|恐れ入ります|恐縮|申し上げ|有難う|有り難う"
    r"|宜しく|ご丁寧"
)


@dataclass(frozen=True)
class Rule:
    """One family of markers: its pattern, the points each counts, and how many count."""

    name: str
    pattern: re.Pattern
    points: int
    most: int


RULES = (
    Rule("kaomoji", KAOMOJI, 2, 2),
    Rule("emoji", EMOJI, 2, 2),
    Rule("exclamation", EXCLAMATION, 1, 2),
    Rule("wave", WAVE, 1, 2),
    Rule("ending", ENDING, 1, 2),
    Rule("interjection", INTERJECTION, 1, 1),
    Rule("warm", WARM, 1, 3),
    Rule("formal", FORMAL, -1, 3),
)


@dataclass(frozen=True)
class Tone:
    """A message's tone: its score (warm and casual above 0, formal below) and why."""

    score: int
    markers: tuple[str, ...]


def tone(text: str) -> Tone:
    """Return the tone of a text by the rules; every marker that counted, in text order.

    Kaomoji are read first and taken out, so the marks inside a face ((^^)) are not read
    again as anything else; so are emoji before the ending rule reads what follows them.
    """
    found: list[tuple[int, str]] = []
    score = 0
    rest = text
    for rule in RULES:
        matches = list(rule.pattern.finditer(rest))
        counted = matches[: rule.most]
        score += rule.points * len(counted)
        found.extend((match.start(), match.group()) for match in counted)
        if rule.name in ("kaomoji", "emoji"):
            # Blank out what was read, keeping positions (a face's "!" is not shouting).
            rest = rule.pattern.sub(lambda m: "　" * len(m.group()), rest)
    markers: list[str] = []
    for _position, marker in sorted(found):
        if marker not in markers:
            markers.append(marker)
    return Tone(score=score, markers=tuple(markers))


def text_of(attributes: dict) -> str | None:
    """Return the text attribute when there is one to read (non-blank), else None."""
    value = attributes.get("text")
    return value if isinstance(value, str) and value.strip() else None


# ---------------------------------------------------------------------------------------
# The kind
# ---------------------------------------------------------------------------------------


class ReplyToneParams(KindParams):
    tolerance = serializers.IntegerField(
        min_value=0,
        max_value=TONE_MAX,
        default=4,
        label=_("Tone tolerance (points)"),
        help_text=_(
            "How many tone points colder or more casual than the customer's message a reply "
            "may be (an emoji or a face counts 2, an exclamation, a friendly ending or a warm "
            "word 1, formal wording -1)."
        ),
    )
    drift_tolerance = serializers.IntegerField(
        min_value=0,
        max_value=TONE_MAX,
        default=2,
        label=_("Drift tolerance (points)"),
        help_text=_(
            "Tone points further off than the customer's last reply that are not yet drift."
        ),
    )


COLDER = "colder"
MORE_CASUAL = "more_casual"
MATCHED = "matched"


@register
class ReplyTone(PromiseKind):
    id = "reply_tone"
    label_ja = "お客様の温度に合わせた返信"
    label_en = "Reply tone"
    occasion_kind = "inquiry_received"
    action_kind = "reply_sent"
    unit = TONE_POINTS
    higher_is_better = False
    Params = ReplyToneParams
    precedent_labels: dict = {}

    def evaluate(self, ctx):
        message_text = text_of(ctx.occasion.attributes)
        reply_text = text_of(ctx.action.attributes)
        if message_text is None or reply_text is None:
            return None  # nothing to compare: not judged
        message, reply = tone(message_text), tone(reply_text)
        difference = reply.score - message.score
        gap = abs(difference)
        direction = MATCHED if gap == 0 else (COLDER if difference < 0 else MORE_CASUAL)
        tolerance = ctx.params["tolerance"]
        last = ctx.history.last_level
        details = {
            "message_markers": list(message.markers),
            "reply_markers": list(reply.markers),
            "message_score": message.score,
            "reply_score": reply.score,
            "gap": gap,
            "direction": direction,
            "tolerance": tolerance,
            "customer_last": num(last),
        }
        decided_ja = _markers_ja(message, reply)
        decided_en = _markers_en(message, reply)
        if gap > tolerance:
            if direction == COLDER:
                message_ja = (
                    f"返信がお客様のメッセージより{gap}ポイント冷たいトーンでした"
                    f"（許容は{tolerance}ポイントまで）。{decided_ja}"
                )
                message_en = (
                    f"The reply is {gap} tone points colder than the customer's message "
                    f"(allowed: {tolerance}). {decided_en}"
                )
            else:
                message_ja = (
                    f"返信がお客様のメッセージより{gap}ポイントくだけたトーンでした"
                    f"（許容は{tolerance}ポイントまで）。{decided_ja}"
                )
                message_en = (
                    f"The reply is {gap} tone points more casual than the customer's message "
                    f"(allowed: {tolerance}). {decided_en}"
                )
            verdict = Verdict(BREACH, message_ja, message_en, details)
            return Judgement(level=float(gap), kept=False, verdicts=(verdict,))
        if last is not None and gap > last + ctx.params["drift_tolerance"]:
            verdict = Verdict(
                DRIFT,
                f"返信のトーンがお客様のメッセージと{gap}ポイント離れていました"
                f"（許容は{tolerance}ポイントまで）。このお客様への前回の返信は"
                f"{num(last)}ポイントの差でした。{decided_ja}",
                f"The reply's tone is {gap} points off the customer's message (allowed: "
                f"{tolerance}); this customer's last reply was {num(last)} off. {decided_en}",
                details,
            )
            return Judgement(level=float(gap), kept=True, verdicts=(verdict,))
        return Judgement(level=float(gap), kept=True)

    def promised_level(self, params):
        return float(self.validate_params(params)["tolerance"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["tolerance"] > old["tolerance"]


def _listed(markers: tuple[str, ...], separator: str, none: str) -> str:
    return separator.join(markers) if markers else none


def _markers_ja(message: Tone, reply: Tone) -> str:
    return (
        f"お客様：{_listed(message.markers, '、', 'なし')}（{message.score:+d}）／"
        f"返信：{_listed(reply.markers, '、', 'なし')}（{reply.score:+d}）"
    )


def _markers_en(message: Tone, reply: Tone) -> str:
    return (
        f"Customer: {_listed(message.markers, ', ', 'none')} ({message.score:+d}); "
        f"reply: {_listed(reply.markers, ', ', 'none')} ({reply.score:+d})."
    )
