"""Every template speaks through Django's localisation: no hard-coded date format, no
untranslated user-facing text (issue 17, "Words a shop uses")."""

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType
from django.utils import timezone, translation

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for pattern in ("templates/**/*.html", "*/templates/**/*.html", "*/templates/**/*.txt")
    for path in ROOT.glob(pattern)
    if ".venv" not in path.parts
)
# |date:"…" is allowed only with a named format of the language (DATE_FORMAT…), "c" (ISO 8601
# for machines, in datetime attributes) or a single weekday letter.
DATE_FILTER = re.compile(r"""\|\s*(?:date|time)\s*:\s*["']([^"']*)["']""")
ALLOWED_DATE_FORMATS = re.compile(r"^(?:[A-Z_]+_FORMAT|c|D|l)$")
# Words that are the same in every language (names, abbreviations).
SAME_IN_EVERY_LANGUAGE = {"Tsuzuku", "CSV", "API", "ID", "URL", "JSON", "OK", "Swagger", "UI"}
# Text between tags and in the attributes people read.
READ_ATTRIBUTES = re.compile(r"""\b(?:title|placeholder|aria-label|alt)\s*=\s*"([^"{]*)\"""")
ENTITY = re.compile(r"&#?\w+;")
TAG = re.compile(r"<[^>]*>", re.S)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
# Blocks whose content is code or data, not words for people.
CODE_BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


def _text_outside_translation(path: Path) -> str:
    """Return the template's literal text, outside {% translate %}, {% blocktranslate %},
    {% comment %} and variables."""
    source = path.read_text(encoding="utf-8")
    parts, depth = [], 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment"):
                depth += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment"):
                depth -= 1
            parts.append(" ")
        elif token.token_type == TokenType.TEXT and depth == 0:
            parts.append(token.contents)
        else:
            parts.append(" ")
    return CODE_BLOCKS.sub(" ", "".join(parts))


def _untranslated_words(path: Path) -> list[str]:
    text = _text_outside_translation(path)
    found = [value for value in READ_ATTRIBUTES.findall(text) if WORD.search(value)]
    between_tags = ENTITY.sub(" ", TAG.sub(" ", text))
    found += [word for word in WORD.findall(between_tags) if word not in SAME_IN_EVERY_LANGUAGE]
    return found


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 25


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hard_coded_date_format(path):
    formats = DATE_FILTER.findall(path.read_text(encoding="utf-8"))
    hard_coded = [f for f in formats if not ALLOWED_DATE_FORMATS.match(f)]
    assert not hard_coded, f"{path}: use |shop_time or |shop_date, not |date:{hard_coded}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_untranslated_text(path):
    words = _untranslated_words(path)
    assert not words, f"{path}: text outside {{% translate %}}: {words[:10]}"


def test_the_checker_catches_a_hard_coded_format_and_a_bare_word(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '{% load i18n %}<p title="Open">Hello {{ x|date:"Y-m-d H:i" }}</p>'
        '{% translate "Fine" %}{# not shown #}<script>var a = "code";</script>',
        encoding="utf-8",
    )
    assert _untranslated_words(bad) == ["Open", "Hello"]
    assert DATE_FILTER.findall(bad.read_text()) == ["Y-m-d H:i"]


class TestShopFormats:
    """The filters templates use give the shop's words (config/formats/)."""

    def render(self, source, language, **context):
        from django.template import Context, Template

        with translation.override(language), timezone.override("Asia/Tokyo"):
            return Template("{% load shop_format %}" + source).render(Context(context))

    def test_a_moment_in_japanese_and_english(self):
        import datetime as dt

        moment = dt.datetime(2026, 11, 22, 6, 30, tzinfo=dt.UTC)  # 15:30 in Tokyo
        assert self.render("{{ m|shop_time }}", "ja", m=moment) == "2026年11月22日(日) 15:30"
        assert self.render("{{ m|shop_time }}", "en", m=moment) == "Nov 22, 2026, 3:30 p.m."
        assert self.render("{{ m|shop_date }}", "ja", m=moment) == "2026年11月22日(日)"
        # Stored ISO text (report data) reads the same.
        assert self.render("{{ m|shop_time }}", "ja", m=moment.isoformat()) == (
            "2026年11月22日(日) 15:30"
        )

    def test_numbers_yen_and_percent(self):
        assert self.render("{{ n|yen }}", "ja", n=7200) == "¥7,200"
        assert self.render("{{ n|shop_percent }}", "ja", n=97.2) == "97.2%"
        assert self.render("{{ n|shop_percent }}", "en", n=100.0) == "100%"
        assert self.render("{{ n|shop_number }}", "en", n=12345) == "12,345"
        assert self.render("{{ n|shop_number:2 }}", "ja", n=1.5) == "1.5"
        assert self.render("{{ n|shop_number:2 }}", "ja", n=1.25) == "1.25"
