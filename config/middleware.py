"""Project-wide request glue that needs more than one app."""

import contextlib
import zoneinfo

from django.utils import timezone


class ShopTimezoneMiddleware:
    """Show every page of a shop (a URL with ``shop=<slug>``) in that shop's time zone.

    Templates then format moments with ``shop_time`` (accounts/templatetags/shop_format.py).
    Pages outside a shop use settings.TIME_ZONE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("shop")
        if not slug or not isinstance(slug, str):
            return None
        from policies.models import Shop

        name = Shop.objects.filter(slug=slug).values_list("timezone", flat=True).first()
        if name:
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(name))
        return None
