"""Stored weekly drift reports."""

from django.db import models


class Report(models.Model):
    """The weekly drift report of one shop for one ISO week; rebuilt whole, never patched."""

    shop = models.ForeignKey("policies.Shop", on_delete=models.CASCADE, related_name="reports")
    week = models.CharField(max_length=8)  # "2026-W47"
    data = models.JSONField()
    built_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The managers' addresses it went to, so the page can say who got it.
    emailed_to = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["shop", "-week"]
        constraints = [models.UniqueConstraint(fields=["shop", "week"], name="report_unique_week")]

    def __str__(self):
        return f"{self.shop_id} {self.week}"
