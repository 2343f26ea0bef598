"""Permission matrix entries of the foundation's URLs and the accounts app."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.permissions import Case, everyone, page, signed_in, statuses
from accounts.tokens import api_token_create

# Signed in or not, the API schema needs an identity; the admin and the RQ dashboard need
# is_staff, which no shop role gives.
API_SIGNED_IN = {**signed_in(ok=200), "anonymous": 401}


def _newcomer(world):
    get_user_model().objects.create_user("newcomer", email="new@example.com", password="x")
    return {"user": "new@example.com", "role": "staff"}


def _invitation(world):
    from accounts.invitations import invitation_token
    from accounts.models import Invitation

    invitation = Invitation.objects.create(
        shop=world.shop,
        email="invited@example.com",
        role="staff",
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"token": invitation_token(invitation)}


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
    # --- starting: shops, invitations, password reset, switching ----------------------
    "accounts:shop-create": Case(
        GET=signed_in(),
        POST=signed_in(ok=302),
        data={"name": "New shop", "slug": "matrix-new", "timezone": "Asia/Tokyo"},
    ),
    "accounts:shop-switch": Case(
        GET=statuses(anonymous=302, viewer=302, staff=302, manager=302, other_manager=404),
        query="shop=kobo",
    ),
    "accounts:invitation-list": Case(
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={"email": "someone@example.com", "role": "viewer"},
    ),
    # The link is the credential: anyone holding it may set the invited account's password.
    "accounts:invitation-accept": Case(
        kwargs=_invitation,
        GET=everyone(200),
        POST=everyone(302),
        data={"password1": "Matrix-pass-2026!", "password2": "Matrix-pass-2026!"},
    ),
    "accounts:password-reset": Case(
        GET=everyone(200), POST=everyone(302), data={"email": "nobody@example.com"}
    ),
    "accounts:password-reset-done": Case(GET=everyone(200)),
    "accounts:password-reset-confirm": Case(
        kwargs={"uidb64": "MQ", "token": "set-password"}, GET=everyone(200)
    ),
    "accounts:password-reset-complete": Case(GET=everyone(200)),
}
