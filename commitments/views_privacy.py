"""The manager's button that erases a customer's personal data (APPI)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import shop_for
from accounts.models import Role

from . import selectors
from .privacy import customer_erase
from .views import customer_url


@login_required
@require_POST
def customer_erase_view(request, shop):
    """Erase the personal data of the customer named in the form, then show the customer."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    external_id = request.POST.get("customer", "")
    customer = selectors.customer_by_external_id(shop=shop, external_id=external_id)
    if customer is None:
        raise Http404("No such customer.")
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _("Nothing was erased: tick the box to confirm that the erasure cannot be undone."),
        )
        return redirect(customer_url(shop, customer.external_id))
    erasure = customer_erase(customer=customer, actor=request.user)
    messages.success(
        request,
        _(
            "The personal data of customer %(customer)s was erased (name, e-mail address and "
            "%(texts)s message texts)."
        )
        % {
            "customer": customer.external_id,
            "texts": erasure.occasion_texts + erasure.action_texts,
        },
    )
    return redirect(customer_url(shop, customer.external_id))
