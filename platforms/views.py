"""Shopify: the webhook endpoint (signed by Shopify, no session) and the manager's page."""

import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import shop_for
from accounts.models import Role

from . import profiles, selectors, services, shopify
from .forms import ColumnProfileForm, ProfileImportForm, ShopifyConnectionForm
from .models import ShopifyConnection


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"code": code, "field": field, "message": message}]}, status=status
    )


@csrf_exempt
@require_POST
def shopify_webhook(request, shop):
    """Verify a Shopify delivery, store it once, and answer at once (processed later)."""
    connection = ShopifyConnection.objects.select_related("shop").filter(shop__slug=shop).first()
    body = request.body
    signature = request.headers.get("X-Shopify-Hmac-Sha256")
    if connection is None or not shopify.signature_valid(
        secret=connection.secret, body=body, signature=signature
    ):
        # The same answer for an unknown shop and a bad signature: nothing to probe.
        return _error(
            401,
            "invalid_signature",
            "X-Shopify-Hmac-Sha256 is not the HMAC of the body with this shop's secret.",
        )
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    if not webhook_id or not topic:
        return _error(
            400,
            "required",
            "X-Shopify-Webhook-Id and X-Shopify-Topic are required.",
            "X-Shopify-Webhook-Id" if not webhook_id else "X-Shopify-Topic",
        )
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid_json", "The body is not JSON.")
    delivery, created = services.delivery_receive(
        shop=connection.shop, webhook_id=webhook_id[:100], topic=topic[:100], payload=payload
    )
    return JsonResponse({"id": delivery.pk, "status": "received" if created else "duplicate"})


@login_required
@require_http_methods(["GET", "POST"])
def shopify_settings(request, shop):
    """Show and set the shop's Shopify connection, with the latest deliveries."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    connection = ShopifyConnection.objects.filter(shop=shop).first()
    initial = {"notices_from_shopify": connection.notices_from_shopify if connection else True}
    form = ShopifyConnectionForm(
        request.POST or None, initial=initial, connected=connection is not None
    )
    if request.method == "POST" and form.is_valid():
        services.shopify_connection_set(shop=shop, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The Shopify connection is saved."))
        return redirect("platforms:shopify", shop=shop.slug)
    webhook_url = settings.SITE_URL.rstrip("/") + reverse(
        "shopify-webhook", kwargs={"shop": shop.slug}
    )
    context = {
        "shop": shop,
        "form": form,
        "connection": connection,
        "webhook_url": webhook_url,
        "topics": shopify.TOPICS,
        "deliveries": selectors.deliveries_recent(shop=shop),
    }
    with timezone.override(ZoneInfo(shop.timezone)):
        return render(request, "platforms/shopify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_import(request, shop):
    """Upload a platform's own CSV export with its profile; follow it on the import page."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    choices = profiles.profile_choices(shop=shop)
    form = ProfileImportForm(request.POST or None, request.FILES or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            imp = services.profile_import_create(
                shop=shop,
                upload=form.cleaned_data["file"],
                profile_key=form.cleaned_data["profile"],
                created_by=request.user,
                max_bytes=settings.IMPORT_MAX_BYTES,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("commitments:import-detail", shop=shop.slug, import_id=imp.pk)
    built_in = [
        {"label": cls.label, "required": cls.required, "optional": cls.optional}
        for cls in profiles.BUILT_IN.values()
    ]
    return render(
        request,
        "platforms/profile_import.html",
        {"shop": shop, "form": form, "built_in": built_in},
    )


@login_required
@require_http_methods(["GET", "POST"])
def column_profiles(request, shop):
    """List the shop's own column mappings and save one (create or replace by name)."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    form = ColumnProfileForm(request.POST or None, columns=profiles.MAPPABLE)
    if request.method == "POST" and form.is_valid():
        try:
            services.column_profile_save(
                shop=shop,
                actor=request.user,
                name=form.cleaned_data["name"],
                record=form.cleaned_data["record"],
                kind=form.cleaned_data["kind"].strip(),
                mapping=form.mapping(),
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(None if field == "mapping" else field, messages_)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("platforms:column-profiles", shop=shop.slug)
    return render(
        request,
        "platforms/column_profiles.html",
        {"shop": shop, "form": form, "profiles": selectors.column_profiles(shop=shop)},
    )
