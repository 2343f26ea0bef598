"""Admin pages for looking into the log and what it derives.

The log is written through the services (idempotency, validation, judging) and derived rows
by the engine, so these pages are read-only: an edit here would bypass both.
"""

from django.contrib import admin

from .models import (
    Action,
    ActionException,
    Check,
    Commitment,
    Customer,
    Finding,
    Import,
    Occasion,
    action_waiting,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class JudgeFailedFilter(admin.SimpleListFilter):
    title = "judging"
    parameter_name = "judging"

    def lookups(self, request, model_admin):
        return [("failed", "failed"), ("pending", "re-judge pending")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(judge_failed_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(rejudge_requested_at__isnull=False)
        return queryset


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = (
        "external_id",
        "name",
        "shop",
        "created_at",
        "judge_failed_at",
        "judge_attempts",
        "judge_error",
        "rejudge_requested_at",
    )
    list_filter = (JudgeFailedFilter, "shop")
    search_fields = ("external_id", "name", "email")


@admin.register(Occasion)
class OccasionAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "kind", "customer", "occurred_at", "shop")
    list_filter = ("shop", "kind")
    search_fields = ("external_id", "customer__external_id")
    list_select_related = ("customer", "shop")
    date_hierarchy = "occurred_at"


class ActionExceptionInline(admin.StackedInline):
    model = ActionException
    fk_name = "action"
    extra = 0
    can_delete = False
    readonly_fields = (
        "reason",
        "note",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
        "decision_note",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "kind", "customer", "occurred_at", "staff", "judged_at", "shop")
    list_filter = ("shop", "kind")
    search_fields = ("external_id", "customer__external_id", "occasion_external_id")
    list_select_related = ("customer", "shop")
    date_hierarchy = "occurred_at"
    inlines = [ActionExceptionInline]

    def get_queryset(self, request):
        # judged_at (list_display) reads whether each action waits with the list's query.
        return super().get_queryset(request).annotate(waiting=action_waiting())


@admin.register(ActionException)
class ActionExceptionAdmin(ReadOnlyAdmin):
    list_display = ("action", "reason", "status", "created_at")
    list_filter = ("status", "reason")
    list_select_related = ("action",)


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    list_display = ("action", "promise", "promise_version", "level", "kept", "occurred_at")
    list_filter = ("shop", "kept")
    list_select_related = ("action", "promise", "promise_version")


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "promise", "last_level", "best_level", "count", "last_at")
    list_filter = ("shop",)
    search_fields = ("customer__external_id",)
    list_select_related = ("customer", "promise")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "excused", "status", "customer", "promise", "occurred_at")
    list_filter = ("shop", "type", "excused", "status")
    search_fields = ("customer__external_id", "action__external_id", "message_en")
    list_select_related = ("customer", "promise")
    date_hierarchy = "occurred_at"


@admin.register(Import)
class ImportAdmin(ReadOnlyAdmin):
    list_display = ("id", "filename", "shop", "status", "rows", "stored", "rejected", "created_at")
    list_filter = ("shop", "status")
