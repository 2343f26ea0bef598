"""Writes of the platforms app: the Shopify secret, and webhook deliveries into the log."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from commitments.bulk import log_bulk_record
from commitments.models import Action, Occasion

from . import shopify
from .models import DeliveryStatus, ShopifyConnection, WebhookDelivery

logger = logging.getLogger(__name__)

# A fulfillment that arrives before its order waits this long for it, then fails.
WAIT_FOR_ORDER = timedelta(hours=24)
# Deliveries still `received` (their job was lost) are processed again after this.
RETRY_AFTER = timedelta(minutes=2)


def _connection_state(connection: ShopifyConnection | None) -> dict | None:
    if connection is None:
        return None
    return {
        "secret": connection.masked_secret,
        "notices_from_shopify": connection.notices_from_shopify,
    }


@transaction.atomic
def shopify_connection_set(
    *, shop, actor, secret: str = "", notices_from_shopify: bool = True
) -> ShopifyConnection:
    """Set the shop's Shopify webhook secret (blank: keep the stored one); audited."""
    connection = ShopifyConnection.objects.select_for_update().filter(shop=shop).first()
    before = _connection_state(connection)
    if connection is None:
        connection = ShopifyConnection(shop=shop)
    if secret:
        connection.secret = secret.strip()
    connection.notices_from_shopify = notices_from_shopify
    connection.full_clean()
    connection.save()
    audit_record(
        shop=shop,
        actor=actor,
        event="shopify.connected" if before is None else "shopify.changed",
        object_type="shopify_connection",
        object_id=connection.pk,
        before=before,
        after=_connection_state(connection),
    )
    return connection


def delivery_receive(*, shop, webhook_id: str, topic: str, payload) -> tuple[WebhookDelivery, bool]:
    """Store a verified delivery once per X-Shopify-Webhook-Id; return it and whether new.

    The delivery is processed in the background (platforms.jobs) once stored.
    """
    from . import jobs

    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            shop=shop,
            platform="shopify",
            webhook_id=webhook_id,
            defaults={"topic": topic, "payload": payload},
        )
        if created:
            jobs.delivery_process_enqueue(delivery.pk)
    return delivery, created


def _records_for(delivery: WebhookDelivery, connection) -> list[dict] | None:
    """Return the bulk log records of a delivery; None when the order has not arrived."""
    shop, payload = delivery.shop, delivery.payload
    notices = connection.notices_from_shopify if connection is not None else True
    if delivery.topic in shopify.ORDER_TOPICS:
        records = shopify.order_records(payload)
        if not records:
            return []
        customer = shopify.customer_of(payload)
        fulfillments = shopify.first_fulfillments(payload.get("fulfillments"))
        order_name = records[0]["external_id"]
    else:
        shopify._require(payload, "name")
        order_name = shopify.order_name_of(payload)
        occasion = (
            Occasion.objects.select_related("customer")
            .filter(shop=shop, external_id=order_name)
            .first()
        )
        if occasion is None:
            return None
        customer = {"customer": occasion.customer.external_id}
        fulfillments = [payload]
        records = []
    shipped_id = shopify.shipped_external_id(order_name)
    wanted = [shipped_id] + [shopify.notice_external_id(f) for f in fulfillments]
    stored = set(
        Action.objects.filter(shop=shop, external_id__in=wanted).values_list(
            "external_id", flat=True
        )
    )
    first = shipped_id not in stored
    for fulfillment in fulfillments:
        new = shopify.fulfillment_records(
            fulfillment, customer=customer, notices=notices, first_shipment=first
        )
        if any(record["kind"] == "shipped" for record in new):
            first = False
        # What is stored is not sent again: a shipment keeps its first time and number.
        records += [record for record in new if record["external_id"] not in stored]
    return records


def delivery_process(*, delivery_id: int, now=None) -> WebhookDelivery | None:
    """Record a stored delivery's order or fulfillment into the log; return the delivery."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("shop")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (
            DeliveryStatus.RECEIVED,
            DeliveryStatus.WAITING,
        ):
            return delivery
        delivery.attempts += 1
        fields = ["status", "results", "attempts", "processed_at", "payload"]
        if delivery.topic not in shopify.TOPICS:
            delivery.status, delivery.payload = DeliveryStatus.IGNORED, {}
            delivery.processed_at = now
            delivery.save(update_fields=fields)
            return delivery
        connection = ShopifyConnection.objects.filter(shop=delivery.shop).first()
        try:
            records = _records_for(delivery, connection)
        except shopify.PayloadError as error:
            delivery.status = DeliveryStatus.FAILED
            delivery.results = [{"code": "invalid_payload", "message": str(error)}]
            delivery.processed_at, delivery.payload = now, {}
            delivery.save(update_fields=fields)
            return delivery
        if records is None:
            if now - delivery.received_at > WAIT_FOR_ORDER:
                delivery.status, delivery.payload = DeliveryStatus.FAILED, {}
                delivery.results = [
                    {"code": "order_not_found", "message": "The order never arrived."}
                ]
                delivery.processed_at = now
            else:
                delivery.status = DeliveryStatus.WAITING
            delivery.save(update_fields=fields)
            return delivery
        results = log_bulk_record(shop=delivery.shop, records=records)
        delivery.status = DeliveryStatus.PROCESSED
        delivery.results = [result.as_dict() for result in results]
        delivery.processed_at, delivery.payload = now, {}
        delivery.save(update_fields=fields)
        return delivery


def deliveries_retry(*, now=None) -> int:
    """Process again deliveries left received (a lost job) or waiting for their order."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.RECEIVED, DeliveryStatus.WAITING],
            received_at__lte=now - RETRY_AFTER,
        )
        .order_by("received_at")
        .values_list("id", flat=True)[:1000]
    )
    for delivery_id in ids:
        delivery_process(delivery_id=delivery_id, now=now)
    return len(ids)


# ------------------------------------------------------------------------------
# Column-mapping profiles and uploads with a profile
# ------------------------------------------------------------------------------
PROFILE_REQUIRED = ("external_id", "customer", "occurred_at")


@transaction.atomic
def column_profile_save(*, shop, actor, name: str, record: str, kind: str, mapping: dict):
    """Create or replace the shop's profile of this name; audited as column_profile.saved."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .models import ColumnProfile
    from .profiles import MAPPABLE

    errors = {}
    from policies import vocabulary

    kinds = list(vocabulary.record_kinds(record)) if record in vocabulary.RECORDS else []
    if record not in ("occasion", "action"):
        errors["record"] = _("Choose occasion or action.")
    elif kind not in kinds:
        errors["kind"] = _("%(kind)s is not a kind of %(record)s; use one of: %(kinds)s.") % {
            "kind": kind,
            "record": record,
            "kinds": ", ".join(kinds),
        }
    mapping = {key: str(value).strip() for key, value in mapping.items() if str(value).strip()}
    unknown = [key for key in mapping if key not in MAPPABLE]
    if unknown:
        errors["mapping"] = _("Unknown Tsuzuku columns: %(names)s.") % {"names": ", ".join(unknown)}
    missing = [key for key in PROFILE_REQUIRED if key not in mapping]
    if missing:
        errors["mapping"] = _("Name the CSV column of: %(names)s.") % {"names": ", ".join(missing)}
    if errors:
        raise ValidationError(errors, code="invalid_param")
    profile = ColumnProfile.objects.select_for_update().filter(shop=shop, name=name).first()
    before = None
    if profile is None:
        profile = ColumnProfile(shop=shop, name=name)
    else:
        before = {"record": profile.record, "kind": profile.kind, "mapping": profile.mapping}
    profile.record, profile.kind, profile.mapping = record, kind, mapping
    profile.full_clean()
    profile.save()
    audit_record(
        shop=shop,
        actor=actor,
        event="column_profile.saved",
        object_type="column_profile",
        object_id=profile.pk,
        before=before,
        after={"name": name, "record": record, "kind": kind, "mapping": mapping},
    )
    return profile


@transaction.atomic
def profile_import_create(*, shop, upload, profile_key: str, created_by, max_bytes: int):
    """Record an upload of a platform's export with its profile; queue it (on commit)."""
    from commitments.imports import import_create

    from .models import ImportProfileChoice

    imp = import_create(shop=shop, upload=upload, created_by=created_by, max_bytes=max_bytes)
    ImportProfileChoice.objects.create(import_ref=imp, profile_key=profile_key)
    return imp
