"""Permission matrix entries of the platforms app: the Shopify page and webhook."""

from accounts.permissions import Case, everyone, page

MATRIX = {
    "platforms:shopify": Case(
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={"secret": "matrix-secret", "notices_from_shopify": "on"},
    ),
    # Signed by Shopify, not by a session or token: without the HMAC everyone gets 401.
    "shopify-webhook": Case(GET=everyone(405), POST=everyone(401), data={"id": 1}, format="json"),
}
