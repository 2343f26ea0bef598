"""Writes of the accounts app: roles per shop (every change goes to the audit trail)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import Membership, Role

EVENT_ROLE_CHANGED = "role.changed"


def _role_state(user, role: str | None) -> dict:
    return {"user": user.get_username(), "role": role}


def _refuse_losing_last_manager(*, shop, membership: Membership) -> None:
    """Raise if this membership is the shop's last manager."""
    if membership.role != Role.MANAGER:
        return
    # Lock the shop's manager rows so two managers cannot demote each other at once.
    managers = list(
        Membership.objects.select_for_update()
        .filter(shop=shop, role=Role.MANAGER)
        .values_list("pk", flat=True)
    )
    if managers == [membership.pk]:
        raise ValidationError(
            _("A shop needs at least one manager: make someone else manager first."),
            code="last_manager",
            params={"field": "role"},
        )


@transaction.atomic
def membership_set(*, shop, user, role: str, actor) -> Membership:
    """Record the user's role in the shop (adding the user when new), audited."""
    if role not in Role.values:
        raise ValidationError(
            _("Unknown role: %(role)s.") % {"role": role},
            code="invalid_param",
            params={"field": "role"},
        )
    membership = Membership.objects.select_for_update().filter(shop=shop, user=user).first()
    before = membership.role if membership else None
    if before == role:
        return membership
    if membership is None:
        membership = Membership(shop=shop, user=user, role=role)
        membership.full_clean(validate_constraints=False)
        membership.save()
    else:
        if role != Role.MANAGER:
            _refuse_losing_last_manager(shop=shop, membership=membership)
        membership.role = role
        membership.full_clean(validate_constraints=False)
        membership.save(update_fields=["role"])
    audit_record(
        shop=shop,
        actor=actor,
        event=EVENT_ROLE_CHANGED,
        object_type="membership",
        object_id=user.pk,
        before=_role_state(user, before),
        after=_role_state(user, role),
    )
    return membership


@transaction.atomic
def membership_remove(*, shop, user, actor) -> None:
    """Remove the user from the shop (never its last manager), audited."""
    membership = Membership.objects.select_for_update().filter(shop=shop, user=user).first()
    if membership is None:
        return
    _refuse_losing_last_manager(shop=shop, membership=membership)
    before = membership.role
    membership.delete()
    audit_record(
        shop=shop,
        actor=actor,
        event=EVENT_ROLE_CHANGED,
        object_type="membership",
        object_id=user.pk,
        before=_role_state(user, before),
        after=_role_state(user, None),
    )


def user_find(identifier: str):
    """Return the active user with this username or e-mail address, or None."""
    identifier = identifier.strip()
    if not identifier:
        return None
    users = get_user_model().objects.filter(is_active=True)
    found = users.filter(username=identifier).first()
    if found is None and "@" in identifier:
        matches = list(users.filter(Q(email__iexact=identifier))[:2])
        # An e-mail address two accounts share names neither of them.
        found = matches[0] if len(matches) == 1 else None
    return found


def members_of(*, shop):
    """Return the shop's memberships with their users, managers first."""
    order = {Role.MANAGER: 0, Role.STAFF: 1, Role.VIEWER: 2}
    members = list(Membership.objects.filter(shop=shop).select_related("user"))
    members.sort(key=lambda m: (order.get(m.role, 9), m.user.get_username()))
    return members
