"""Permission matrix entries of the foundation's URLs and the accounts app."""

from django.contrib.auth import get_user_model

from accounts.permissions import Case, everyone, page, signed_in, statuses
from accounts.tokens import api_token_create

# Signed in or not, the API schema needs an identity; the admin and the RQ dashboard need
# is_staff, which no shop role gives.
API_SIGNED_IN = {**signed_in(ok=200), "anonymous": 401}


def _newcomer(world):
    get_user_model().objects.create_user("newcomer", email="new@example.com", password="x")
    return {"user": "new@example.com", "role": "staff"}


def _managers_token(world):
    token, _key = api_token_create(user=world.users["manager"], name="matrix")
    return {"pk": token.pk}


MATRIX = {
    # --- foundation -----------------------------------------------------------
    "home": Case(GET=signed_in()),
    "healthz": Case(GET=everyone(200)),
    "healthz-live": Case(GET=everyone(200)),
    "healthz-ready": Case(GET=everyone(200)),
    "login": Case(
        GET=everyone(200),
        POST=everyone(200),  # wrong password: the form again, with its error
        data={"username": "nobody", "password": "wrong"},
    ),
    "logout": Case(GET=everyone(405), POST=everyone(302)),
    "set_language": Case(POST=everyone(302), data={"language": "en", "next": "/"}),
    "schema": Case(GET=API_SIGNED_IN, query="format=json"),
    "api-docs": Case(GET=API_SIGNED_IN),
    # Any other path under /api/v1/: the API's JSON 404 for everyone.
    "api-not-found": Case(GET=everyone(404)),
    "admin:*": Case(sample="admin:index", GET=everyone(302)),
    "django_rq:*": Case(sample="django_rq:home", GET=everyone(302)),
    "django_rq:home_json": Case(GET=everyone(401)),
    # --- accounts ---------------------------------------------------------------
    "accounts:token-list": Case(GET=signed_in()),
    "accounts:token-create": Case(
        GET=signed_in(ok=405), POST=signed_in(ok=200), data={"name": "shop system"}
    ),
    "accounts:token-revoke": Case(
        kwargs=_managers_token,
        GET=signed_in(ok=405),
        # Someone else's token does not exist for you.
        POST=statuses(anonymous=302, viewer=404, staff=404, manager=302, other_manager=404),
    ),
    "accounts:member-list": Case(GET=page("manager"), POST=page("manager", ok=302), data=_newcomer),
    "accounts:member-update": Case(
        kwargs=lambda world: {"shop": world.shop.slug, "user_id": world.users["staff"].pk},
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
        data={"role": "viewer"},
    ),
    "accounts:member-remove": Case(
        kwargs=lambda world: {"shop": world.shop.slug, "user_id": world.users["viewer"].pk},
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
    ),
    "accounts:audit-list": Case(GET=page("manager")),
}
