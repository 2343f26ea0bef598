"""Alerts: subscribe, unsubscribe, choose the report's recipients, and send in business hours.

`alerts_send(now)` (cron, every 15 minutes) sends each subscription the breaches and overdue
findings recorded since its last batch (finding id > sent_until, not excused), one e-mail or
one webhook POST per subscription and run, but only while the shop is in business hours
(an inquiries-open day, inside a business-hours period): findings of the night wait for the
morning's first run. A webhook gets `{"text": ...}` (what Slack, Chatwork via a relay and
LINE WORKS incoming webhooks read) plus `"findings": [...]`.
"""

import json
import logging
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from commitments.models import Finding, FindingType
from policies.calendar import ShopCalendar

from .models import AlertSubscription, Channel, ReportRecipient

logger = logging.getLogger(__name__)

BATCH_MAX = 200
WEBHOOK_TIMEOUT = 10


def target_validate(*, channel: str, target: str) -> str:
    """Return the cleaned target; ValidationError (field target) when it cannot be used."""
    target = target.strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(target)
        except ValidationError:
            raise ValidationError(
                _("Enter an e-mail address."), code="invalid_param", params={"field": "target"}
            ) from None
        return target
    if channel != Channel.WEBHOOK:
        raise ValidationError(
            _("Choose e-mail or webhook."), code="invalid_param", params={"field": "channel"}
        )
    parts = urlsplit(target)
    allowed = ("https", "http") if settings.ALERT_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.netloc:
        raise ValidationError(
            _("Enter the https:// address of the incoming webhook."),
            code="invalid_param",
            params={"field": "target"},
        )
    return target


@transaction.atomic
def alert_subscribe(*, shop, actor, channel: str, target: str, breaches=True, overdue=True):
    """Subscribe a target to the shop's new findings from now on; audited alert.subscribed."""
    target = target_validate(channel=channel, target=target)
    if not (breaches or overdue):
        raise ValidationError(
            _("Choose breaches, overdue findings or both."),
            code="invalid_param",
            params={"field": "breaches"},
        )
    newest = Finding.objects.filter(shop=shop).aggregate(top=Max("id"))["top"] or 0
    subscription = AlertSubscription.objects.create(
        shop=shop,
        channel=channel,
        target=target,
        breaches=breaches,
        overdue=overdue,
        sent_until=newest,
        created_by=actor,
    )
    audit_record(
        shop=shop,
        actor=actor,
        event="alert.subscribed",
        object_type="alert_subscription",
        object_id=subscription.pk,
        after={"channel": channel, "target": target, "breaches": breaches, "overdue": overdue},
    )
    return subscription


@transaction.atomic
def alert_unsubscribe(*, subscription: AlertSubscription, actor) -> None:
    """Remove a subscription; audited alert.removed."""
    audit_record(
        shop=subscription.shop,
        actor=actor,
        event="alert.removed",
        object_type="alert_subscription",
        object_id=subscription.pk,
        before={"channel": subscription.channel, "target": subscription.target},
    )
    subscription.delete()


@transaction.atomic
def report_recipients_set(*, shop, actor, emails: list[str]) -> list[str]:
    """Choose who receives the weekly report (empty: the managers); audited."""
    cleaned = []
    for email in emails:
        email = email.strip()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                _("%(email)s is not an e-mail address.") % {"email": email},
                code="invalid_param",
                params={"field": "recipients"},
            ) from None
        if email.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(email)
    before = sorted(ReportRecipient.objects.filter(shop=shop).values_list("email", flat=True))
    ReportRecipient.objects.filter(shop=shop).delete()
    ReportRecipient.objects.bulk_create([ReportRecipient(shop=shop, email=e) for e in cleaned])
    audit_record(
        shop=shop,
        actor=actor,
        event="report.recipients_changed",
        object_type="shop",
        object_id=shop.pk,
        before={"recipients": before},
        after={"recipients": sorted(cleaned)},
    )
    return cleaned


def in_business_hours(calendar: ShopCalendar, now: datetime) -> bool:
    """Return whether the moment is inside the shop's business hours on an open day."""
    local = calendar.local(now)
    if not calendar.is_open(local.date(), "inquiries"):
        return False
    return any(start <= local.time() < end for start, end in calendar.business_hours)


def _text(shop, findings) -> str:
    lines = [
        _("%(shop)s: %(n)s new findings") % {"shop": shop.name, "n": len(findings)},
    ]
    for finding in findings:
        lines.append(f"- [{finding.type}] {finding.customer.external_id}: {finding.message_ja}")
    return "\n".join(lines)


def _send(subscription: AlertSubscription, findings: list) -> None:
    shop = subscription.shop
    text = _text(shop, findings)
    if subscription.channel == Channel.EMAIL:
        subject = _("Tsuzuku: %(n)s new findings in %(shop)s") % {
            "n": len(findings),
            "shop": shop.name,
        }
        send_mail(subject, text, None, [subscription.target])
        return
    body = json.dumps(
        {
            "text": text,
            "findings": [
                {
                    "id": f.pk,
                    "type": f.type,
                    "customer": f.customer.external_id,
                    "message_ja": f.message_ja,
                    "message_en": f.message_en,
                }
                for f in findings
            ],
        },
        ensure_ascii=False,
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - https (or http when allowed) only
        subscription.target,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
        response.read()


def alerts_send(*, now=None) -> dict:
    """Send each subscription its new findings, in its shop's business hours; return counts."""
    now = now or timezone.now()
    sent = skipped = failed = 0
    calendars: dict[int, ShopCalendar] = {}
    for subscription in AlertSubscription.objects.select_related("shop").order_by("pk"):
        shop = subscription.shop
        calendar = calendars.setdefault(shop.pk, ShopCalendar.for_shop(shop))
        if not in_business_hours(calendar, now):
            skipped += 1
            continue
        types = [FindingType.BREACH] * subscription.breaches + [
            FindingType.OVERDUE
        ] * subscription.overdue
        findings = list(
            Finding.objects.filter(
                shop=shop, pk__gt=subscription.sent_until, type__in=types, excused=False
            )
            .select_related("customer")
            .order_by("pk")[:BATCH_MAX]
        )
        if not findings:
            continue
        try:
            _send(subscription, findings)
        except Exception as error:  # noqa: BLE001 - one target down must not stop the others
            logger.warning("Alert %s to %s failed: %s", subscription.pk, subscription.target, error)
            failed += 1
            continue
        subscription.sent_until = findings[-1].pk
        subscription.last_sent_at = now
        subscription.save(update_fields=["sent_until", "last_sent_at"])
        sent += 1
    return {"sent": sent, "skipped": skipped, "failed": failed}
