"""What a shop manager and staff do, in a real browser (issue 17).

1. A manager creates a 10-line handwritten_note promise, lowers it to 5 and sees the impact
   before saving.
2. Staff pre-check a reply to an inquiry received on a national holiday, see the precedent
   warning, record it as an exception "our mistake"; the manager approves it.
3. A manager opens the weekly report and sees the trend chart.
4. Every page of a shop, at 375 px and 1280 px: no horizontal overflow, no untranslated
   text in Japanese.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Role
from commitments import judging, services
from commitments.models import ActionException, ExceptionStatus
from policies.models import Promise
from policies.services import promise_create

from .conftest import overflow, screenshot, widest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKYO = ZoneInfo("Asia/Tokyo")
# 勤労感謝の日 (a national holiday, Monday): the shop's inbox is closed.
HOLIDAY = datetime(2026, 11, 23, tzinfo=TOKYO)


def record_notes(shop, *, customers: int, lines: int, days_ago: int = 20) -> None:
    """Record two orders with a note each for every customer, and judge the shop."""
    start = timezone.now() - timedelta(days=days_ago)
    for who in range(customers):
        for order in range(2):
            at = start + timedelta(days=order * 7, hours=who)
            external = f"O-{who}-{order}"
            services.occasion_record(
                shop=shop,
                external_id=external,
                customer=f"C{who:03d}",
                kind="order_placed",
                occurred_at=at,
                attributes={},
                customer_name=f"常連 {who} 様" if order == 0 else "",
                judge=False,
            )
            services.action_record(
                shop=shop,
                external_id=f"N-{who}-{order}",
                customer=f"C{who:03d}",
                kind="note_enclosed",
                occurred_at=at + timedelta(hours=2),
                occasion=external,
                attributes={"lines": lines},
                judge=False,
            )
    judging.judge_shop(shop=shop)


def test_a_manager_lowers_a_note_promise_and_sees_the_impact_first(
    open_as, live_server, shop, manager
):
    page = open_as(manager)
    page.goto(f"{live_server.url}/shops/kobo/promises/new/?kind=handwritten_note")
    page.fill("input[name=name]", "手書きメッセージを同封")
    page.fill("input[name='params-min_lines']", "10")
    since = timezone.localtime(timezone.now() - timedelta(days=60), TOKYO)
    page.fill("input[name=effective_from]", since.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="約束を記録").click()
    page.wait_for_url(re.compile(r"/promises/\d+/$"))
    promise = Promise.objects.get(shop=shop, kind="handwritten_note")
    assert promise.versions.get().params["min_lines"] == 10

    # Customers who got 8-line notes twice: above the new level of 5.
    record_notes(shop, customers=3, lines=8)
    page.goto(f"{live_server.url}/shops/kobo/promises/{promise.pk}/edit/")
    page.fill("input[name='params-min_lines']", "5")
    page.fill("textarea[name=reason]", "繁忙期のため5行に見直し")
    page.get_by_role("button", name="新しいバージョンを記録").click()
    impact = page.locator("#impact")
    impact.wait_for()
    text = impact.inner_text()
    assert "新しい水準より良い対応をすでに受けた常連のお客様（2 回以上注文）が 3 人います。" in text
    assert "常連 0 様" in text and "8 行" in text
    # Nothing is saved before the confirmation.
    assert promise.versions.count() == 1
    screenshot(page, "1-note-promise-impact")
    page.check("input[name=confirm_lowering]")
    page.get_by_role("button", name="水準を下げる").click()
    page.wait_for_url(re.compile(r"/versions/$"))
    assert promise.versions.count() == 2
    assert promise.versions.last().params["min_lines"] == 5


def test_staff_record_a_holiday_reply_as_our_mistake_and_the_manager_approves(
    open_as, live_server, shop, manager, staff
):
    promise_create(
        shop=shop,
        kind="holiday_replies",
        name="休業日はお問い合わせに返信しない",
        params={"mode": "none"},
        author=manager,
        effective_from=HOLIDAY - timedelta(days=30),
    )
    services.occasion_record(
        shop=shop,
        external_id="Q-1123",
        customer="C100",
        kind="inquiry_received",
        occurred_at=HOLIDAY + timedelta(hours=9),
        attributes={},
        customer_name="山田 花子",
        judge=False,
    )
    page = open_as(staff)
    page.goto(f"{live_server.url}/shops/kobo/precheck/")
    page.fill("input[name=customer]", "C100")
    page.select_option("select[name=kind]", "reply_sent")
    page.fill("input[name=occurred_at]", "2026-11-23T11:00")
    page.locator("input[name=customer]").dispatch_event("change")
    occasion = page.locator("select[name=occasion] option[value='Q-1123']")
    if occasion.count() == 0:
        # Without the script, the button lists the customer's open occasions.
        page.locator("button[value=occasions]").click()
    page.locator("select[name=occasion] option[value='Q-1123']").wait_for(state="attached")
    page.select_option("select[name=occasion]", "Q-1123")
    page.locator("button[name=op][value=check]").first.click()
    answer = page.locator("section.answer")
    answer.wait_for()
    assert answer.locator(".badge.precedent").count() >= 1
    page.select_option("select[name=exception_reason]", "our_mistake")
    page.fill("textarea[name=exception_note]", "休業日に誤って返信しました")
    page.locator("button[name=op][value=exception]").click()
    page.wait_for_load_state()
    screenshot(page, "2-precheck-exception-recorded")
    exception = ActionException.objects.get(action__customer__external_id="C100")
    assert exception.reason == "our_mistake"
    assert exception.status == ExceptionStatus.REQUESTED

    manager_page = open_as(manager)
    manager_page.goto(f"{live_server.url}/shops/kobo/exceptions/")
    card = manager_page.locator(f"#exception-{exception.pk}")
    assert "山田 花子" in card.inner_text()
    card.get_by_role("button", name="承認").click()
    manager_page.wait_for_load_state()
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.APPROVED
    # The page stays where the manager was: the same queue, at the decided item.
    assert "/exceptions/" in manager_page.url
    screenshot(manager_page, "2-exception-approved")


def test_a_manager_opens_the_weekly_report_and_sees_the_trend_chart(
    open_as, live_server, shop, manager
):
    promise_create(
        shop=shop,
        kind="handwritten_note",
        name="手書きメッセージを同封",
        params={"min_lines": 5},
        author=manager,
        effective_from=timezone.now() - timedelta(days=70),
    )
    record_notes(shop, customers=4, lines=7, days_ago=30)
    page = open_as(manager)
    page.goto(f"{live_server.url}/shops/kobo/reports/")
    page.get_by_role("button", name="作成", exact=True).click()
    page.wait_for_url(re.compile(r"/reports/\d{4}-W\d{2}/$"))
    chart = page.locator("svg.trend").first
    chart.wait_for()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 250 and box["height"] > 100
    # Dated labels and a text alternative.
    assert re.search(r">\d{1,2}/\d{1,2}<", chart.evaluate("e => e.outerHTML"))
    assert page.locator("table.trend-table").count() >= 1
    assert "週次レポート" in page.locator("h1").inner_text()
    screenshot(page, "3-weekly-report")


# Words that are the same in Japanese: names, abbreviations, the language's own name.
SAME_IN_JAPANESE = {
    "Tsuzuku", "CSV", "API", "ID", "English", "JSON", "URL", "UTF", "BOM", "CP", "Excel", "MB",
    "ISO", "Shopify", "Slack", "Chatwork", "LINE", "WORKS", "Yahoo", "B2",
    # Written as-is in Japanese UIs: key and protocol names, Slack's "Incoming Webhook", and
    # the JSON field a webhook receives.
    "Enter", "Webhook", "Incoming", "POST", "text",
}  # fmt: skip
# Codes and user names the test data itself writes.
DATA = re.compile(
    r"\b(?:[CNOQ]\d+|[A-Z]-[\w-]+|manager\d|staff\d|viewer\d|kobo|Kobo|v\d+)\b|Asia/Tokyo"
)


def english_words(text: str) -> list[str]:
    text = DATA.sub(" ", text)
    return sorted(
        {w for w in re.findall(r"[A-Za-z][A-Za-z'’]+", text) if w not in SAME_IN_JAPANESE}
    )


def test_every_page_fits_a_phone_and_speaks_japanese(open_as, live_server, shop, manager):
    from accounts.models import Membership

    Membership.objects.filter(user=manager, shop=shop).update(role=Role.MANAGER)
    note = promise_create(
        shop=shop,
        kind="handwritten_note",
        name="手書きメッセージを同封",
        params={"min_lines": 5},
        author=manager,
        effective_from=timezone.now() - timedelta(days=70),
    )
    record_notes(shop, customers=2, lines=3, days_ago=10)
    base = f"{live_server.url}/shops/kobo"
    pages = {
        "shop-home": f"{base}/",
        "promises": f"{base}/promises/",
        "promise-kinds": f"{base}/promises/new/",
        "promise-new": f"{base}/promises/new/?kind=reply_time",
        "promise": f"{base}/promises/{note.pk}/",
        "promise-edit": f"{base}/promises/{note.pk}/edit/",
        "promise-history": f"{base}/promises/{note.pk}/versions/",
        "precheck": f"{base}/precheck/",
        "customers": f"{base}/customers/",
        "customer": f"{base}/customers/C000/",
        "findings": f"{base}/findings/",
        "exceptions": f"{base}/exceptions/",
        "imports": f"{base}/imports/",
        "reports": f"{base}/reports/",
        "calendar": f"{base}/calendar/",
        "today": f"{base}/today/",
        "packing": f"{base}/packing/",
        "platform-exports": f"{base}/platforms/imports/",
        "shopify": f"{base}/platforms/shopify/",
        "alerts": f"{base}/alerts/",
        "invitations": f"{live_server.url}/account/shops/kobo/invitations/",
        "members": f"{live_server.url}/account/shops/kobo/members/",
        "audit": f"{live_server.url}/account/shops/kobo/audit/",
        "tokens": f"{live_server.url}/account/tokens/",
    }
    problems = []
    for width in ("phone", "desktop"):
        page = open_as(manager, width=width)
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, (name, response.status)
            extra = overflow(page)
            if extra > 0:
                problems.append(f"{width} {name}: {extra} px wider than the window: {widest(page)}")
            # Literal identifiers are not words: <code> (the API header, CSV column names) and
            # the CSV format reference (table.columns), whose values are the file's codes.
            text = page.evaluate(
                """() => {
                  const body = document.body.cloneNode(true);
                  const literal = "code, kbd, samp, script, style, table.columns";
                  body.querySelectorAll(literal).forEach(e => e.remove());
                  return body.innerText;
                }"""
            )
            words = english_words(text)
            if words:
                problems.append(f"{width} {name}: untranslated {words[:12]}")
            screenshot(page, f"4-{width}-{name}")
        if width == "phone":
            # The menu is folded; the button opens it.
            page.goto(pages["shop-home"])
            menu = page.locator("#site-menu")
            assert not menu.is_visible()
            page.get_by_role("button", name="メニュー").click()
            assert menu.is_visible()
            logout = page.get_by_role("button", name="ログアウト")
            assert logout.bounding_box()["height"] < 40  # one line, not broken mid-word
            screenshot(page, "4-phone-menu-open")
    assert not problems, "\n".join(problems)
