"""Forms of the accounts pages: members of a shop and API tokens."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Role


class MemberAddForm(forms.Form):
    user = forms.CharField(label=_("Username or e-mail address"), max_length=254, strip=True)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “shop system”."),
    )


class AuditFilterForm(forms.Form):
    event = forms.CharField(label=_("What"), required=False, max_length=60)
    actor = forms.CharField(label=_("Who"), required=False, max_length=150)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
