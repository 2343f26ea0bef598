"""The weekly report e-mail: a text and an HTML part with the summary and a link."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Report


def report_url(*, report: Report) -> str:
    """Return the absolute address of the report's page."""
    path = reverse("reports:report-detail", kwargs={"shop": report.shop.slug, "week": report.week})
    return settings.SITE_URL.rstrip("/") + path


def report_messages(*, report: Report, recipients: list[str]) -> list[EmailMultiAlternatives]:
    """Return one message per recipient (managers do not see each other's addresses)."""
    context = {
        "report": report,
        "shop": report.shop,
        "data": report.data,
        "url": report_url(report=report),
    }
    subject = _("Weekly drift report %(week)s: %(shop)s") % {
        "week": report.week,
        "shop": report.shop.name,
    }
    # Subjects must be one line; a shop name could carry a newline.
    subject = " ".join(subject.split())
    text = render_to_string("reports/email/report.txt", context)
    html = render_to_string("reports/email/report.html", context)
    messages = []
    for address in recipients:
        message = EmailMultiAlternatives(
            subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages
