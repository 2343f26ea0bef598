"""Forms of the platforms pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ShopifyConnectionForm(forms.Form):
    secret = forms.CharField(
        label=_("Webhook signing secret"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Shopify admin → Settings → Notifications → Webhooks: the key shown under "
            "“Your webhooks will be signed with”. Leave empty to keep the stored one."
        ),
    )
    notices_from_shopify = forms.BooleanField(
        label=_("Shopify e-mails the shipping confirmation with the tracking number"),
        required=False,
        help_text=_(
            "When ticked, a fulfillment with a tracking number is also recorded as a "
            "shipping notice sent."
        ),
    )

    def __init__(self, *args, connected: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.connected = connected

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if not secret and not self.connected:
            raise forms.ValidationError(
                _("Enter the secret Shopify signs its webhooks with."), code="required"
            )
        return secret


class ProfileImportForm(forms.Form):
    profile = forms.ChoiceField(label=_("The file comes from"))
    file = forms.FileField(label=_("CSV file, as the platform exported it"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = choices


class ColumnProfileForm(forms.Form):
    name = forms.CharField(label=_("Profile name"), max_length=100)
    record = forms.ChoiceField(
        label=_("Each row is"),
        choices=[("occasion", _("an occasion")), ("action", _("an action"))],
    )
    kind = forms.CharField(
        label=_("Kind"), max_length=40, help_text=_("e.g. order_placed, shipped, note_enclosed")
    )

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for name in columns:
            self.fields[f"map_{name}"] = forms.CharField(label=name, required=False, max_length=200)

    def mapping(self) -> dict:
        return {name: self.cleaned_data.get(f"map_{name}", "") for name in self.columns}

    def mapping_fields(self):
        return [self[f"map_{name}"] for name in self.columns]
