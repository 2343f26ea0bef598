"""Shops with their business calendar, and their versioned service promises."""

from django.conf import settings
from django.db import IntegrityError, models
from django.utils.translation import gettext_lazy as _


def default_business_hours():
    return [{"start": "10:00", "end": "18:00"}]


class Shop(models.Model):
    """A storefront, with the business calendar its promises are measured against."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="Asia/Tokyo")
    # Monday = 0 ... Sunday = 6.
    closed_weekdays = models.JSONField(default=list, blank=True)
    # Country code of the national holidays the shop closes on ("JP"), or "" for none.
    holidays = models.CharField(max_length=8, default="JP", blank=True)
    business_hours = models.JSONField(default=default_business_hours, blank=True)
    # [{"start": "2026-12-29", "end": "2027-01-03", "label": "...", "applies_to": "all"}]
    closures = models.JSONField(default=list, blank=True)
    # ["2026-11-23"]: days open although the rules above would close them.
    open_days = models.JSONField(default=list, blank=True)
    # The weekly rules over time as the calendar reads them (no query):
    # [{"effective_from": "2000-01-01", "closed_weekdays": [...], "business_hours": [...]}],
    # written by calendar_update together with the WeeklyRule history rows (who, when, why).
    # Empty: closed_weekdays and business_hours above hold for all time.
    weekly_rule_timeline = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.slug


class ImmutableVersionError(IntegrityError):
    """A promise version (or weekly rule) was asked to change or go away; they never do."""


class WriteOnce:
    """A row written once (history): saving it again or deleting it raises ImmutableVersionError.

    The database triggers (policies/immutability.py) enforce the same below the ORM.
    """

    immutable_save = "{row} is immutable."
    immutable_delete = "{row} is immutable."

    def save(self, *args, **kwargs):
        if not self._state.adding or self.pk is not None:
            raise ImmutableVersionError(self.immutable_save.format(row=self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersionError(self.immutable_delete.format(row=self))


class WeeklyRule(WriteOnce, models.Model):
    """The shop's closed weekdays and business hours from a day on; never changed once written.

    A shop's weekly rules are a history: each applies from `effective_from` (a day in shop
    time) until the next rule's day; with two rules for one day the later one (higher id)
    wins. A change "from January" adds a rule and leaves the past as it was.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="weekly_rules")
    effective_from = models.DateField()
    # Monday = 0 ... Sunday = 6.
    closed_weekdays = models.JSONField(default=list, blank=True)
    business_hours = models.JSONField(default=default_business_hours, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="weekly_rules",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop", "effective_from", "id"]
        indexes = [models.Index(fields=["shop", "effective_from"])]
        verbose_name = _("weekly rule")

    def __str__(self):
        return f"{self.shop_id} weekly rule from {self.effective_from}"

    immutable_save = "{row} is immutable: add a rule with a new effective date instead."
    immutable_delete = "{row} is immutable: add a rule instead of deleting one."


class Promise(models.Model):
    """One service promise of a shop; its parameters live in immutable versions."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="promises")
    kind = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shop", "id"]
        indexes = [models.Index(fields=["shop", "kind"])]

    def __str__(self):
        return f"{self.shop.slug}: {self.name} ({self.kind})"


class PromiseRename(models.Model):
    """One change of a promise's name, with its reason: the names it had stay in its history.

    The name is what a manager reads; the parameters (versions) say what the promise means.
    Renaming "reply within 2 business days" after changing it to 7 business hours keeps the
    page honest without a new version.
    """

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="renames")
    old_name = models.CharField(max_length=200)
    new_name = models.CharField(max_length=200)
    reason = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promise_renames",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["promise", "created_at", "id"]

    def __str__(self):
        return f"{self.promise_id}: {self.old_name} → {self.new_name}"


class PromiseVersion(WriteOnce, models.Model):
    """One version of a promise's parameters; never changed once written.

    The database enforces it too (policies/immutability.py): UPDATE is always refused and
    DELETE only goes through with the whole promise (or shop) or a whole-database flush.
    """

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    params = models.JSONField()
    # PROTECT: deleting a user must not rewrite history (SET_NULL would UPDATE the version,
    # which the database refuses); deactivate the user instead.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promise_versions",
    )
    reason = models.TextField(blank=True)
    effective_from = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["promise", "number"]
        constraints = [
            models.UniqueConstraint(fields=["promise", "number"], name="promise_version_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="promise_version_number_positive"
            ),
        ]
        indexes = [models.Index(fields=["promise", "effective_from"])]
        verbose_name = _("promise version")

    def __str__(self):
        return f"{self.promise_id} v{self.number}"

    immutable_save = "Promise version {row} is immutable: edit the promise to add a new version."
    immutable_delete = (
        "Promise version {row} is immutable: retire the promise instead of deleting history."
    )
