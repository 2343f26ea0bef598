"""The log (occasions, actions), what it derives (checks, commitments, findings), imports."""

from django.conf import settings
from django.db import models
from django.db.models import Q

# Defined once, below both apps (policies.vocabulary); re-exported for the log's code.
from policies.vocabulary import ExceptionReason  # noqa: F401


class Customer(models.Model):
    """A customer of a shop, known by the shop's own id."""

    # No index of its own on shop, customer, action or promise here and below where a
    # composite index or unique constraint starts with it: that one serves the same lookups
    # (and the deletions' cascades), and every index is written again for each row inserted
    # and for each non-HOT update: migration 0014.
    shop = models.ForeignKey(
        "policies.Shop", on_delete=models.CASCADE, related_name="customers", db_index=False
    )
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a manager erased the customer's personal data (APPI); see commitments.privacy.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Set (durably, in the policy change's transaction) when a promise or calendar change may
    # change this customer's judgements; cleared with the new judgements (commitments/judging).
    rejudge_requested_at = models.DateTimeField(null=True, blank=True)
    # The last judging of this customer raised: what, when, how many times in a row. The
    # other customers are judged all the same; the sweeper retries with backoff.
    judge_error = models.TextField(blank=True)
    judge_failed_at = models.DateTimeField(null=True, blank=True)
    judge_attempts = models.PositiveIntegerField(default=0)
    # The customer's orders (order_placed occasions) and the time of the latest, kept in the
    # transaction that stores or deletes them (commitments.order_counts), so the weekly
    # report counts repeat customers without recounting every customer's orders.
    order_count = models.PositiveIntegerField(default=0)
    last_order_at = models.DateTimeField(null=True, blank=True)
    # When judging last judged the customer's log with an action waiting in it (the action's
    # `judged_at`); null until the first.
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="customer_unique_id")
        ]
        indexes = [
            models.Index(
                fields=["shop", "id"],
                name="customer_rejudge_pending",
                condition=Q(rejudge_requested_at__isnull=False),
            ),
            models.Index(
                fields=["judge_failed_at"],
                name="customer_judge_failed",
                condition=Q(judge_failed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.external_id


class Occasion(models.Model):
    """Something a customer did that the shop must respond to."""

    shop = models.ForeignKey(
        "policies.Shop", on_delete=models.CASCADE, related_name="occasions", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="occasions", db_index=False
    )
    external_id = models.CharField(max_length=100)
    # A registered occasion kind (policies.vocabulary): no database choices, so a kind a
    # promise kind module registers needs no migration; the services validate it.
    kind = models.CharField(max_length=32)
    occurred_at = models.DateTimeField()
    attributes = models.JSONField(default=dict, blank=True)
    # Hash of the content, so a repeated external id is compared without a field-by-field walk.
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # The CSV import that stored it (None: the API, a form, or an import since deleted), so
    # the import can be undone (commitments.imports.import_undo).
    source_import = models.ForeignKey(
        "Import", null=True, blank=True, on_delete=models.SET_NULL, related_name="occasions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="occasion_unique_id")
        ]
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["shop", "kind", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.external_id}"


class Action(models.Model):
    """Something the shop did, answering an occasion."""

    shop = models.ForeignKey(
        "policies.Shop", on_delete=models.CASCADE, related_name="actions", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="actions", db_index=False
    )
    external_id = models.CharField(max_length=100)
    # A registered action kind (policies.vocabulary), validated by the services.
    kind = models.CharField(max_length=32)
    occurred_at = models.DateTimeField()
    # The occasion's external id as sent; `occasion` is linked once that occasion is stored,
    # so an action may arrive before its occasion (backfill in any order).
    occasion_external_id = models.CharField(max_length=100, blank=True)
    occasion = models.ForeignKey(
        Occasion, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    staff = models.CharField(max_length=100, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # The CSV import that stored it, as Occasion.source_import.
    source_import = models.ForeignKey(
        "Import", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="action_unique_id")
        ]
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["shop", "occurred_at"]),
            models.Index(fields=["shop", "occasion_external_id"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.external_id}"

    @property
    def judged_at(self):
        """When the action was judged: None while it waits (`UnjudgedAction`), else the time
        its customer's log was last judged with a waiting action in it (`Customer.judged_at`).
        Where many are shown, read them with `waiting` (`annotate(waiting=action_waiting())`)
        and their customer; else one query asks."""
        waiting = getattr(self, "waiting", None)
        if waiting is None:
            waiting = UnjudgedAction.objects.filter(action_id=self.pk).exists()
        return None if waiting else self.customer.judged_at


class UnjudgedAction(models.Model):
    """An action waiting to be judged: stored with the action, or when the action is linked
    to its occasion later; deleted when judging has judged it (judging.reconcile).

    A table of its own rather than a column of the action: judging an action deletes a
    narrow row here instead of writing a new version of the action and an entry in each of
    its indexes (docs/PERFORMANCE.md, "The actions waiting, a table of their own"). It holds
    only the actions waiting, so the sweeper and the status page read it whole.
    """

    action = models.OneToOneField(
        Action, primary_key=True, on_delete=models.CASCADE, related_name="unjudged"
    )
    # Since when it waits: stored, or linked to its occasion (the sweeper's age).
    since = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"unjudged {self.action_id} since {self.since}"


def action_waiting() -> models.Exists:
    """Return an expression: the query's action waits to be judged.

    A subquery by the waiting table's key, never a join: planning a join to that table
    estimates the join key's range from its index's ends, which judging's deletes fill with
    dead entries until a vacuum (13 ms a plan after a year was judged; docs/PERFORMANCE.md,
    "The actions waiting, a table of their own").
    """
    return models.Exists(UnjudgedAction.objects.filter(action_id=models.OuterRef("pk")))


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ActionException(models.Model):
    """An exception staff recorded for an action, with its reason; a manager may decide it."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="exception")
    reason = models.CharField(max_length=20, choices=ExceptionReason.choices)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ExceptionStatus.choices, default=ExceptionStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = "exception"

    def __str__(self):
        return f"{self.reason} ({self.status}) on {self.action_id}"


# The derived rows (Check, Commitment, Finding) refer to their shop, promise and promise
# version without a foreign key constraint in the database (`db_constraint=False`; Django
# still cascades and protects on delete, and the columns keep their index). Judging writes
# those rows by the hundred thousand and the shop, its promises and their versions are a
# handful of rows: every constraint checked them once per row at commit (a million checks
# for a year of 100,000 actions, a third of a judging batch's time in the database) and
# took a key-share lock on the same few rows in every worker at once. Judging reads the
# shop, promises and versions in the transaction that writes the rows, promises and
# versions are never deleted but with their shop.
#
# A check's action and a commitment's customer are not database constraints either (0013):
# only judging writes those rows, in the transaction holding its customers' row locks
# (reconcile._judge_batch, `select_for_update` in id order), and everything that deletes a
# customer or an action first takes the same locks (imports.import_undo;
# selectors.shop_log_delete for a shop's deletion), so neither can go under a judging
# batch. Those two were 200,000 of the 360,000 constraint checks at the commits of a
# year's judging (docs/PERFORMANCE.md, "Judging's cost per action"). Nor are a finding's
# action, customer and occasion (0015): judging writes findings under the same locks, and
# the sweeper writes its overdue findings holding their customers' locks too
# (judging.overdue._findings_store, leaving out an occasion deleted before it locked).
# Only a finding's status_by and public_by (users) stay constraints.
class Check(models.Model):
    """The judgement of one action against one promise: the level measured and the version."""

    shop = models.ForeignKey(
        "policies.Shop",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="checks", db_constraint=False, db_index=False
    )
    promise = models.ForeignKey(
        "policies.Promise", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    promise_version = models.ForeignKey(
        "policies.PromiseVersion", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # Copied from the action so weekly aggregates need no join.
    occurred_at = models.DateTimeField()
    level = models.FloatField(null=True, blank=True)
    kept = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "promise"], name="check_unique_action")
        ]
        indexes = [models.Index(fields=["shop", "promise", "occurred_at"])]

    def __str__(self):
        return f"check {self.action_id}/{self.promise_id}"


# A repeat customer has placed this many orders or more (the weekly report's at-risk lists).
REPEAT_MIN_ORDERS = 2


class Commitment(models.Model):
    """The level one customer has experienced for one promise. Derived; always rebuildable."""

    shop = models.ForeignKey(
        "policies.Shop",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="commitments",
        db_constraint=False,
        db_index=False,
    )
    promise = models.ForeignKey(
        "policies.Promise", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    last_level = models.FloatField(null=True, blank=True)
    best_level = models.FloatField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)
    # [{"action": "<external id>", "at": "...", "what": "closed_day_reply"}]
    precedents = models.JSONField(default=list, blank=True)
    # The customer's Customer.order_count and last_order_at, copied onto each of their
    # commitments by the writes that change those (commitments.order_counts) and by judging
    # when it stores a commitment, so the weekly report ranks and counts repeat customers
    # from this table alone (reports/builder.py), without joining every customer.
    customer_orders = models.PositiveIntegerField(default=0)
    customer_last_order_at = models.DateTimeField(null=True, blank=True)
    # customer_orders >= REPEAT_MIN_ORDERS, copied with it: the predicate of the index of
    # repeat customers. An index on customer_orders itself (or a predicate on it) would make
    # every copy of a new order a non-HOT update writing all seven indexes of the row; this
    # changes only at a customer's second order (or an undo of it), so on PostgreSQL the
    # other copies stay HOT, on the page (migration 0011 also leaves room on each page).
    customer_repeat = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "promise"], name="commitment_unique")
        ]
        indexes = [
            models.Index(fields=["shop", "promise"]),
            # A promise's commitments of repeat customers (reports.builder).
            models.Index(
                fields=["promise"],
                name="commitment_repeat",
                condition=Q(customer_repeat=True),
            ),
        ]

    def __str__(self):
        return f"commitment {self.customer_id}/{self.promise_id}"


class FindingType(models.TextChoices):
    BREACH = "breach"
    OVERDUE = "overdue"
    DRIFT = "drift"
    PRECEDENT = "precedent"


class FindingStatus(models.TextChoices):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Finding(models.Model):
    """The result of a check that needs a person's attention."""

    shop = models.ForeignKey(
        "policies.Shop",
        on_delete=models.CASCADE,
        related_name="findings",
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="findings",
        db_constraint=False,
        db_index=False,
    )
    promise = models.ForeignKey(
        "policies.Promise",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    promise_version = models.ForeignKey(
        "policies.PromiseVersion", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    action = models.ForeignKey(
        Action,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
        db_constraint=False,
        db_index=False,
    )
    # Indexed where set (Meta.indexes), as status_by and public_by.
    occasion = models.ForeignKey(
        Occasion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
        db_constraint=False,
        db_index=False,
    )
    type = models.CharField(max_length=20, choices=FindingType.choices)
    excused = models.BooleanField(default=False)
    # When it happened (the action's or the deadline's time), for weekly grouping.
    occurred_at = models.DateTimeField()
    message_ja = models.TextField()
    message_en = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    status_note = models.TextField(blank=True)
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    status_at = models.DateTimeField(null=True, blank=True)
    # A precedent a manager marked as told publicly (a review said "they even answered on a
    # holiday"): from `public_at` on it raises every customer's expectation of the promise
    # (commitments/judging/public.py). `public_level` and `public_precedent` are what was
    # told, taken when it was marked, so re-judging never changes what the public knows.
    public_at = models.DateTimeField(null=True, blank=True)
    public_note = models.CharField(max_length=200, blank=True)
    public_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    public_level = models.FloatField(null=True, blank=True)
    # {"action": "<external id>", "at": "<shop-time ISO>", "what": "closed_day_reply", ...}
    public_precedent = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "promise", "type"],
                name="finding_unique_per_action",
                condition=Q(action__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["occasion", "promise"],
                name="finding_overdue_once",
                condition=Q(type="overdue"),
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "occurred_at"]),
            models.Index(fields=["shop", "type", "occurred_at"]),
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["promise", "occurred_at"]),
            # The findings list filtered to the few findings a person handled or excused,
            # newest first: partial, so judging's inserts (open, mostly not excused) skip them.
            models.Index(
                fields=["shop", "status", "occurred_at"],
                name="finding_handled",
                condition=~Q(status="open"),
            ),
            models.Index(
                fields=["shop", "occurred_at"], name="finding_excused", condition=Q(excused=True)
            ),
            # Judging reads the shop's public precedents once per batch.
            models.Index(
                fields=["shop", "promise", "public_at"],
                name="finding_public",
                condition=Q(public_at__isnull=False),
            ),
            # The foreign keys most findings leave empty, indexed where set: what deleting
            # an occasion or a user looks up, none of it written by judging's inserts.
            models.Index(
                fields=["occasion"], name="finding_occasion", condition=Q(occasion__isnull=False)
            ),
            models.Index(
                fields=["status_by"], name="finding_status_by", condition=Q(status_by__isnull=False)
            ),
            models.Index(
                fields=["public_by"], name="finding_public_by", condition=Q(public_by__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.type} #{self.pk}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    # Its stored occasions and actions were deleted again (import_undo).
    UNDONE = "undone"


class Import(models.Model):
    """One CSV file of occasions and actions being imported, with its progress and counts."""

    shop = models.ForeignKey("policies.Shop", on_delete=models.CASCADE, related_name="imports")
    # Imports uploaded before the file went into the database (ImportChunk) kept it here.
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default="queued")
    encoding = models.CharField(max_length=20, blank=True)
    bytes_read = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"row": 12, "column": "occurred_at", "code": "invalid_time", "message": "..."}]
    errors = models.JSONField(default=list, blank=True)
    # Header problems reported once, such as unknown columns.
    warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when the import starts and after every batch: a running import whose heartbeat is
    # old has lost its worker, and the sweeper resumes it from the rows it reached.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times the sweeper took it up again; a run whose number is not this one has
    # been superseded and stops.
    resumes = models.PositiveSmallIntegerField(default=0)
    # Who undid it and when (status "undone"): its records were deleted, see import_undo.
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"import {self.pk} ({self.filename})"


class ImportChunk(models.Model):
    """One piece of an uploaded CSV file, kept in the database until its import ends.

    Any worker, on any machine, reads the file from here; the pieces are deleted when the
    import is done or failed (the recorded rows are what is kept, APPI).
    """

    import_ref = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["import_ref", "index"], name="import_chunk_once")
        ]

    def __str__(self):
        return f"import {self.import_ref_id} chunk {self.index}"
