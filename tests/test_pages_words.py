"""Managers read words, not keys: every page of the demo shop, in Japanese and in English.

The keys of the code (kinds, units, parameters, their values, exception reasons, precedent
kinds, the calendar's "holiday: …" reasons) must not appear in a page's text. The CSV column
reference is the exception: there the codes are what the file holds, each shown with its words.
"""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from commitments.demo import demo_build
from commitments.models import Customer
from policies.models import Promise
from reports.models import Report
from reports.services import report_get_or_build

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
KEYS = [
    # occasion and action kinds (shipped is also an English word: not listed)
    "order_placed",
    "inquiry_received",
    "review_posted",
    "note_enclosed",
    "shipping_notice_sent",
    "reply_sent",
    "review_replied",
    "thank_you_sent",
    # units
    "business_days_late",
    "closed_day_reply",
    "days_after_shipment",
    "business_hours",
    # parameters and their values
    "min_lines",
    "drift_tolerance",
    "drift_tolerance_hours",
    "precedent_above",
    "excused_reasons",
    "within_business_hours",
    "within_hours",
    "within_days",
    "low_max_rating",
    "gift_wrap_when_gift",
    "same_day",
    "tracking_required",
    "tiers",
    "min_total",
    # exception reasons
    "our_mistake",
    "goodwill",
    # precedents and calendar reasons
    "early_shipping",
    "long_note",
    "extra_extras",
    "replied_to_high_rating",
    "holiday:",
]
PAGES = [
    "",
    "promises/",
    "promises/new/",
    "promises/new/?kind=included_extras",
    "findings/",
    "precheck/",
    "customers/",
    "exceptions/",
    "today/",
    "packing/",
    "reports/",
    "calendar/",
]


@pytest.fixture(autouse=True)
def _english_after():
    """A Japanese request leaves Japanese active in the thread: give the next test English."""
    yield
    translation.activate("en")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def keys_in(text: str) -> list[str]:
    """Return each key found in the text with a little of what surrounds it."""
    found = []
    for key in KEYS:
        match = re.search(r"(?<![\w-])" + re.escape(key) + r"(?![\w-])", text)
        if match:
            found.append(f"{key}: …{text[max(0, match.start() - 60) : match.end() + 40]}…")
    return found


@pytest.fixture
def demo(db):
    manager = get_user_model().objects.create_user("words-manager", password="pw-T-2026!x")
    built = demo_build(manager=manager, customers=30, months=2, seed=7, now=NOW)
    report_get_or_build(shop=built.shop, week="2026-W46")
    return built.shop, manager


def pages_of(shop) -> list[str]:
    pages = [f"/shops/{shop.slug}/{page}" for page in PAGES]
    for promise in Promise.objects.filter(shop=shop):
        base = f"/shops/{shop.slug}/promises/{promise.pk}/"
        pages += [base, f"{base}edit/", f"{base}versions/"]
    pages += [f"/shops/{shop.slug}/reports/{r.week}/" for r in Report.objects.filter(shop=shop)]
    pages += [
        f"/shops/{shop.slug}/customers/{c.external_id}/"
        for c in Customer.objects.filter(shop=shop).order_by("external_id")[:5]
    ]
    pages.append(f"/account/shops/{shop.slug}/audit/")
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_pages_show_words_not_keys(demo, language):
    shop, manager = demo
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(manager)
    problems = []
    for page in pages_of(shop):
        response = client.get(page)
        assert response.status_code == 200, page
        problems += [f"{page} {found}" for found in keys_in(_text(response.content.decode()))]
    # The pre-check's answer: levels, precedents and kinds of a customer with a history.
    customer = Customer.objects.filter(shop=shop).order_by("external_id").first()
    for kind, attributes in (("note_enclosed", {"attr_lines": "3"}), ("reply_sent", {})):
        response = client.post(
            f"/shops/{shop.slug}/precheck/",
            {
                "customer": customer.external_id,
                "kind": kind,
                "occurred_at": "2026-11-20T10:00",
                "op": "check",
                **attributes,
            },
        )
        assert response.status_code == 200
        problems += [
            f"precheck {kind} {found}" for found in keys_in(_text(response.content.decode()))
        ]
    assert problems == []


@pytest.mark.django_db
def test_excused_reasons_read_as_a_japanese_list(demo):
    shop, manager = demo
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(manager)
    text = _text(client.get(f"/shops/{shop.slug}/promises/").content.decode())
    assert "当店のミス、お客様の期日" in text


def test_the_check_finds_a_key():
    assert keys_in("承認なしで免除する例外の理由: our_mistake, deadline")
    assert keys_in("休業日（holiday: 勤労感謝の日）")
    assert not keys_in("当店のミス、お客様の期日; shipped on Fri")
