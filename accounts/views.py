"""Pages of the accounts app: a shop's members and audit trail, and the user's API tokens."""

import zoneinfo
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .access import shop_for
from .audit import audit_actors, audit_diff, audit_entries, audit_events
from .audit_words import changes_in_words, event_words, object_words
from .forms import AuditFilterForm, MemberAddForm, MemberRoleForm, TokenCreateForm
from .models import ApiToken, Membership, Role
from .services import members_of, membership_remove, membership_set, user_find
from .tokens import api_token_create, api_token_revoke, api_tokens_of

AUDIT_PAGE_SIZE = 50


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, on its field when it names one."""
    for item in error.error_list:
        field = (item.params or {}).get("field")
        form.add_error(field if field in form.fields else None, " ".join(item.messages))


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request, shop):
    """Render the shop's members; a POST adds a user (or changes the role of a member)."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_find(form.cleaned_data["user"])
        if user is None:
            form.add_error("user", _("No active user has this username or e-mail address."))
        else:
            try:
                membership_set(
                    shop=shop, user=user, role=form.cleaned_data["role"], actor=request.user
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(user)s is now %(role)s.")
                    % {"user": user.get_username(), "role": Role(form.cleaned_data["role"]).label},
                )
                return redirect("accounts:member-list", shop=shop.slug)
    members = members_of(shop=shop)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/member_list.html",
        {"shop": shop, "members": members, "form": form, "roles": Role.choices},
        status=status,
    )


def _member(shop, user_id) -> Membership:
    membership = (
        Membership.objects.select_related("user").filter(shop=shop, user_id=user_id).first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


@login_required
@require_POST
def member_update(request, shop, user_id):
    """Change a member's role, then go back to the members page."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    membership = _member(shop, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            membership_set(
                shop=shop, user=membership.user, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s.")
                % {
                    "user": membership.user.get_username(),
                    "role": Role(form.cleaned_data["role"]).label,
                },
            )
    return redirect("accounts:member-list", shop=shop.slug)


@login_required
@require_POST
def member_remove(request, shop, user_id):
    """Remove a member from the shop, then go back to the members page."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    membership = _member(shop, user_id)
    try:
        membership_remove(shop=shop, user=membership.user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(user)s no longer belongs to this shop.")
            % {"user": membership.user.get_username()},
        )
    return redirect("accounts:member-list", shop=shop.slug)


@login_required
@require_http_methods(["GET"])
def audit_list(request, shop):
    """Render the shop's audit trail, newest first, paginated, filtered by event."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    form = AuditFilterForm(request.GET or None)
    fields = form.cleaned_data if form.is_valid() else {}
    tz = zoneinfo.ZoneInfo(shop.timezone)
    since, until = fields.get("since"), fields.get("until")
    entries = audit_entries(
        shop=shop,
        event=fields.get("event") or "",
        actor=fields.get("actor") or "",
        since=datetime.combine(since, time(0), tzinfo=tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(0), tzinfo=tz) if until else None,
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "event": event_words(entry.event),
            "object": object_words(entry.object_type, entry.object_id),
            "changes": changes_in_words(audit_diff(entry.before, entry.after)),
        }
        for entry in page
    ]
    kept = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request,
        "accounts/audit_list.html",
        {
            "shop": shop,
            "page": page,
            "rows": rows,
            "events": [(name, event_words(name)) for name in audit_events(shop=shop)],
            "actors": audit_actors(shop=shop),
            "form": form,
            "event": fields.get("event") or "",
            "actor": fields.get("actor") or "",
            "query": kept,
        },
    )


@login_required
@require_http_methods(["GET"])
def token_list(request):
    """Render the user's API tokens and the form to create one."""
    return render(
        request,
        "accounts/token_list.html",
        {"tokens": api_tokens_of(user=request.user), "form": TokenCreateForm()},
    )


@login_required
@require_POST
def token_create(request):
    """Create a token and show its key on this one page; it is never shown again."""
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/token_list.html",
            {"tokens": api_tokens_of(user=request.user), "form": form},
            status=400,
        )
    token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
    response = render(request, "accounts/token_created.html", {"token": token, "key": key})
    # The key must not stay in any cache or the browser's history store.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    """Revoke one of the user's own tokens (another user's token does not exist here)."""
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("accounts:token-list")


def locked_out(request, original_response=None, credentials=None):
    """Render the lockout page django-axes answers with after too many failed log-ins."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(
        request,
        "accounts/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )
