"""Forms of shop creation, invitations and accepting one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role


class ShopCreateForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=50,
        help_text=_("Letters, digits and hyphens, e.g. kobo-tsuzuku: /shops/kobo-tsuzuku/"),
    )
    timezone = forms.CharField(label=_("Timezone"), max_length=64, initial="Asia/Tokyo")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class InvitationAcceptForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to sign in with your e-mail address."),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autofocus": True})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput()
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
