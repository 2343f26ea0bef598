"""Invitations: a manager invites an e-mail address; the link sets a password, once, in time.

The link carries a signed token (django.core.signing, salt INVITATION_SALT) naming the
invitation; it is refused once accepted or after INVITATION_DAYS. Accepting creates the
account (username = the e-mail address unless chosen) or, for an address that already has
one, asks that user to sign in, then gives the role through membership_set. Every step is
audited: invitation.created, invitation.accepted (and membership_set's role.changed).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import Invitation, Role
from .services import membership_set

INVITATION_SALT = "accounts.invitation"
INVITATION_DAYS = 7


class InvitationInvalid(Exception):
    """The link is not valid (any more): code bad_link, expired or used."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def invitation_token(invitation: Invitation) -> str:
    """Return the signed token of an invitation's link."""
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "accounts:invitation-accept", kwargs={"token": invitation_token(invitation)}
    )


@transaction.atomic
def invitation_create(*, shop, email: str, role: str, actor, now=None) -> Invitation:
    """Record an invitation and e-mail its link (sent once the transaction commits)."""
    now = now or timezone.now()
    if role not in Role.values:
        raise ValidationError(
            _("Choose manager, staff or viewer."), code="invalid_param", params={"field": "role"}
        )
    invitation = Invitation(
        shop=shop,
        email=email.strip(),
        role=role,
        invited_by=actor,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        shop=shop,
        actor=actor,
        event="invitation.created",
        object_type="invitation",
        object_id=invitation.pk,
        after={"email": invitation.email, "role": role, "expires_at": invitation.expires_at},
    )
    context = {
        "shop": shop,
        "role": Role(role).label,
        "url": invitation_url(invitation),
        "inviter": actor.get_username() if actor else "",
        "days": INVITATION_DAYS,
    }
    subject = _("Invitation to %(shop)s on Tsuzuku") % {"shop": shop.name}
    body = render_to_string("accounts/invitation_email.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]), robust=True)
    return invitation


def invitation_from_token(token: str, *, now=None) -> Invitation:
    """Return the open invitation of a link; raise InvitationInvalid saying why not."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        raise InvitationInvalid("bad_link", _("This invitation link is not valid.")) from None
    invitation = Invitation.objects.select_related("shop").filter(pk=data.get("invitation")).first()
    if invitation is None:
        raise InvitationInvalid("bad_link", _("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationInvalid("used", _("This invitation was already accepted: sign in instead."))
    if invitation.expires_at <= now:
        raise InvitationInvalid(
            "expired", _("This invitation has expired: ask the shop's manager for a new one.")
        )
    return invitation


def invited_user(invitation: Invitation):
    """Return the active user who already has the invited address, or None."""
    return (
        get_user_model()
        .objects.filter(email__iexact=invitation.email, is_active=True)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user=None, username: str = "", password: str = "", now=None):
    """Accept an invitation: as `user` (the invited address's), or as a new account.

    Return the user, now a member of the shop with the invited role. The invitation is
    locked so a link used twice at once is accepted once.
    """
    now = now or timezone.now()
    invitation = invitation_from_token(token, now=now)
    invitation = Invitation.objects.select_for_update().select_related("shop").get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationInvalid("used", _("This invitation was already accepted: sign in instead."))
    existing = invited_user(invitation)
    if existing is not None:
        if user is None or user.pk != existing.pk:
            raise InvitationInvalid(
                "sign_in", _("This address has an account: sign in with it to accept.")
            )
    else:
        user_model = get_user_model()
        username = (username or invitation.email).strip()
        if user_model.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                _("This username is taken; choose another."),
                code="conflict",
                params={"field": "username"},
            )
        candidate = user_model(username=username, email=invitation.email)
        password_validation.validate_password(password, candidate)
        candidate.set_password(password)
        candidate.full_clean(exclude=["password"])
        candidate.save()
        existing = candidate
    invitation.accepted_at, invitation.accepted_by = now, existing
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership_set(shop=invitation.shop, user=existing, role=invitation.role, actor=existing)
    audit_record(
        shop=invitation.shop,
        actor=existing,
        event="invitation.accepted",
        object_type="invitation",
        object_id=invitation.pk,
        before={"accepted_at": None},
        after={"email": invitation.email, "role": invitation.role, "user": existing.get_username()},
    )
    return existing


def invitations_open(*, shop, now=None) -> list[Invitation]:
    """Return the shop's invitations not accepted and not expired, newest first."""
    now = now or timezone.now()
    return list(
        Invitation.objects.filter(shop=shop, accepted_at__isnull=True, expires_at__gt=now)
        .select_related("invited_by")
        .order_by("-created_at")
    )
