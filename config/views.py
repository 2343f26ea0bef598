"""The start page: the shops the signed-in user belongs to."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from policies.models import Shop


@login_required
def home(request):
    """Render the list of the user's shops."""
    if request.user.is_superuser:
        shops = Shop.objects.all()
    else:
        shops = Shop.objects.filter(memberships__user=request.user)
    return render(request, "home.html", {"shops": shops})
