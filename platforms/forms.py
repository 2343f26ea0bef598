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
