"""Create, look up and revoke API tokens; keys are stored only as SHA-256 hashes."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import ApiToken

KEY_PREFIX = "tzk_"
EVENT_TOKEN_CREATED = "token.created"  # noqa: S105 - an event name
EVENT_TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an event name
_SAME_AS_USER = object()


def hash_key(key: str) -> str:
    """Return the stored hash of a token key."""
    return hashlib.sha256(key.encode()).hexdigest()


def _token_state(token: ApiToken) -> dict:
    return {
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "revoked_at": token.revoked_at,
    }


@transaction.atomic
def api_token_create(*, user, name: str, actor=_SAME_AS_USER) -> tuple[ApiToken, str]:
    """Create a token for the user and return it with its key (shown once, never stored).

    `actor` is who asked (default: the user; None for the command line).
    """
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user=user, name=name.strip(), prefix=key[:12], key_hash=hash_key(key))
    token.full_clean()
    token.save()
    audit_record(
        shop=None,
        actor=user if actor is _SAME_AS_USER else actor,
        event=EVENT_TOKEN_CREATED,
        object_type="api_token",
        object_id=token.pk,
        before=None,
        after=_token_state(token),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=_SAME_AS_USER) -> None:
    """Revoke a token from now on (revoking it again changes nothing)."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        return
    before = _token_state(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        shop=None,
        actor=token.user if actor is _SAME_AS_USER else actor,
        event=EVENT_TOKEN_REVOKED,
        object_type="api_token",
        object_id=token.pk,
        before=before,
        after=_token_state(token),
    )


def api_token_by_prefix(*, prefix: str, user=None) -> ApiToken:
    """Return the one live token whose key starts with prefix (of the user, if given)."""
    prefix = prefix.strip()[:12]
    tokens = ApiToken.objects.select_related("user").filter(revoked_at__isnull=True)
    if user is not None:
        tokens = tokens.filter(user=user)
    found = list(tokens.filter(prefix__startswith=prefix)[:2]) if prefix else []
    if not found:
        raise ValidationError(
            _("No live token starts with %(prefix)s.") % {"prefix": prefix}, code="not_found"
        )
    if len(found) > 1:
        raise ValidationError(
            _("More than one live token starts with %(prefix)s: give more of it.")
            % {"prefix": prefix},
            code="ambiguous",
        )
    return found[0]


def api_tokens_of(*, user):
    """Return the user's tokens, live ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )


def api_token_user(key: str):
    """Return the user of a live token key, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
