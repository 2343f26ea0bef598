"""Who may do what: roles per shop, API tokens, and the append-only audit trail."""

from django.conf import settings
from django.db import DatabaseError, models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role in one shop."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    shop = models.ForeignKey("policies.Shop", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="membership_unique")]

    def __str__(self):
        return f"{self.user_id} {self.role} of {self.shop_id}"


class ApiToken(models.Model):
    """An API token of a user; only its hash is stored, the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.prefix}… ({self.name})"


class AuditTrailIsAppendOnly(DatabaseError):
    """Raised when code tries to change or delete a recorded audit entry."""


class AuditEntry(models.Model):
    """Who changed what, when, with the before and after. Never updated or deleted.

    Database triggers (migration 0002) refuse every UPDATE and DELETE of a row, so the
    references to the shop and the actor cannot be SET_NULL or CASCADE: they are plain ids
    without a database constraint (DO_NOTHING), and the actor's username is copied in, so
    the trail still reads right if a user or a shop is ever removed.
    """

    shop = models.ForeignKey(
        "policies.Shop",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    event = models.CharField(max_length=60)  # "promise.edited", "calendar.changed", ...
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "created_at"]),
            models.Index(fields=["shop", "event", "created_at"]),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.event} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("update_fields") is not None:
            raise AuditTrailIsAppendOnly("Audit entries are never changed once recorded.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries are never deleted.")


class Invitation(models.Model):
    """A manager's invitation of an e-mail address to a shop, accepted once before it expires."""

    shop = models.ForeignKey("policies.Shop", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["shop", "-created_at"], name="invitation_recent")]

    def __str__(self):
        return f"{self.email} as {self.role} of {self.shop_id}"
