"""The Japanese catalogue: complete, consistent with the glossary, compiled, and served."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from accounts.models import Role
from commitments.forms import FINDING_STATUS_LABELS, FINDING_TYPE_LABELS

LOCALE = Path(django_settings.BASE_DIR) / "locale"
PO = LOCALE / "ja" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "ja" / "LC_MESSAGES" / "django.mo"
SHOP = "/shops/kobo/"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdr]|%%|%[sd]|\{[a-z_]*\}")
# The Japanese words of the shop's navigation (docs/GLOSSARY.md) and their English msgids.
NAV = {
    "Pre-check": "事前チェック",
    "Findings": "指摘",
    "Customers": "お客様",
    "Exceptions": "例外",
    "Weekly reports": "週次レポート",
    "Promises": "約束",
    "Calendar": "営業カレンダー",
}


def _unquote(text: str) -> str:
    """Return the content of one quoted .po string."""
    body = text.strip()[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda match: escapes[match.group(1)], body)


def parse_po(path: Path) -> list[dict]:
    """Return the entries of a .po file: flags, msgctxt, msgid, msgid_plural, msgstrs."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": []}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
            else:
                entry[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            if key.startswith("msgstr"):
                entry["msgstr"].append(_unquote(value))
                key = "msgstr"
            else:
                entry[key] = _unquote(value)
    return [e for e in entries if not e.get("obsolete")]


def catalogue() -> list[dict]:
    """Return the translated entries of the Japanese catalogue (without the header)."""
    return [entry for entry in parse_po(PO) if entry["msgid"]]


def key_of(entry: dict) -> tuple[str, str]:
    return entry.get("msgctxt", ""), entry["msgid"]


def page(client: Client, path: str, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def japanese(settings):
    """Make Japanese the default language, as in production (the test settings say English)."""
    settings.LANGUAGE_CODE = "ja"
    yield
    translation.activate("en")


@pytest.fixture
def manager_browser(manager):
    client = Client()
    client.force_login(manager)
    return client


class TestCatalogue:
    def test_the_catalogue_has_hundreds_of_entries(self):
        assert len(catalogue()) > 400

    def test_every_entry_is_translated(self):
        untranslated = [entry["msgid"] for entry in catalogue() if not all(entry["msgstr"])]
        assert untranslated == []

    def test_no_entry_is_fuzzy(self):
        fuzzy = [entry["msgid"] for entry in parse_po(PO) if "fuzzy" in entry["flags"]]
        assert fuzzy == []

    def test_the_header_declares_japanese_with_one_plural_form(self):
        header = next(entry for entry in parse_po(PO) if entry["msgid"] == "")["msgstr"][0]
        assert ("Language: ja" in header, "nplurals=1; plural=0;" in header) == (True, True)

    def test_every_translation_keeps_the_placeholders_of_its_msgid(self):
        changed = [
            entry["msgid"]
            for entry in catalogue()
            if sorted(PLACEHOLDER.findall(entry["msgstr"][0]))
            != sorted(PLACEHOLDER.findall(entry.get("msgid_plural", entry["msgid"])))
        ]
        assert changed == []

    def test_plural_entries_have_exactly_one_form(self):
        forms = {len(entry["msgstr"]) for entry in catalogue() if "msgid_plural" in entry}
        assert forms == {1}

    @pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
    def test_the_catalogue_has_every_string_of_the_source(self, tmp_path, monkeypatch, settings):
        # Extract the strings of a copy of the project, so the committed catalogue is untouched.
        source = tmp_path / "src"
        shutil.copytree(
            django_settings.BASE_DIR,
            source,
            ignore=shutil.ignore_patterns(
                ".*", "__pycache__", "bench", "tests", "locale", "media", "static*", "*.sqlite3"
            ),
        )
        (source / "locale").mkdir()
        monkeypatch.chdir(source)
        settings.LOCALE_PATHS = [source / "locale"]
        call_command("makemessages", locale=["ja"], verbosity=0)
        fresh = {key_of(entry) for entry in parse_po(source / "locale/ja/LC_MESSAGES/django.po")}
        committed = {key_of(entry) for entry in catalogue()}
        # A string missing here: run makemessages, translate it, compilemessages (docs/GLOSSARY.md).
        assert sorted(fresh - committed - {("", "")}) == []


class TestCompiledCatalogue:
    def test_the_mo_file_holds_every_translation_of_the_po_file(self):
        with MO.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        stale = []
        for entry in catalogue():
            if "msgid_plural" in entry:
                got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
            elif "msgctxt" in entry:
                got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
            else:
                got = compiled.gettext(entry["msgid"])
            if got != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        assert stale == []

    @pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt is not installed")
    def test_msgfmt_accepts_the_po_file(self, tmp_path):
        result = subprocess.run(  # noqa: S603 - gettext's own tool on our own file
            [shutil.which("msgfmt"), "--check", "-o", str(tmp_path / "django.mo"), str(PO)],
            capture_output=True,
            text=True,
        )
        assert (result.returncode, result.stderr) == (0, "")


class TestGlossary:
    """One Japanese word per domain term (docs/GLOSSARY.md), wherever the English word occurs."""

    TERMS = [
        (r"\bpromis(e|es|ed)\b", "約束"),
        (r"\bfindings?\b", "指摘"),
        (r"\bexceptions?\b", "例外"),
        (r"\bdrift(ing)?\b", "逸脱"),
        (r"\bprecedents?\b", "前例"),
        (r"\bbreach(es)?\b", "違反"),
        (r"\boverdue\b", "期限超過"),
        (r"\bexcused\b", "免除"),
        (r"\brepeat customers?\b", "常連のお客様"),
        (r"\bcustomers?\b", "お客様"),
        (r"\boccasions?\b", "案件"),
        (r"\bactions?\b", "対応"),
        (r"\bhandwritten note\b", "手書きメッセージ"),
        (r"\bthank-you\b", "お礼メッセージ"),
        (r"\bshipping notice\b", "発送通知"),
        (r"\btracking number\b", "追跡番号"),
        (r"\binquir(y|ies)\b", "お問い合わせ"),
        (r"\breviews?\b", "レビュー"),
        (r"\bclosed days?\b", "休業日"),
        (r"\bclosed weekdays?\b", "定休日"),
        (r"\bnational holidays\b", "祝日"),
        (r"\bbusiness hours\b", "営業時間"),
        (r"\bcalendar\b", "営業カレンダー"),
        (r"\bpre-checks?\b", "事前チェック"),
        (r"\bretire[ds]?\b", "廃止"),
        (r"\baudit trail\b", "操作履歴"),
    ]
    # Where the English word is only a unit after a number: "3 extras" reads "3 点".
    UNIT_ONLY = {"extras"}

    @pytest.mark.parametrize(("pattern", "japanese"), TERMS, ids=[t[1] for t in TERMS])
    def test_the_term_is_translated_with_the_same_word_everywhere(self, pattern, japanese):
        drifting = [
            (entry["msgid"], entry["msgstr"][0])
            for entry in catalogue()
            if entry["msgid"] not in self.UNIT_ONLY
            and re.search(pattern, PLACEHOLDER.sub("", entry["msgid"]), re.IGNORECASE)
            and japanese not in entry["msgstr"][0]
        ]
        assert drifting == []

    def test_the_glossary_lists_each_term_with_its_japanese_word(self):
        glossary = (Path(django_settings.BASE_DIR) / "docs" / "GLOSSARY.md").read_text()
        missing = [japanese for _pattern, japanese in self.TERMS if japanese not in glossary]
        assert missing == []

    @pytest.mark.parametrize(
        ("label", "japanese"),
        [
            (FINDING_TYPE_LABELS["breach"], "違反"),
            (FINDING_TYPE_LABELS["overdue"], "期限超過"),
            (FINDING_TYPE_LABELS["drift"], "逸脱"),
            (FINDING_TYPE_LABELS["precedent"], "前例"),
            (FINDING_STATUS_LABELS["open"], "未対応"),
            (Role.MANAGER.label, "マネージャー"),
            (Role.STAFF.label, "スタッフ"),
            (Role.VIEWER.label, "閲覧者"),
        ],
        ids=["breach", "overdue", "drift", "precedent", "open", "manager", "staff", "viewer"],
    )
    def test_labels_of_the_code_read_in_japanese(self, label, japanese):
        with translation.override("ja"):
            assert str(label) == japanese


@pytest.mark.django_db
class TestPagesInJapanese:
    def test_the_login_page_is_japanese_by_default(self, japanese):
        html = page(Client(), "/login/")
        assert ('<html lang="ja">' in html, "ログイン" in html, "Log in" in html) == (
            True,
            True,
            False,
        )

    def test_the_shop_page_shows_the_navigation_in_japanese(self, japanese, manager_browser):
        html = page(manager_browser, SHOP)
        assert ([word for word in NAV.values() if word not in html], "Pre-check" in html) == (
            [],
            False,
        )

    @pytest.mark.parametrize(
        ("cookie", "accept_language", "lang"),
        [
            (None, None, "ja"),
            (None, "en-US,en;q=0.9", "en"),
            (None, "ja,en;q=0.5", "ja"),
            ("en", None, "en"),
            ("ja", "en", "ja"),
        ],
        ids=["default", "browser-en", "browser-ja", "cookie-en", "cookie-beats-browser"],
    )
    def test_the_language_follows_cookie_then_browser_then_default(
        self, japanese, manager_browser, cookie, accept_language, lang
    ):
        if cookie:
            manager_browser.cookies["django_language"] = cookie
        headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
        html = page(manager_browser, SHOP, **headers)
        words = list(NAV) if lang == "en" else list(NAV.values())
        assert (f'<html lang="{lang}">' in html, [w for w in words if w not in html]) == (True, [])

    def test_choosing_english_in_the_menu_switches_and_japanese_switches_back(
        self, japanese, manager_browser
    ):
        response = manager_browser.post(
            "/i18n/setlang/", {"language": "en", "next": SHOP}, follow=True
        )
        english = response.content.decode()
        response = manager_browser.post(
            "/i18n/setlang/", {"language": "ja", "next": SHOP}, follow=True
        )
        japanese_again = response.content.decode()
        assert (
            "Findings" in english,
            "指摘" in english,
            "指摘" in japanese_again,
            manager_browser.cookies["django_language"].value,
        ) == (True, False, True, "ja")

    def test_the_language_menu_names_each_language_in_itself(self, japanese, manager_browser):
        html = page(manager_browser, SHOP)
        assert ('lang="en">English</option>' in html, 'lang="ja" selected>日本語' in html) == (
            True,
            True,
        )

    def test_a_form_error_of_the_calendar_reads_in_japanese(self, japanese, manager_browser):
        response = manager_browser.post(
            f"{SHOP}calendar/",
            {"timezone": "Mars/Olympus", "holidays": "JP"},
            follow=True,
        )
        html = response.content.decode()
        assert ("営業カレンダーは保存されていません" in html, "不明なタイムゾーンです" in html) == (
            True,
            True,
        )


@pytest.mark.django_db
class TestValidationMessagesInJapanese:
    URL = "/api/v1/shops/kobo/prechecks/"
    BODY = {
        "customer": "C-1",
        "kind": "note_enclosed",
        "occurred_at": "yesterday",
        "attributes": {"lines": 6},
    }

    def errors(self, api, language: str) -> list[dict]:
        # override() restores the language the other tests expect, whatever the middleware did.
        with translation.override("en"):
            response = api.post(self.URL, self.BODY, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        return response.json()["errors"]

    def test_a_bad_time_reads_in_japanese_with_the_same_code_and_field(self, api):
        english, japanese = self.errors(api, "en"), self.errors(api, "ja")
        assert (
            [(e["code"], e["field"]) for e in japanese],
            english[0]["message"].startswith("occurred_at must be an ISO 8601 time"),
            japanese[0]["message"],
        ) == (
            [(e["code"], e["field"]) for e in english],
            True,
            "occurred_at は 2026-11-20T15:30:00+09:00 のような ISO 8601 形式の日時で"
            "指定してください（指定値: 'yesterday'）。",
        )

    def test_an_attribute_error_names_the_accepted_values_in_japanese(self):
        from commitments.attributes import attributes_validate

        with translation.override("ja"), pytest.raises(ValidationError) as raised:
            attributes_validate(record="action", kind="note_enclosed", attributes={"lines": -1})
        [error] = raised.value.error_list
        assert (error.code, error.params["field"], error.messages) == (
            "invalid_attribute",
            "attributes.lines",
            ["note_enclosed の「lines」は0 から 1000 までの整数で指定してください（指定値: -1）。"],
        )
