"""The start page (the shops the signed-in user belongs to) and the API's JSON 404."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from accounts.access import start_url
from accounts.models import Membership
from policies.models import Shop


@login_required
def home(request):
    """Render the list of the user's shops, each linking where the user starts in it."""
    if request.user.is_superuser:
        shops = Shop.objects.all()
        roles = {}
    else:
        shops = Shop.objects.filter(memberships__user=request.user)
        roles = dict(Membership.objects.filter(user=request.user).values_list("shop_id", "role"))
    entries = [(shop, start_url(shop.slug, roles.get(shop.pk))) for shop in shops]
    return render(request, "home.html", {"shops": entries})


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Answer a path under /api/v1/ that names no operation with the API's JSON 404."""
    return JsonResponse(
        {
            "errors": [
                {
                    "code": "not_found",
                    "field": None,
                    "message": _("No API operation at this path: see GET /api/v1/schema/."),
                }
            ]
        },
        status=404,
    )


def not_found(request, exception=None):
    """The 404 handler: JSON under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """The 400 handler (a request Django refuses before any view): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "errors": [
                    {
                        "code": "bad_request",
                        "field": None,
                        "message": _(
                            "The request cannot be read (too many fields, a malformed "
                            "body or header); send JSON as the API documents."
                        ),
                    }
                ]
            },
            status=400,
        )
    return defaults.bad_request(request, exception)
