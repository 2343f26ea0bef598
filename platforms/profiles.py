"""Column-mapping profiles: a platform's own CSV export turned into Tsuzuku rows.

A profile reads the platform's header, then yields, for each row of the platform's file,
none, one or several rows in Tsuzuku's import columns (commitments.imports.COLUMNS), each
numbered with the platform file's row, so row errors point at the row the manager sees.
The import then runs as always (commitments.import_hooks): per-row errors, counts
`rows = stored + duplicates + rejected` over the Tsuzuku rows the profile produced.

Built-in profiles (docs/ARCHITECTURE.md, "Shop platforms", lists the columns each maps):
`shopify_orders`, `yahoo_orders` (Yahoo!ショッピング, CP932) and `yamato_b2` (ヤマト運輸
B2クラウド, issued slips, CP932). A shop's own profiles (ColumnProfile) map one CSV column
to each Tsuzuku column, one record per row.
"""

import re
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.imports import FatalImportError, ImportErrorCode
from commitments.models import Occasion

from . import shopify
from .models import ColumnProfile, ImportProfileChoice

# The Tsuzuku columns a profile writes, in this order.
OUT = (
    "type",
    "external_id",
    "customer",
    "kind",
    "occurred_at",
    "occasion",
    "staff",
    "customer_name",
    "customer_email",
    "total",
    "gift",
    "tracking_number",
    "lines",
    "extras",
)
# The columns a shop's own profile may map (type and kind are fixed per profile).
MAPPABLE = tuple(name for name in OUT if name not in ("type", "kind"))
LOOKUP_CHUNK = 500
_DATE = re.compile(r"^\s*(\d{4})[/-]?(\d{1,2})[/-]?(\d{1,2})\s*$")


def _row(**values) -> list[str]:
    return [str(values.get(name, "") or "") for name in OUT]


def _total(text: str) -> str:
    """Return a price cell as whole yen ("7,200" / "7200.00" → "7200"); as is when not one."""
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        return str(shopify._total(cleaned))
    except shopify.PayloadError:
        return text


def _day_start(text: str) -> str:
    """Return a date-only cell (2026/11/21, 20261121) as the start of that day; as is if not."""
    match = _DATE.match(text or "")
    if not match:
        return text
    return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d} 00:00"


class Profile:
    """A built-in profile: the platform's columns it needs, and how its rows convert."""

    key: str = ""
    label = ""
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def __init__(self, *, shop=None):
        self.shop = shop
        self.positions: dict[str, int] = {}

    def header(self, cells: list[str]) -> list[str]:
        names = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
        self.positions = {}
        for index, name in enumerate(names):
            if name in self.required + self.optional and name not in self.positions:
                self.positions[name] = index
        missing = [name for name in self.required if name not in self.positions]
        if missing:
            raise FatalImportError(
                code=ImportErrorCode.MISSING_COLUMN,
                row=1,
                column=missing[0],
                message=_(
                    "This is not the %(profile)s export: its header lacks %(missing)s. "
                    "Export the file again from the platform, unchanged, or pick another "
                    "profile."
                )
                % {"profile": self.label, "missing": ", ".join(missing)},
            )
        return list(OUT)

    def values(self, cells: list[str]) -> dict[str, str]:
        width = len(cells)
        return {
            name: (cells[index].strip() if index < width else "")
            for name, index in self.positions.items()
        }

    def records(self, records: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        raise NotImplementedError


class GroupedOrders(Profile):
    """An order export with one row per line item: consecutive rows of one order merge."""

    order_column = ""

    def records(self, records):
        group: list[tuple[int, dict]] = []
        for row, cells in records:
            values = self.values(cells)
            if group and values.get(self.order_column) != group[0][1].get(self.order_column):
                yield from self.convert(group)
                group = []
            group.append((row, values))
        if group:
            yield from self.convert(group)

    @staticmethod
    def merged(group: list[tuple[int, dict]]) -> dict:
        """Return each column's first non-empty cell among the order's rows."""
        merged: dict[str, str] = {}
        for _row_number, values in group:
            for name, value in values.items():
                if value and not merged.get(name):
                    merged[name] = value
        return merged

    def convert(self, group):
        raise NotImplementedError


class ShopifyOrders(GroupedOrders):
    """Shopify admin → Orders → Export (CSV for Excel or plain CSV), one row per line item."""

    key = "shopify_orders"
    label = gettext_lazy("Shopify order export")
    order_column = "Name"
    required = ("Name", "Email", "Created at", "Total")
    optional = ("Fulfilled at", "Billing Name", "Note Attributes", "Cancelled at")

    def convert(self, group):
        first_row = group[0][0]
        order = self.merged(group)
        if order.get("Cancelled at"):
            return
        name = order.get("Name", "")
        email = order.get("Email", "")
        customer = email.lower()
        # "Note Attributes" holds one "name: value" per line.
        attributes = [
            {"name": key, "value": value}
            for key, _sep, value in (
                line.partition(":") for line in order.get("Note Attributes", "").splitlines()
            )
        ]
        yield (
            first_row,
            _row(
                type="occasion",
                external_id=name,
                customer=customer,
                kind="order_placed",
                occurred_at=order.get("Created at", ""),
                customer_name=order.get("Billing Name", ""),
                customer_email=email,
                total=_total(order.get("Total", "")),
                gift="true" if shopify.is_gift(attributes) else "false",
            ),
        )
        if order.get("Fulfilled at"):
            yield (
                first_row,
                _row(
                    type="action",
                    external_id=shopify.shipped_external_id(name),
                    customer=customer,
                    kind="shipped",
                    occurred_at=order["Fulfilled at"],
                    occasion=name,
                ),
            )


class YahooOrders(GroupedOrders):
    """Yahoo!ショッピング ストアクリエイターPro → 注文管理 → 注文データのダウンロード (CP932)."""

    key = "yahoo_orders"
    label = gettext_lazy("Yahoo! Shopping order data")
    order_column = "OrderId"
    required = ("OrderId", "OrderTime", "BillMailAddress", "TotalPrice")
    optional = (
        "BillLastName",
        "BillFirstName",
        "GiftWrapType",
        "ShipDate",
        "ShipInvoiceNumber1",
        "OrderStatus",
    )

    def convert(self, group):
        first_row = group[0][0]
        order = self.merged(group)
        # OrderStatus 4 is キャンセル in Yahoo's order data.
        if order.get("OrderStatus") == "4":
            return
        order_id = order.get("OrderId", "")
        email = order.get("BillMailAddress", "")
        gift = order.get("GiftWrapType", "").strip().casefold() not in shopify.NOT_A_GIFT
        name = " ".join(p for p in (order.get("BillLastName"), order.get("BillFirstName")) if p)
        yield (
            first_row,
            _row(
                type="occasion",
                external_id=order_id,
                customer=email.lower(),
                kind="order_placed",
                occurred_at=order.get("OrderTime", ""),
                customer_name=name,
                customer_email=email,
                total=_total(order.get("TotalPrice", "")),
                gift="true" if gift else "false",
            ),
        )
        if order.get("ShipDate"):
            shipped_at = _day_start(order["ShipDate"])
            # The export has the day only: never before the order itself.
            if shipped_at[:10] == _day_start(order.get("OrderTime", ""))[:10]:
                shipped_at = order.get("OrderTime", "")
            yield (
                first_row,
                _row(
                    type="action",
                    external_id=f"{order_id}-shipped",
                    customer=email.lower(),
                    kind="shipped",
                    occurred_at=shipped_at,
                    occasion=order_id,
                    tracking_number=order.get("ShipInvoiceNumber1", ""),
                ),
            )


class YamatoB2(Profile):
    """ヤマト運輸 B2クラウド → 発行済みデータの検索 → 外部ファイル出力 (CP932), one row per slip."""

    key = "yamato_b2"
    label = gettext_lazy("Yamato B2 Cloud issued slips")
    required = ("お客様管理番号", "伝票番号", "出荷予定日")

    def records(self, records):
        chunk: list[tuple[int, dict]] = []
        for row, cells in records:
            chunk.append((row, self.values(cells)))
            if len(chunk) >= LOOKUP_CHUNK:
                yield from self.convert(chunk)
                chunk = []
        if chunk:
            yield from self.convert(chunk)

    def convert(self, chunk):
        """Return the chunk's shipments, each with the customer of its stored order."""
        names = {values["お客様管理番号"] for _row_number, values in chunk}
        customers = dict(
            Occasion.objects.filter(shop=self.shop, external_id__in=names).values_list(
                "external_id", "customer__external_id"
            )
        )
        seen: set[str] = set()
        for row, values in chunk:
            order = values["お客様管理番号"]
            if order in seen:  # a second parcel of the order: the first one shipped it
                continue
            seen.add(order)
            # An order not stored yet leaves customer empty: the row is rejected naming it.
            yield (
                row,
                _row(
                    type="action",
                    external_id=shopify.shipped_external_id(order) if order else "",
                    customer=customers.get(order, ""),
                    kind="shipped",
                    occurred_at=_day_start(values["出荷予定日"]),
                    occasion=order,
                    tracking_number=values["伝票番号"],
                ),
            )


class CustomProfile(Profile):
    """A shop's own mapping: one record per row, of one type and kind."""

    def __init__(self, *, shop=None, profile: ColumnProfile):
        super().__init__(shop=shop)
        self.profile = profile
        self.key = f"custom:{profile.pk}"
        self.label = profile.name
        self.required = tuple(dict.fromkeys(v for v in profile.mapping.values() if v))

    def records(self, records):
        mapping, profile = self.profile.mapping, self.profile
        for row, cells in records:
            values = self.values(cells)
            out = {name: values.get(source, "") for name, source in mapping.items() if source}
            if "occurred_at" in out:
                out["occurred_at"] = _day_start(out["occurred_at"])
            if "total" in out:
                out["total"] = _total(out["total"])
            if "customer" in out:
                out["customer"] = out["customer"].strip()
            yield row, _row(type=profile.record, kind=profile.kind, **out)


BUILT_IN = {cls.key: cls for cls in (ShopifyOrders, YahooOrders, YamatoB2)}


def profile_choices(*, shop) -> list[tuple[str, str]]:
    """Return (key, label) of the profiles an upload may use: built-in, then the shop's own."""
    own = ColumnProfile.objects.filter(shop=shop).order_by("name")
    return [(key, str(cls.label)) for key, cls in BUILT_IN.items()] + [
        (f"custom:{profile.pk}", profile.name) for profile in own
    ]


def profile_build(*, shop, key: str) -> Profile | None:
    """Return the profile for a key of profile_choices, or None if there is no such one."""
    if key in BUILT_IN:
        return BUILT_IN[key](shop=shop)
    if key.startswith("custom:") and key[7:].isdigit():
        profile = ColumnProfile.objects.filter(shop=shop, pk=int(key[7:])).first()
        if profile is not None:
            return CustomProfile(shop=shop, profile=profile)
    return None


def profile_for_import(imp) -> Profile | None:
    """Return the profile an import was uploaded with (commitments.import_hooks finder)."""
    choice = ImportProfileChoice.objects.filter(import_ref_id=imp.pk).first()
    if choice is None:
        return None
    return profile_build(shop=imp.shop, key=choice.profile_key)
