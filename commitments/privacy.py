"""Erasing a customer's personal data (Japan's APPI), keeping the anonymous log.

What is erased: the customer's name and e-mail address, and the message texts (`text`
attribute) of their occasions (inquiries, reviews) and actions (replies). What stays: the
customer's id as the shop knows it, every occasion and action with its time, kind and other
attributes, and every check, finding and commitment, so the shop's reports and the other
customers' judgements do not change. No promise kind judges a text, so a later rebuild gives
the same judgements. The erasure is audited (who, when, what was erased: counts only, never
the erased values).
"""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record

from .models import Action, Customer, Occasion

PERSONAL_ATTRIBUTES = ("text",)
BATCH_SIZE = 500


@dataclass
class Erasure:
    """What one erasure removed."""

    customer: str
    erased_at: str
    name: bool
    email: bool
    occasion_texts: int
    action_texts: int

    def as_dict(self) -> dict:
        return asdict(self)


def _attributes_clear(queryset) -> int:
    """Remove the personal attributes of these rows, a batch at a time; return how many."""
    cleared, last_id = 0, 0
    model = queryset.model
    while True:
        rows = list(
            queryset.filter(id__gt=last_id).order_by("id").only("id", "attributes")[:BATCH_SIZE]
        )
        if not rows:
            return cleared
        last_id = rows[-1].pk
        changed = []
        for row in rows:
            if any(key in (row.attributes or {}) for key in PERSONAL_ATTRIBUTES):
                row.attributes = {
                    key: value
                    for key, value in row.attributes.items()
                    if key not in PERSONAL_ATTRIBUTES
                }
                changed.append(row)
        model.objects.bulk_update(changed, ["attributes"])
        cleared += len(changed)


@transaction.atomic
def customer_erase(*, customer: Customer, actor) -> Erasure:
    """Erase the customer's name, e-mail and message texts; audit it; return what was erased."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    erasure = Erasure(
        customer=customer.external_id,
        erased_at="",
        name=bool(customer.name),
        email=bool(customer.email),
        occasion_texts=_attributes_clear(Occasion.objects.filter(customer=customer)),
        action_texts=_attributes_clear(Action.objects.filter(customer=customer)),
    )
    customer.name, customer.email = "", ""
    customer.erased_at = timezone.now()
    customer.save(update_fields=["name", "email", "erased_at"])
    erasure.erased_at = customer.erased_at.isoformat()
    audit_record(
        shop=customer.shop,
        actor=actor,
        event="customer.erased",
        object_type="customer",
        object_id=customer.external_id,
        before=None,
        after={key: value for key, value in erasure.as_dict().items() if key != "customer"},
    )
    return erasure
