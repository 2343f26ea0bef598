"""A shop's connections to its platform: the Shopify webhook secret and the deliveries."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.models import Shop


class ShopifyConnection(models.Model):
    """The secret Shopify signs the shop's webhooks with, set by its manager."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="shopify")
    # Kept as entered: the HMAC of each delivery is computed with it.
    secret = models.CharField(max_length=200)
    # Shopify e-mails the customer the shipping confirmation with the tracking number.
    notices_from_shopify = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Shopify of {self.shop}"

    @property
    def masked_secret(self) -> str:
        """Return the secret as shown on pages: all but its last four characters hidden."""
        return "•" * 8 + self.secret[-4:]


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    PROCESSED = "processed", _("processed")
    WAITING = "waiting", _("waiting for the order")
    IGNORED = "ignored", _("ignored")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One webhook delivery, stored on arrival and recorded into the log in the background."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhook_deliveries")
    platform = models.CharField(max_length=20, default="shopify")
    webhook_id = models.CharField(max_length=100)
    topic = models.CharField(max_length=100)
    # Emptied once processed: it holds the customer's personal data.
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    results = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "platform", "webhook_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["shop", "-received_at"], name="webhook_delivery_recent"),
            models.Index(fields=["status", "received_at"], name="webhook_delivery_pending"),
        ]

    def __str__(self):
        return f"{self.platform} {self.topic} {self.webhook_id}"


class ColumnProfile(models.Model):
    """A shop's own column mapping: which CSV column holds each Tsuzuku column."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="column_profiles")
    name = models.CharField(max_length=100)
    record = models.CharField(
        max_length=10, choices=[("occasion", "occasion"), ("action", "action")]
    )
    kind = models.CharField(max_length=40)
    # {tsuzuku column: the CSV's column name}; external_id, customer, occurred_at required.
    mapping = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="column_profile_name_once")
        ]

    def __str__(self):
        return self.name


class ImportProfileChoice(models.Model):
    """The profile an import was uploaded with (read by platforms.profiles)."""

    import_ref = models.OneToOneField(
        "commitments.Import", on_delete=models.CASCADE, related_name="profile_choice"
    )
    profile_key = models.CharField(max_length=50)

    def __str__(self):
        return f"{self.import_ref_id}: {self.profile_key}"
