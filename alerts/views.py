"""The manager's alerts page: subscriptions and the weekly report's recipients."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import shop_for
from accounts.models import Role

from . import selectors, services
from .forms import RecipientsForm, SubscriptionForm
from .models import AlertSubscription


def _errors_to(form, error: ValidationError) -> None:
    for item in error.error_list:
        field = (item.params or {}).get("field")
        form.add_error(field if field in form.fields else None, " ".join(item.messages))


@login_required
@require_http_methods(["GET", "POST"])
def alert_settings(request, shop):
    """List and add subscriptions; set the report's recipients (op=recipients)."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    chosen = selectors.report_recipients_chosen(shop) or []
    posted = request.POST if request.method == "POST" else None
    op = request.POST.get("op", "subscribe")
    form = SubscriptionForm(posted if op == "subscribe" else None)
    recipients = RecipientsForm(
        posted if op == "recipients" else None, initial={"recipients": "\n".join(chosen)}
    )
    if posted is not None and op == "subscribe" and form.is_valid():
        try:
            services.alert_subscribe(shop=shop, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("Subscribed: new findings are sent in business hours."))
            return redirect("alerts:settings", shop=shop.slug)
    if posted is not None and op == "recipients" and recipients.is_valid():
        try:
            services.report_recipients_set(
                shop=shop,
                actor=request.user,
                emails=recipients.cleaned_data["recipients"].splitlines(),
            )
        except ValidationError as error:
            _errors_to(recipients, error)
        else:
            messages.success(request, _("The weekly report's recipients are saved."))
            return redirect("alerts:settings", shop=shop.slug)
    context = {
        "shop": shop,
        "form": form,
        "recipients": recipients,
        "subscriptions": selectors.subscriptions_of(shop=shop),
    }
    return render(request, "alerts/settings.html", context)


@login_required
@require_POST
def alert_remove(request, shop, pk):
    """Remove a subscription of the shop."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    subscription = AlertSubscription.objects.filter(shop=shop, pk=pk).first()
    if subscription is None:
        raise Http404("No such subscription.")
    services.alert_unsubscribe(subscription=subscription, actor=request.user)
    messages.success(request, _("The subscription is removed."))
    return redirect("alerts:settings", shop=shop.slug)
