"""Forms of the alerts page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel


class SubscriptionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=Channel.choices)
    target = forms.CharField(
        label=_("E-mail address or webhook URL"),
        max_length=500,
        help_text=_("A webhook gets a JSON POST with a text field, e.g. a Slack incoming webhook."),
    )
    breaches = forms.BooleanField(label=_("Breaches"), required=False, initial=True)
    overdue = forms.BooleanField(label=_("Overdue findings"), required=False, initial=True)


class RecipientsForm(forms.Form):
    recipients = forms.CharField(
        label=_("Weekly report recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One e-mail address per line. Empty: the shop's managers."),
    )
