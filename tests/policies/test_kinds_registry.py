"""The registry of promise kinds: contract checks, unknown kinds, parameters and schemas."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from config.api_errors import django_validation_errors
from policies.kinds import registry
from policies.kinds.base import JudgeContext, Judgement, KindParams, PromiseKind, Verdict
from policies.kinds.registry import Registry, UnknownKind
from policies.vocabulary import Unit

from .kinds_support import SEED_CALENDAR, event, judge

KINDS = [
    "shipping_cutoff",
    "handwritten_note",
    "holiday_replies",
    "reply_time",
    "shipping_notice",
    "review_reply",
    "thank_you_message",
    "included_extras",
]


class GiftMessageParams(KindParams):
    min_words = serializers.IntegerField(
        min_value=1, default=20, label="Minimum words", help_text="At least this many."
    )


WORDS = Unit("words", ngettext_lazy("%(n)s word", "%(n)s words", "count"), "words")


class GiftMessage(PromiseKind):
    """A kind written in the test: one class is all it takes."""

    id = "gift_message"
    label_ja = "ギフトメッセージ"
    label_en = "Gift message"
    occasion_kind = "order_placed"
    action_kind = "note_enclosed"
    unit = WORDS
    higher_is_better = True
    Params = GiftMessageParams
    precedent_labels = {}

    def evaluate(self, ctx):
        words = ctx.action.attributes["words"]
        if words >= ctx.params["min_words"]:
            return Judgement(level=words, kept=True)
        verdict = Verdict("breach", "短すぎます。", "Too short.", {"words": words})
        return Judgement(level=words, kept=False, verdicts=(verdict,))


def broken(**overrides):
    """Return a copy of GiftMessage with some class attributes replaced."""
    return type("Broken", (GiftMessage,), overrides)


class TestRegistry:
    def test_every_kind_of_the_api_is_registered_in_order(self):
        # The built-in kinds first, in this order; kinds added as modules follow.
        assert [kind.id for kind in registry.all()][: len(KINDS)] == KINDS
        assert registry.ids()[: len(KINDS)] == KINDS

    @pytest.mark.parametrize("kind_id", KINDS)
    def test_get_returns_the_kind_with_its_declared_contract(self, kind_id):
        kind = registry.get(kind_id)

        assert kind.id == kind_id
        assert kind.occasion_kind in {"order_placed", "inquiry_received", "review_posted"}
        assert isinstance(kind.higher_is_better, bool)
        assert kind.label_ja and kind.label_en and kind.level_unit

    @pytest.mark.parametrize("kind_id", ["nope", "", None, "Shipping_Cutoff"])
    def test_an_unknown_kind_is_a_validation_error_with_a_stable_code(self, kind_id):
        with pytest.raises(UnknownKind) as raised:
            registry.get(kind_id)

        assert isinstance(raised.value, ValidationError)
        assert raised.value.code == "unknown_kind"
        assert django_validation_errors(raised.value) == [
            {
                "code": "unknown_kind",
                "field": "kind",
                "message": f"Unknown promise kind “{kind_id}”.",
            }
        ]

    def test_adding_a_kind_is_writing_one_class(self):
        kinds = Registry()

        returned = kinds.register(GiftMessage)
        kind = kinds.get("gift_message")
        order = event("order_placed", "2026-11-20 10:00", "o1")
        note = event("note_enclosed", "2026-11-21 10:00", "n1", words=12)

        assert returned is GiftMessage
        assert kinds.ids() == ["gift_message"]
        assert kind.level_unit == "words"
        assert kind.validate_params({}) == {
            "min_words": 20,
            "excused_reasons": ["our_mistake", "deadline"],
        }
        assert kind.params_schema()["properties"]["min_words"] == {
            "type": "integer",
            "minimum": 1,
            "default": 20,
            "description": "At least this many.",
        }
        assert "gift_message" not in registry.ids()
        result = kind.judge(
            JudgeContext(
                action=note,
                occasion=order,
                related=(),
                params=kind.validate_params({}),
                calendar=SEED_CALENDAR,
            )
        )
        assert result.level == 12
        assert result.types == ("breach",)

    @pytest.mark.parametrize(
        ("kind_class", "message"),
        [
            (broken(id=""), "id must be a non-empty snake_case string"),
            (broken(id="Gift-Message"), "id must be a non-empty snake_case string"),
            (broken(id=None), "id must be a non-empty snake_case string"),
            (broken(occasion_kind="order"), "occasion_kind must be an occasion kind registered"),
            (broken(action_kind="gift_sent"), "action_kind must be an action kind registered"),
            (
                broken(reads_action_kinds=("gift_sent",)),
                "reads_action_kinds must be a tuple of action kinds",
            ),
            (
                broken(reads_action_kinds="reply_sent"),
                "reads_action_kinds must be a tuple of action kinds",
            ),
            (broken(unit="words"), "unit must be a policies.vocabulary.Unit"),
            (broken(unit=None), "unit must be a policies.vocabulary.Unit"),
            (broken(precedent_labels=["long_note"]), "precedent_labels must be a dict"),
            (broken(precedent_labels={"long": ""}), r"precedent_labels\['long'\] must be words"),
            (
                broken(
                    Params=type(
                        "NoLabel",
                        (KindParams,),
                        {"n": serializers.IntegerField(default=1, help_text="How many.")},
                    )
                ),
                "parameter 'n' needs a label",
            ),
            (
                broken(
                    Params=type(
                        "NoHelp",
                        (KindParams,),
                        {"n": serializers.IntegerField(default=1, label="N")},
                    )
                ),
                "parameter 'n' needs a help_text",
            ),
            (broken(label_en=None), "label_en must be a non-empty string"),
            (broken(higher_is_better="yes"), "higher_is_better must be True or False"),
            (broken(Params=dict), "Params must be a rest_framework Serializer class"),
            (broken(Params=serializers.Serializer), "Params must accept excused_reasons"),
            (type("Plain", (), {"id": "plain"}), "must be a class that subclasses"),
        ],
        ids=[
            "empty-id",
            "not-snake-case",
            "no-id",
            "unknown-occasion-kind",
            "unknown-action-kind",
            "reads-an-unknown-action-kind",
            "reads-not-a-tuple",
            "unit-not-a-unit",
            "no-unit",
            "precedent-labels-not-a-dict",
            "precedent-label-empty",
            "param-without-label",
            "param-without-help",
            "no-label",
            "higher-is-better-not-bool",
            "params-not-a-serializer",
            "params-without-excused-reasons",
            "not-a-promise-kind",
        ],
    )
    def test_a_broken_contract_is_rejected_at_registration(self, kind_class, message):
        kinds = Registry()

        with pytest.raises(ImproperlyConfigured, match=message):
            kinds.register(kind_class)
        assert kinds.ids() == []

    def test_an_id_cannot_be_registered_twice(self):
        kinds = Registry()
        kinds.register(GiftMessage)

        with pytest.raises(ImproperlyConfigured, match="already registered by GiftMessage"):
            kinds.register(broken())
        assert len(kinds.all()) == 1

    def test_the_default_registry_refuses_an_existing_id(self):
        with pytest.raises(ImproperlyConfigured, match="'handwritten_note' is already registered"):
            registry.register(broken(id="handwritten_note"))

    def test_a_parameter_field_without_a_schema_is_rejected(self):
        class OddParams(KindParams):
            when = serializers.DateTimeField(default=None, label="When", help_text="A moment.")

        with pytest.raises(ImproperlyConfigured, match="DateTimeField has no schema"):
            Registry().register(broken(Params=OddParams))


class TestParams:
    @pytest.mark.parametrize(
        ("kind_id", "defaults"),
        [
            ("shipping_cutoff", {"cutoff": "16:00"}),
            ("handwritten_note", {"min_lines": 10, "drift_tolerance": 0, "precedent_above": 5}),
            ("holiday_replies", {"mode": "none"}),
            ("reply_time", {"within_business_hours": 24, "drift_tolerance_hours": 4}),
            ("shipping_notice", {"same_day": True, "tracking_required": True}),
            ("review_reply", {"scope": "all", "low_max_rating": 3, "within_days": 3}),
            ("thank_you_message", {"within_hours": 24, "drift_tolerance_hours": 12}),
            (
                "included_extras",
                {
                    "tiers": [{"min_total": 6800, "extras": ["greeting_card"]}],
                    "gift_wrap_when_gift": True,
                },
            ),
        ],
    )
    def test_defaults_are_filled(self, kind_id, defaults):
        params = registry.get(kind_id).validate_params({})

        assert params == {**defaults, "excused_reasons": ["our_mistake", "deadline"]}

    def test_given_values_are_kept_and_normalised(self):
        kind = registry.get("shipping_cutoff")

        assert kind.validate_params({"cutoff": "15:30", "excused_reasons": ["goodwill"]}) == {
            "cutoff": "15:30",
            "excused_reasons": ["goodwill"],
        }
        assert (
            registry.get("handwritten_note").validate_params({"min_lines": "5"})["min_lines"] == 5
        )

    def test_defaults_are_not_shared_between_calls(self):
        kind = registry.get("included_extras")
        first = kind.validate_params({})
        first["tiers"][0]["extras"].append("sticker")

        assert kind.validate_params({})["tiers"] == [
            {"min_total": 6800, "extras": ["greeting_card"]}
        ]

    @pytest.mark.parametrize(
        ("kind_id", "params", "fields"),
        [
            ("handwritten_note", {"min_lines": "ten"}, ["min_lines"]),
            ("handwritten_note", {"min_lines": 0}, ["min_lines"]),
            ("handwritten_note", {"min_line": 5}, ["min_line"]),
            ("shipping_cutoff", {"cutoff": "4pm"}, ["cutoff"]),
            ("shipping_cutoff", {"cutoff": "25:00"}, ["cutoff"]),
            ("holiday_replies", {"mode": "sometimes"}, ["mode"]),
            ("holiday_replies", {"excused_reasons": ["weather"]}, ["excused_reasons[0]"]),
            ("review_reply", {"low_max_rating": 6}, ["low_max_rating"]),
            ("review_reply", {"scope": "high", "within_days": -1}, ["scope", "within_days"]),
            ("shipping_notice", {"same_day": "maybe"}, ["same_day"]),
            (
                "included_extras",
                {"tiers": [{"min_total": -1, "extras": []}]},
                [
                    "tiers[0].min_total",
                    "tiers[0].extras",
                ],
            ),
            (
                "included_extras",
                {"tiers": [{"min_total": 1, "extras": ["x"], "k": 1}]},
                ["tiers[0].k"],
            ),
            ("included_extras", {"tiers": "card"}, ["tiers"]),
            ("reply_time", ["within_business_hours"], ["params"]),
        ],
        ids=[
            "not-a-number",
            "below-minimum",
            "unknown-key",
            "not-a-time",
            "hour-out-of-range",
            "unknown-mode",
            "unknown-excused-reason",
            "rating-above-5",
            "two-bad-fields",
            "not-a-boolean",
            "tier-fields",
            "unknown-key-in-a-tier",
            "tiers-not-a-list",
            "params-not-an-object",
        ],
    )
    def test_a_bad_parameter_is_invalid_param_naming_the_field(self, kind_id, params, fields):
        with pytest.raises(ValidationError) as raised:
            registry.get(kind_id).validate_params(params)

        errors = django_validation_errors(raised.value)
        assert [error["field"] for error in errors] == fields
        assert {error["code"] for error in errors} == {"invalid_param"}
        assert all(error["message"] for error in errors)

    def test_an_unknown_key_says_so(self):
        with pytest.raises(ValidationError) as raised:
            registry.get("handwritten_note").validate_params({"min_line": 5})

        assert raised.value.messages == ["Unknown parameter “min_line”."]


class TestParamsSchema:
    @pytest.mark.parametrize("kind_id", KINDS)
    def test_every_kind_describes_its_parameters_with_defaults(self, kind_id):
        kind = registry.get(kind_id)
        schema = kind.params_schema()

        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert list(schema["properties"])[-1] == "excused_reasons"
        defaults = {name: field["default"] for name, field in schema["properties"].items()}
        assert defaults == kind.validate_params({})
        assert all(field.get("description") for field in schema["properties"].values())

    def test_schema_carries_types_enums_and_bounds(self):
        review = registry.get("review_reply").params_schema()["properties"]
        cutoff = registry.get("shipping_cutoff").params_schema()["properties"]["cutoff"]
        extras = registry.get("included_extras").params_schema()["properties"]

        assert review["scope"]["type"] == "string"
        assert review["scope"]["enum"] == ["all", "low"]
        assert (review["low_max_rating"]["minimum"], review["low_max_rating"]["maximum"]) == (1, 5)
        assert review["excused_reasons"]["items"]["enum"] == [
            "our_mistake",
            "deadline",
            "goodwill",
            "other",
        ]
        assert (cutoff["type"], cutoff["format"], cutoff["default"]) == ("string", "time", "16:00")
        assert extras["gift_wrap_when_gift"]["type"] == "boolean"
        assert extras["tiers"]["items"]["required"] == ["min_total", "extras"]
        assert extras["tiers"]["items"]["properties"]["extras"]["minItems"] == 1


# Kinds that judge what needs no occasion (lines, a tracking number, extras vs precedents).
WITHOUT_OCCASION = {"handwritten_note", "shipping_notice", "included_extras"}


class TestJudgeScope:
    @pytest.mark.parametrize("kind_id", sorted(set(KINDS) - WITHOUT_OCCASION))
    def test_kinds_measured_against_the_occasion_do_not_judge_without_it(self, kind_id):
        kind = registry.get(kind_id)
        action = event(kind.action_kind, "2026-11-20 10:00", "a1", lines=10, extras=[])

        assert judge(kind_id, occasion=None, action=action) is None

    @pytest.mark.parametrize(
        ("kind_id", "attributes", "types"),
        [
            ("handwritten_note", {"lines": 4}, ("breach",)),
            ("shipping_notice", {}, ("breach",)),
            ("included_extras", {"extras": ["greeting_card"]}, ()),
        ],
        ids=["note-lines", "notice-without-tracking", "extras-without-precedents"],
    )
    def test_what_needs_no_occasion_is_judged_without_it(self, kind_id, attributes, types):
        kind = registry.get(kind_id)
        action = event(kind.action_kind, "2026-11-20 10:00", "a1", **attributes)

        result = judge(kind_id, occasion=None, action=action)

        assert result is not None
        assert result.types == types

    @pytest.mark.parametrize("kind_id", KINDS)
    def test_no_kind_judges_an_action_of_another_kind(self, kind_id):
        kind = registry.get(kind_id)
        other = "thank_you_sent" if kind.action_kind != "thank_you_sent" else "shipped"
        occasion = event(kind.occasion_kind, "2026-11-21 10:00", "o1", rating=1)

        assert judge(kind_id, occasion=occasion, action=event(other, "2026-11-21 11:00")) is None
