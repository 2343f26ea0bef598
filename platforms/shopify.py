"""Shopify: the signature of a webhook delivery, and its order or fulfillment as log records.

Pure: no queries. What an order and a fulfillment become (docs/ARCHITECTURE.md, "Shop
platforms"):

- an order (`orders/create`, `orders/updated`) → the occasion `order_placed`, external id
  the order's name (`#1001`: on the packing slip, in the CSV export and the label tool), at
  `created_at`, `total` = `total_price` rounded to a whole number,
  `gift` from the order's note attributes (GIFT_NAMES); a cancelled order is not recorded;
- the order's first shipment (a fulfillment, in `orders/*` or `fulfillments/*`) → the action
  `shipped`, external id `<order name>-shipped`, at the fulfillment's `created_at`, with its
  first tracking number (a fulfillment's name is `<order name>.<n>`, as Shopify documents);
- a fulfillment with a tracking number, when the shop lets Shopify e-mail the shipping
  confirmation → the action `shipping_notice_sent`, external id `<fulfillment name>-notice`
  (`#1001.1-notice`), at its `updated_at` (when the tracking number became known).

The customer is the order's e-mail address (lower case), as in Shopify's order CSV export,
else `shopify-customer-<customer id>`.
"""

import base64
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ORDER_TOPICS = ("orders/create", "orders/updated")
FULFILLMENT_TOPICS = ("fulfillments/create", "fulfillments/update")
TOPICS = ORDER_TOPICS + FULFILLMENT_TOPICS

# Note attributes (the cart's additional details) that mark an order as a gift, and the
# values that mean "no".
GIFT_NAMES = {"gift", "gift wrap", "gift_wrap", "ギフト", "ギフト包装", "ラッピング", "のし"}
NOT_A_GIFT = {"", "no", "false", "0", "none", "いいえ", "不要", "なし", "希望しない"}


class PayloadError(ValueError):
    """The delivery's body is not the shape Shopify documents for its topic."""


def signature_valid(*, secret: str, body: bytes, signature: str | None) -> bool:
    """Return whether the X-Shopify-Hmac-Sha256 header is the HMAC of the raw body."""
    if not secret or not signature:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    return hmac.compare_digest(expected, signature.strip())


def sign(*, secret: str, body: bytes) -> str:
    """Return the signature Shopify sends with a body (for tests and the settings page)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def order_name_of(fulfillment: dict) -> str:
    """Return the order's name from a fulfillment's name (`#1001.1` → `#1001`)."""
    name = str(fulfillment.get("name") or "")
    order_name, dot, number = name.rpartition(".")
    if not dot or not order_name or not number.isdigit():
        raise PayloadError(f"fulfillment name {name!r} is not <order name>.<number>")
    return order_name


def shipped_external_id(order_name: str) -> str:
    return f"{order_name}-shipped"


def notice_external_id(fulfillment: dict) -> str:
    return f"{fulfillment.get('name')}-notice"


def _total(value) -> int:
    try:
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError) as error:
        raise PayloadError(f"total_price {value!r} is not a number") from error


def is_gift(note_attributes) -> bool:
    """Return whether the order's note attributes ask for a gift."""
    for attribute in note_attributes or []:
        if not isinstance(attribute, dict):
            continue
        name = str(attribute.get("name", "")).strip().casefold()
        value = str(attribute.get("value") or "").strip().casefold()
        if name in GIFT_NAMES and value not in NOT_A_GIFT:
            return True
    return False


def customer_of(order: dict) -> dict:
    """Return the customer fields of a record: external id, name, e-mail."""
    customer = order.get("customer") or {}
    email = (order.get("email") or customer.get("email") or "").strip()
    if email:
        external_id = email.lower()
    elif customer.get("id") is not None:
        external_id = f"shopify-customer-{customer['id']}"
    else:
        raise PayloadError("the order has neither an e-mail address nor a customer")
    # Japanese order: family name first.
    name = " ".join(
        part for part in (customer.get("last_name"), customer.get("first_name")) if part
    ).strip()
    return {"customer": external_id, "customer_name": name, "customer_email": email}


def _tracking_numbers(fulfillment: dict) -> list[str]:
    numbers = [n for n in fulfillment.get("tracking_numbers") or [] if n]
    if not numbers and fulfillment.get("tracking_number"):
        numbers = [fulfillment["tracking_number"]]
    return [str(n).strip() for n in numbers if str(n).strip()]


def _require(payload: dict, *keys: str) -> None:
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    missing = [key for key in keys if payload.get(key) in (None, "")]
    if missing:
        raise PayloadError(f"missing {', '.join(missing)}")


def order_records(order: dict) -> list[dict]:
    """Return the occasion of an order (none when cancelled), as bulk log records."""
    _require(order, "id", "name", "created_at", "total_price")
    if order.get("cancelled_at"):
        return []
    return [
        {
            "type": "occasion",
            "external_id": str(order["name"]).strip(),
            "kind": "order_placed",
            "occurred_at": order["created_at"],
            "attributes": {
                "total": _total(order["total_price"]),
                "gift": is_gift(order.get("note_attributes")),
            },
            **customer_of(order),
        }
    ]


def fulfillment_records(
    fulfillment: dict, *, customer: dict, notices: bool, first_shipment: bool
) -> list[dict]:
    """Return the shipment (when it is the order's first) and its shipping notice."""
    _require(fulfillment, "id", "name", "created_at")
    if fulfillment.get("status") in ("cancelled", "error", "failure"):
        return []
    numbers = _tracking_numbers(fulfillment)
    occasion = order_name_of(fulfillment)
    records = []
    if first_shipment:
        records.append(
            {
                "type": "action",
                "external_id": shipped_external_id(occasion),
                "kind": "shipped",
                "occurred_at": fulfillment["created_at"],
                "occasion": occasion,
                "attributes": {"tracking_number": numbers[0]} if numbers else {},
                **customer,
            }
        )
    if notices and numbers:
        records.append(
            {
                "type": "action",
                "external_id": notice_external_id(fulfillment),
                "kind": "shipping_notice_sent",
                "occurred_at": fulfillment.get("updated_at") or fulfillment["created_at"],
                "occasion": occasion,
                "attributes": {"tracking_number": numbers[0]},
                **customer,
            }
        )
    return records


def first_fulfillments(fulfillments) -> list[dict]:
    """Return the fulfillments of an order, the earliest first."""
    return sorted(
        (f for f in fulfillments or [] if isinstance(f, dict) and f.get("created_at")),
        key=lambda f: (str(f["created_at"]), str(f.get("id"))),
    )
