"""Starting with Tsuzuku: create a shop, invite members, accept an invitation, reset a password."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from policies.shop_services import shop_create

from . import invitations
from .access import shop_for, start_url
from .audit import audit_record
from .forms_onboarding import InvitationAcceptForm, InvitationForm, ShopCreateForm
from .models import Role


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (by key or params["field"])."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, " ".join(item.messages))
        return
    for item in error.error_list:
        field = (item.params or {}).get("field")
        form.add_error(field if field in form.fields else None, " ".join(item.messages))


@login_required
@require_http_methods(["GET", "POST"])
def shop_create_page(request):
    """Create a shop; its creator becomes its manager (audited as shop.created)."""
    form = ShopCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_create(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(shop)s is created and you are its manager. Next: its calendar and promises.")
                % {"shop": shop.name},
            )
            return redirect("policies:shop-home", shop=shop.slug)
    return render(request, "accounts/shop_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_list(request, shop):
    """Invite an e-mail address to the shop; list the invitations still open."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.invitation_create(
                shop=shop, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("An invitation is on its way to %(email)s.") % {"email": invitation.email},
            )
            return redirect("accounts:invitation-list", shop=shop.slug)
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "shop": shop,
            "form": form,
            "invitations": invitations.invitations_open(shop=shop),
            "days": invitations.INVITATION_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """Accept an invitation: set a password (new address) or join as the signed-in user."""
    try:
        invitation = invitations.invitation_from_token(token)
    except invitations.InvitationInvalid as invalid:
        return render(
            request, "accounts/invitation_accept.html", {"invalid": invalid.message}, status=400
        )
    existing = invitations.invited_user(invitation)
    form = InvitationAcceptForm(request.POST or None) if existing is None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if existing is not None:
                user = invitations.invitation_accept(token=token, user=request.user)
            else:
                user = invitations.invitation_accept(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                )
        except invitations.InvitationInvalid as invalid:
            messages.error(request, invalid.message)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                for item in error.error_list:
                    field = (item.params or {}).get("field", "password1")
                    form.add_error(field if field in form.fields else "password1", item.messages)
        else:
            if request.user != user:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome to %(shop)s: you are %(role)s.")
                % {"shop": invitation.shop.name, "role": Role(invitation.role).label},
            )
            return redirect(start_url(invitation.shop.slug, invitation.role))
    context = {
        "invitation": invitation,
        "role": Role(invitation.role).label,
        "form": form,
        "existing": existing,
        "signed_in_as_invited": existing is not None and request.user == existing,
    }
    return render(request, "accounts/invitation_accept.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, audited (whether or not the address has an account)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            shop=None,
            actor=None,
            event="password.reset_requested",
            object_type="email",
            object_id=form.cleaned_data["email"][:100],
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password step, audited once the password is set."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            shop=None,
            actor=form.user,
            event="password.reset",
            object_type="user",
            object_id=form.user.pk,
        )
        return response


@login_required
@require_http_methods(["GET"])
def shop_switch(request):
    """Go to the shop chosen in the switcher (404 for a shop the user is not in)."""
    shop, role = shop_for(request.user, request.GET.get("shop", ""), role=Role.VIEWER)
    return redirect(start_url(shop.slug, role))
