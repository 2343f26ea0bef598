"""Create, look up and revoke API tokens; keys are stored only as SHA-256 hashes."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

KEY_PREFIX = "tzk_"


def hash_key(key: str) -> str:
    """Return the stored hash of a token key."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for the user and return it with its key (shown once, never stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user=user, name=name, prefix=key[:12], key_hash=hash_key(key))
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke a token from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


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
