"""A manager's alert subscriptions and the chosen recipients of the weekly report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.models import Shop


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook (Slack, Chatwork, LINE WORKS…)")


class AlertSubscription(models.Model):
    """Where new breaches and overdue findings are sent, in batches, in business hours."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="alert_subscriptions")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=500)  # an e-mail address or an https URL
    breaches = models.BooleanField(default=True)
    overdue = models.BooleanField(default=True)
    # The highest finding id already sent (or present when subscribing): later ones are new.
    sent_until = models.BigIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.channel} {self.target}"


class ReportRecipient(models.Model):
    """An address the manager chose for the weekly report (none chosen: the managers)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="report_recipients")
    email = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "email"], name="report_recipient_once")
        ]

    def __str__(self):
        return self.email
