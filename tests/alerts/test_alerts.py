"""Alerts in business hours (e-mail and a real webhook receiver) and the weekly report's day."""

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client, override_settings

from accounts.models import AuditEntry
from alerts import services
from alerts.models import AlertSubscription
from commitments.models import Finding
from policies.models import Shop
from reports.selectors import first_business_day, report_recipients, weekly_reports_due

TOKYO = ZoneInfo("Asia/Tokyo")
PORT = 8701  # this branch's port range


def tokyo(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


@pytest.fixture
def breaches(shop, make_promise, log):
    """Return a function recording a 4-line note (a breach of a 10-line promise)."""
    make_promise("handwritten_note", {"min_lines": 10})

    def breach(n: int):
        log.occasion(f"O-{n}", f"C-{n}", "order_placed", "2026-11-24 10:00", total=5000)
        log.action(
            f"N-{n}", f"C-{n}", "note_enclosed", "2026-11-24 12:00", occasion=f"O-{n}", lines=4
        )
        return Finding.objects.get(action__external_id=f"N-{n}")

    return breach


class TestAlertsSend:
    def test_findings_wait_for_business_hours_and_go_out_in_one_batch(
        self, shop, manager, breaches
    ):
        breaches(0)  # before subscribing: not sent
        subscription = services.alert_subscribe(
            shop=shop, actor=manager, channel="email", target="kobo@example.jp"
        )
        breaches(1)
        breaches(2)
        # Tuesday 20:00: after hours.
        assert services.alerts_send(now=tokyo("2026-11-24 20:00")) == {
            "sent": 0,
            "skipped": 1,
            "failed": 0,
        }
        assert mail.outbox == []
        # Wednesday 10:30: in hours, one e-mail with both.
        assert services.alerts_send(now=tokyo("2026-11-25 10:30"))["sent"] == 1
        [message] = mail.outbox
        assert message.to == ["kobo@example.jp"]
        assert "2" in message.subject
        assert "C-1" in message.body and "C-2" in message.body and "C-0" not in message.body
        subscription.refresh_from_db()
        assert subscription.sent_until == Finding.objects.get(action__external_id="N-2").pk
        # Nothing new: nothing sent.
        assert services.alerts_send(now=tokyo("2026-11-25 11:00"))["sent"] == 0
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize(
        ("moment", "inside"),
        [
            pytest.param("2026-11-25 10:00", True, id="opening"),
            pytest.param("2026-11-25 12:30", False, id="lunch"),
            pytest.param("2026-11-25 17:59", True, id="before-closing"),
            pytest.param("2026-11-25 18:00", False, id="closing"),
            pytest.param("2026-11-23 11:00", False, id="holiday"),
            pytest.param("2026-11-28 11:00", False, id="saturday"),
        ],
    )
    def test_business_hours_follow_the_shop_calendar(self, shop, moment, inside):
        from policies.calendar import ShopCalendar

        assert services.in_business_hours(ShopCalendar.for_shop(shop), tokyo(moment)) is inside

    @override_settings(ALERT_WEBHOOK_ALLOW_HTTP=True)
    def test_a_webhook_receives_the_batch_as_json(self, shop, manager, breaches):
        received = []

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", PORT), Receiver)
        thread = threading.Thread(target=server.handle_request, daemon=True)
        thread.start()
        try:
            services.alert_subscribe(
                shop=shop,
                actor=manager,
                channel="webhook",
                target=f"http://127.0.0.1:{PORT}/hook",
            )
            finding = breaches(1)
            assert services.alerts_send(now=tokyo("2026-11-25 10:30"))["sent"] == 1
            thread.join(timeout=10)
        finally:
            server.server_close()
        [body] = received
        assert "Kobo" in body["text"] and "C-1" in body["text"]
        assert body["findings"] == [
            {
                "id": finding.pk,
                "type": "breach",
                "customer": "C-1",
                "message_ja": finding.message_ja,
                "message_en": finding.message_en,
            }
        ]

    @override_settings(ALERT_WEBHOOK_ALLOW_HTTP=True)
    def test_an_unreachable_webhook_keeps_its_findings_for_the_next_run(
        self, shop, manager, breaches
    ):
        subscription = services.alert_subscribe(
            shop=shop, actor=manager, channel="webhook", target=f"http://127.0.0.1:{PORT + 1}/"
        )
        before = subscription.sent_until
        breaches(1)
        assert services.alerts_send(now=tokyo("2026-11-25 10:30"))["failed"] == 1
        subscription.refresh_from_db()
        assert subscription.sent_until == before

    @pytest.mark.parametrize(
        ("channel", "target"),
        [
            pytest.param("webhook", "http://hooks.example.com/x", id="plain-http"),
            pytest.param("webhook", "ftp://example.com/", id="scheme"),
            pytest.param("email", "not-an-address", id="email"),
        ],
    )
    def test_a_target_that_cannot_be_used_is_refused(self, shop, manager, channel, target):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as caught:
            services.alert_subscribe(shop=shop, actor=manager, channel=channel, target=target)
        assert caught.value.error_list[0].params["field"] == "target"
        assert AlertSubscription.objects.count() == 0


class TestAlertsPage:
    def test_the_manager_subscribes_and_removes_audited(self, shop, manager):
        client = Client()
        client.force_login(manager)
        response = client.post(
            "/shops/kobo/alerts/",
            {"op": "subscribe", "channel": "email", "target": "kobo@example.jp", "overdue": "on"},
        )
        assert response.status_code == 302
        subscription = AlertSubscription.objects.get()
        assert (subscription.breaches, subscription.overdue) == (False, True)
        client.post(f"/shops/kobo/alerts/{subscription.pk}/remove/")
        assert AlertSubscription.objects.count() == 0
        assert list(
            AuditEntry.objects.filter(event__startswith="alert.")
            .order_by("pk")
            .values_list("event", flat=True)
        ) == ["alert.subscribed", "alert.removed"]

    def test_the_manager_chooses_the_report_recipients(self, shop, manager):
        manager.email = "manager@example.jp"
        manager.save()
        assert report_recipients(shop=shop) == ["manager@example.jp"]
        client = Client()
        client.force_login(manager)
        response = client.post(
            "/shops/kobo/alerts/",
            {"op": "recipients", "recipients": "owner@example.jp\nstaff@example.jp\n"},
        )
        assert response.status_code == 302
        assert report_recipients(shop=shop) == ["owner@example.jp", "staff@example.jp"]
        entry = AuditEntry.objects.get(event="report.recipients_changed")
        assert entry.after == {"recipients": ["owner@example.jp", "staff@example.jp"]}


class TestWeeklyReportDay:
    def test_a_monday_holiday_moves_the_report_to_tuesday(self, shop):
        # 2026-11-23 is 勤労感謝の日 (a Monday).
        assert first_business_day(shop, datetime(2026, 11, 23).date()).isoformat() == "2026-11-24"
        assert first_business_day(shop, datetime(2026, 11, 16).date()).isoformat() == "2026-11-16"

    def test_the_report_is_due_at_nine_on_the_first_business_day(self, shop):
        Shop.objects.filter(pk=shop.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
        assert weekly_reports_due(now=tokyo("2026-11-23 09:30")) == []
        assert weekly_reports_due(now=tokyo("2026-11-24 08:59")) == []
        due = weekly_reports_due(now=tokyo("2026-11-24 09:00"))
        assert [(s.slug, week) for s, week in due] == [("kobo", "2026-W47")]
