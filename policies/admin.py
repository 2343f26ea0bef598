"""Admin pages for superusers: read-mostly; managers use the shop's own promise pages."""

from django.contrib import admin

from .models import Promise, PromiseVersion, Shop, WeeklyRule


class ReadOnlyVersionInline(admin.TabularInline):
    model = PromiseVersion
    fields = ["number", "params", "author", "reason", "effective_from", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyWeeklyRuleInline(admin.TabularInline):
    """Weekly rules are immutable: change them on the calendar page (a new dated rule)."""

    model = WeeklyRule
    fields = ["effective_from", "closed_weekdays", "business_hours", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["effective_from", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "timezone", "holidays", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [ReadOnlyWeeklyRuleInline]

    def has_delete_permission(self, request, obj=None):
        # Promise history goes only with policies.services.shop_delete (the database refuses
        # the admin's plain delete).
        return False


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["name", "shop", "kind", "created_at", "retired_at"]
    list_filter = ["kind", "retired_at"]
    search_fields = ["name", "shop__slug"]
    readonly_fields = ["shop", "kind", "created_at", "retired_at"]
    inlines = [ReadOnlyVersionInline]

    def has_add_permission(self, request):
        # Promises begin with a version: create them on the shop's promise pages or the API.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PromiseVersion)
class PromiseVersionAdmin(admin.ModelAdmin):
    """Versions are immutable: listed and shown, never added, changed or deleted here."""

    list_display = ["promise", "number", "effective_from", "author", "created_at"]
    list_select_related = ["promise", "promise__shop", "author"]
    search_fields = ["promise__name", "promise__shop__slug"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
