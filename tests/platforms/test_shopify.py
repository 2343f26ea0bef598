"""Shopify webhooks: signatures, one delivery per webhook id, orders and shipments in the log.

Shopify is replaced by its recorded payloads (tests/platforms/payloads/, in the shape
Shopify documents for each topic), signed as Shopify signs them.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry
from commitments.models import Action, Check, Occasion
from platforms import services, shopify
from platforms.models import DeliveryStatus, ShopifyConnection, WebhookDelivery

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "shpss_4d1b0c9e7f2a6b3c8d5e"
URL = "/webhooks/shopify/kobo/"


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


@pytest.fixture
def connected(shop):
    return ShopifyConnection.objects.create(shop=shop, secret=SECRET)


@pytest.fixture
def deliver(connected, django_capture_on_commit_callbacks):
    """Return a function posting a body as Shopify does (signed, with its headers)."""

    def post(body: bytes, *, topic: str, webhook_id: str, secret: str = SECRET, url: str = URL):
        headers = {
            "HTTP_X_SHOPIFY_TOPIC": topic,
            "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id,
            "HTTP_X_SHOPIFY_SHOP_DOMAIN": "kobo.myshopify.com",
            "HTTP_X_SHOPIFY_API_VERSION": "2026-07",
            "HTTP_X_SHOPIFY_HMAC_SHA256": shopify.sign(secret=secret, body=body),
        }
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(url, body, content_type="application/json", **headers)

    return post


class TestSignature:
    @pytest.mark.parametrize(
        ("secret", "body", "header", "valid"),
        [
            pytest.param(SECRET, b"{}", shopify.sign(secret=SECRET, body=b"{}"), True, id="right"),
            pytest.param("other", b"{}", shopify.sign(secret=SECRET, body=b"{}"), False, id="key"),
            pytest.param(SECRET, b"{ }", shopify.sign(secret=SECRET, body=b"{}"), False, id="body"),
            pytest.param(SECRET, b"{}", None, False, id="missing"),
            pytest.param(SECRET, b"{}", "not base64!", False, id="garbage"),
            pytest.param("", b"{}", shopify.sign(secret="", body=b"{}"), False, id="no-secret"),
        ],
    )
    def test_only_the_hmac_of_the_raw_body_with_the_secret_is_valid(
        self, secret, body, header, valid
    ):
        assert shopify.signature_valid(secret=secret, body=body, signature=header) is valid

    def test_the_documented_example_digest(self):
        # HMAC-SHA256 of b"hello" keyed "secret", base64: a known vector.
        assert shopify.sign(secret="secret", body=b"hello") == (
            "iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs="
        )


class TestGift:
    @pytest.mark.parametrize(
        ("attributes", "gift"),
        [
            pytest.param([{"name": "ギフト", "value": "はい"}], True, id="ja-yes"),
            pytest.param([{"name": "Gift", "value": "yes"}], True, id="en-yes"),
            pytest.param([{"name": "ラッピング", "value": "不要"}], False, id="ja-no"),
            pytest.param([{"name": "gift", "value": ""}], False, id="empty"),
            pytest.param([{"name": "配送希望日", "value": "12/24"}], False, id="other-name"),
            pytest.param(None, False, id="none"),
        ],
    )
    def test_note_attributes_make_a_gift(self, attributes, gift):
        assert shopify.is_gift(attributes) is gift


class TestWebhookReceive:
    def test_a_signed_order_is_stored_answered_and_recorded_in_the_background(
        self, deliver, rq_queue, run_worker
    ):
        response = deliver(payload("orders_create"), topic="orders/create", webhook_id="w-1")
        assert response.status_code == 200
        assert response.json()["status"] == "received"
        assert Occasion.objects.count() == 0
        assert rq_queue.count == 1
        run_worker()
        occasion = Occasion.objects.select_related("customer").get()
        assert occasion.external_id == "#1001"
        assert occasion.kind == "order_placed"
        assert occasion.attributes == {"total": 7200, "gift": True}
        assert occasion.occurred_at.isoformat() == "2026-11-20T06:30:12+00:00"
        customer = occasion.customer
        assert (customer.external_id, customer.name, customer.email) == (
            "hanako.sato@example.jp",
            "佐藤 花子",
            "Hanako.Sato@example.jp",
        )
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PROCESSED
        assert delivery.payload == {}
        assert delivery.results == [{"external_id": "#1001", "status": "created"}]

    def test_the_same_webhook_id_again_is_a_duplicate_and_queues_nothing(self, deliver, rq_queue):
        deliver(payload("orders_create"), topic="orders/create", webhook_id="w-1")
        again = deliver(payload("orders_create"), topic="orders/create", webhook_id="w-1")
        assert again.status_code == 200
        assert again.json()["status"] == "duplicate"
        assert WebhookDelivery.objects.count() == 1
        assert rq_queue.count == 1

    @pytest.mark.parametrize(
        ("kwargs", "status", "code"),
        [
            pytest.param({"secret": "wrong"}, 401, "invalid_signature", id="bad-signature"),
            pytest.param({"url": "/webhooks/shopify/nobody/"}, 401, "invalid_signature", id="shop"),
            pytest.param({"webhook_id": ""}, 400, "required", id="no-webhook-id"),
        ],
    )
    def test_a_delivery_that_fails_a_check_stores_nothing(self, deliver, kwargs, status, code):
        arguments = {"topic": "orders/create", "webhook_id": "w-1", **kwargs}
        response = deliver(payload("orders_create"), **arguments)
        assert response.status_code == status
        assert response.json()["errors"][0]["code"] == code
        assert WebhookDelivery.objects.count() == 0

    def test_a_shop_without_a_secret_accepts_nothing(
        self, shop, django_capture_on_commit_callbacks
    ):
        body = payload("orders_create")
        response = Client().post(
            URL,
            body,
            content_type="application/json",
            HTTP_X_SHOPIFY_TOPIC="orders/create",
            HTTP_X_SHOPIFY_WEBHOOK_ID="w-1",
            HTTP_X_SHOPIFY_HMAC_SHA256=shopify.sign(secret="", body=body),
        )
        assert response.status_code == 401


class TestDeliveryProcess:
    def test_an_updated_order_with_a_fulfillment_records_the_shipment_and_notice(
        self, deliver, run_worker, make_promise, django_capture_on_commit_callbacks
    ):
        make_promise("shipping_cutoff", {"cutoff": "15:00"})
        deliver(payload("orders_create"), topic="orders/create", webhook_id="w-1")
        deliver(payload("orders_updated"), topic="orders/updated", webhook_id="w-2")
        # The deliveries' job queues the judging on commit; a second run judges.
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
        assert Check.objects.count() == 0
        run_worker()
        shipped = Action.objects.get(kind="shipped")
        assert shipped.external_id == "#1001-shipped"
        assert shipped.attributes == {"tracking_number": "4321-9876-5501"}
        assert shipped.occurred_at.isoformat() == "2026-11-21T02:02:31+00:00"
        assert shipped.occasion.external_id == "#1001"
        assert shipped.customer.external_id == "hanako.sato@example.jp"
        notice = Action.objects.get(kind="shipping_notice_sent")
        assert notice.external_id == "#1001.1-notice"
        assert notice.attributes == {"tracking_number": "4321-9876-5501"}
        assert WebhookDelivery.objects.get(webhook_id="w-2").results == [
            {"external_id": "#1001", "status": "duplicate"},
            {"external_id": "#1001-shipped", "status": "created"},
            {"external_id": "#1001.1-notice", "status": "created"},
        ]
        # Judged in the background: ordered Friday 15:30 after the cutoff, shipped Saturday.
        check = Check.objects.get(action=shipped)
        assert check.kept is True

    def test_a_later_update_does_not_send_the_shipment_again(self, deliver, run_worker):
        deliver(payload("orders_updated"), topic="orders/updated", webhook_id="w-2")
        body = json.loads(payload("orders_updated"))
        body["updated_at"] = "2026-11-22T09:00:00+09:00"
        body["fulfillments"][0]["updated_at"] = "2026-11-22T09:00:00+09:00"
        deliver(json.dumps(body).encode(), topic="orders/updated", webhook_id="w-3")
        run_worker()
        assert WebhookDelivery.objects.get(webhook_id="w-3").results == [
            {"external_id": "#1001", "status": "duplicate"},
        ]
        assert Action.objects.count() == 2

    def test_a_fulfillment_before_its_order_waits_then_records_with_its_customer(
        self, deliver, run_worker
    ):
        deliver(payload("fulfillments_create"), topic="fulfillments/create", webhook_id="f-1")
        run_worker()
        waiting = WebhookDelivery.objects.get(webhook_id="f-1")
        assert waiting.status == DeliveryStatus.WAITING
        assert waiting.payload["name"] == "#1002.1"
        deliver(payload("orders_create_1002"), topic="orders/create", webhook_id="o-2")
        run_worker()
        assert services.deliveries_retry(now=timezone.now() + timedelta(minutes=3)) == 1
        waiting.refresh_from_db()
        assert waiting.status == DeliveryStatus.PROCESSED
        shipped = Action.objects.select_related("customer").get()
        assert (shipped.kind, shipped.attributes) == ("shipped", {})
        assert shipped.customer.external_id == "taro@example.jp"
        # The tracking number comes with the update: the notice, at the update's time.
        deliver(payload("fulfillments_update"), topic="fulfillments/update", webhook_id="f-2")
        run_worker()
        notice = Action.objects.get(kind="shipping_notice_sent")
        assert notice.attributes == {"tracking_number": "3601-2233-4455"}
        assert notice.occurred_at.isoformat() == "2026-11-21T07:45:50+00:00"
        assert Action.objects.filter(kind="shipped").count() == 1

    def test_a_fulfillment_whose_order_never_comes_fails_after_a_day(self, deliver, run_worker):
        deliver(payload("fulfillments_create"), topic="fulfillments/create", webhook_id="f-1")
        run_worker()
        services.deliveries_retry(now=timezone.now() + timedelta(hours=25))
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.results[0]["code"] == "order_not_found"

    def test_no_notice_when_the_shop_sends_its_own(self, deliver, connected, run_worker):
        connected.notices_from_shopify = False
        connected.save()
        deliver(payload("orders_updated"), topic="orders/updated", webhook_id="w-2")
        run_worker()
        assert list(Action.objects.values_list("kind", flat=True)) == ["shipped"]

    def test_a_cancelled_order_is_not_recorded(self, deliver, run_worker):
        body = json.loads(payload("orders_create"))
        body["cancelled_at"] = "2026-11-20T16:00:00+09:00"
        deliver(json.dumps(body).encode(), topic="orders/create", webhook_id="w-1")
        run_worker()
        assert Occasion.objects.count() == 0
        assert WebhookDelivery.objects.get().status == DeliveryStatus.PROCESSED

    def test_an_order_without_its_documented_fields_fails_with_the_reason(
        self, deliver, run_worker
    ):
        body = json.loads(payload("orders_create"))
        del body["created_at"]
        deliver(json.dumps(body).encode(), topic="orders/create", webhook_id="w-1")
        run_worker()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.results == [{"code": "invalid_payload", "message": "missing created_at"}]

    def test_another_topic_is_ignored(self, deliver, run_worker):
        deliver(b'{"id": 1}', topic="products/update", webhook_id="p-1")
        run_worker()
        assert WebhookDelivery.objects.get().status == DeliveryStatus.IGNORED
        assert Occasion.objects.count() == 0


class TestShopifySettingsPage:
    PAGE = "/shops/kobo/platforms/shopify/"

    def test_the_manager_sets_the_secret_which_is_shown_masked_and_audited(self, manager):
        client = Client()
        client.force_login(manager)
        response = client.post(self.PAGE, {"secret": SECRET, "notices_from_shopify": "on"})
        assert response.status_code == 302
        connection = ShopifyConnection.objects.get()
        assert (connection.secret, connection.notices_from_shopify) == (SECRET, True)
        page = client.get(self.PAGE).content.decode()
        assert SECRET not in page
        assert "••••••••5e" not in page and "••••••••8d5e" in page
        assert (
            "http://testserver/webhooks/shopify/kobo/" in page or "/webhooks/shopify/kobo/" in page
        )
        entry = AuditEntry.objects.get(event="shopify.connected")
        assert entry.after == {"secret": "••••••••8d5e", "notices_from_shopify": True}
        assert entry.actor_username == "manager1"

    def test_an_empty_secret_keeps_the_stored_one(self, manager, connected):
        client = Client()
        client.force_login(manager)
        client.post(self.PAGE, {"secret": ""})
        connected.refresh_from_db()
        assert (connected.secret, connected.notices_from_shopify) == (SECRET, False)
        entry = AuditEntry.objects.get(event="shopify.changed")
        assert (entry.before["notices_from_shopify"], entry.after["notices_from_shopify"]) == (
            True,
            False,
        )

    def test_the_first_secret_is_required(self, manager):
        client = Client()
        client.force_login(manager)
        response = client.post(self.PAGE, {"secret": ""})
        assert response.status_code == 200
        assert response.context["form"].errors["secret"][0].startswith("Enter the secret")
        assert ShopifyConnection.objects.count() == 0

    def test_the_page_lists_the_latest_deliveries(self, manager, deliver, run_worker):
        deliver(payload("orders_create"), topic="orders/create", webhook_id="w-1")
        run_worker()
        client = Client()
        client.force_login(manager)
        page = client.get(self.PAGE).content.decode()
        assert "orders/create" in page and "#1001" in page
