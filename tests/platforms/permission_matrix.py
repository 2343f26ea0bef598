"""Permission matrix entries of the platforms app: the Shopify page and webhook."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.permissions import Case, everyone, page


def _export(world):
    body = "Name,Email,Created at,Total\r\n#1,a@example.jp,2026-11-20 10:00 +0900,100\r\n"
    return {
        "profile": "shopify_orders",
        "file": SimpleUploadedFile("orders_export.csv", body.encode(), content_type="text/csv"),
    }


MATRIX = {
    "platforms:shopify": Case(
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={"secret": "matrix-secret", "notices_from_shopify": "on"},
    ),
    "platforms:profile-import": Case(
        GET=page("staff"), POST=page("staff", ok=302), data=_export, format="multipart"
    ),
    "platforms:column-profiles": Case(
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={
            "name": "Matrix",
            "record": "occasion",
            "kind": "order_placed",
            "map_external_id": "No",
            "map_customer": "Mail",
            "map_occurred_at": "Date",
        },
    ),
    # Signed by Shopify, not by a session or token: without the HMAC everyone gets 401.
    "shopify-webhook": Case(GET=everyone(405), POST=everyone(401), data={"id": 1}, format="json"),
}
