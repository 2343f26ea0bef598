"""Every registered word has its Japanese: promise kinds, occasion and action kinds, their
attributes, units, parameters, precedents and exception reasons.

Walks the registries as they are after every kind module is imported (a kind added as a module
is walked too) and renders each word in English and in Japanese through the compiled catalogue:
a word missing from locale/ja/LC_MESSAGES/django.po reads the same in both languages (gettext
falls back to the msgid) and fails here, as does a missing label, unit or help text.
"""

import pytest
from django.utils import translation

from policies import vocabulary
from policies.kinds import registry
from policies.kinds.registry import param_fields

# Words that are the same in both languages on purpose (product names): none today.
SAME_IN_BOTH: set[str] = set()


def both(words) -> tuple[str, str]:
    with translation.override("en"):
        english = str(words)
    with translation.override("ja"):
        japanese = str(words)
    return english, japanese


def untranslated(owner: str, **words) -> list[str]:
    """Return a problem for each word that is missing or reads the same in Japanese."""
    problems = []
    for name, value in words.items():
        if value is None or not str(value).strip():
            problems.append(f"{owner}: no {name}")
            continue
        english, japanese = both(value)
        if english == japanese and english not in SAME_IN_BOTH:
            problems.append(f"{owner}: {name} {english!r} has no Japanese")
    return problems


class _Amount:
    """A unit's amount rendered when str() is called (in the language active then)."""

    def __init__(self, unit, count):
        self.unit, self.count = unit, count

    def __str__(self):
        return self.unit.amount % {"n": "7", "count": self.count}


def kind_ids():
    return registry.ids()


@pytest.mark.parametrize("kind_id", kind_ids())
def test_a_promise_kind_has_its_words_in_both_languages(kind_id):
    kind = registry.get(kind_id)
    problems = []
    if not (kind.label_ja or "").strip() or not (kind.label_en or "").strip():
        problems.append(f"{kind_id}: label_ja and label_en")
    if kind.label_ja == kind.label_en:
        problems.append(f"{kind_id}: label_ja is the English label")
    unit = vocabulary.unit(kind.level_unit)
    if unit is None or unit is not kind.unit:
        problems.append(f"{kind_id}: unit {kind.level_unit!r} not registered")
    for path, field in param_fields(kind.Params()):
        problems += untranslated(
            f"{kind_id} parameter {path}", label=field.label, help=field.help_text
        )
        for value, words in (getattr(field, "choices", None) or {}).items():
            problems += untranslated(f"{kind_id} parameter {path} = {value}", words=words)
    for what, words in kind.precedent_labels.items():
        problems += untranslated(f"{kind_id} precedent {what}", words=words)
    assert problems == []


@pytest.mark.parametrize("record", vocabulary.RECORDS)
def test_occasion_and_action_kinds_and_their_attributes_have_their_words(record):
    problems = []
    for kind_id, kind in vocabulary.record_kinds(record).items():
        words = {"noun": kind.noun, "phrase": kind.phrase}
        if record == vocabulary.ACTION:
            words["done"] = kind.done
        problems += untranslated(f"{record} kind {kind_id}", **words)
        for attribute in kind.attributes:
            problems += untranslated(
                f"{record} kind {kind_id}, attribute {attribute.name}",
                label=attribute.label,
                help=attribute.help,
            )
    assert problems == []


def test_every_unit_of_a_kind_has_its_words_singular_and_plural():
    problems = []
    for kind in registry.all():
        unit = kind.unit
        problems += untranslated(f"unit {unit.id}", name=unit.name)
        for value in (1, 2, 0.5, -3):
            for words in (unit.level_words(value), unit.measured_words(value)):
                if not words.strip():
                    problems.append(f"unit {unit.id}: no words for {value}")
        for count in (1, 2):
            english, japanese = both(_Amount(unit, count))
            if english == japanese or not english.strip():
                problems.append(f"unit {unit.id}: amount {english!r} ({count}) has no Japanese")
        # The rendered level reads differently in Japanese (the unit's own words, not a key).
        with translation.override("en"):
            english = unit.level_words(2)
        with translation.override("ja"):
            japanese = unit.level_words(2)
        if english == japanese or unit.id in japanese:
            problems.append(f"unit {unit.id}: level words {japanese!r} are not Japanese")
    assert problems == []


def test_exception_reasons_have_their_words():
    problems = []
    for value, label in vocabulary.ExceptionReason.choices:
        problems += untranslated(f"exception reason {value}", label=label)
    assert problems == []


def test_the_walk_fails_on_a_word_without_japanese():
    """The check can fail: a plain string, and a msgid the catalogue lacks."""
    from django.utils.translation import gettext_lazy

    assert untranslated("x", label="Minimum words") == ["x: label 'Minimum words' has no Japanese"]
    assert untranslated("x", label=gettext_lazy("No such msgid in the catalogue")) != []
    assert untranslated("x", label="") == ["x: no label"]
    assert untranslated("x", label=gettext_lazy("Minimum lines")) == []
