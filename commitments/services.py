"""The log: record occasions, actions and their exceptions, idempotently by external id.

Every write validates first (kinds, attributes, times in the shop's timezone), then stores
the record once per (shop, external id): the same content again returns the stored record,
other content under the same id raises `Conflict`. The unique constraints decide races
between concurrent requests; a lost race re-reads the winner and compares.

Judging is left to `commitments.judging`; with `judge=True` (the default) a service judges
the customers whose findings its write may change once the record is committed, so a
failure while judging never loses the record (the sweeper re-judges unjudged actions).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from config.db_retry import retry_on_conflict
from policies.vocabulary import ORDER_PLACED

from . import judging, maintenance
from .attributes import attributes_validate, kind_validate, text_error, time_parse
from .error_codes import LogErrorCode
from .models import (
    Action,
    ActionException,
    Customer,
    ExceptionReason,
    ExceptionStatus,
    Finding,
    FindingStatus,
    Occasion,
    UnjudgedAction,
    action_waiting,
)
from .order_counts import customer_orders_add

ID_MAX = 100
EXCEPTION_KEYS = ("reason", "note")
# Set from loaded objects, so full_clean need not check them with a query each.
OCCASION_FOREIGN_KEYS = ["shop", "customer"]
ACTION_FOREIGN_KEYS = ["shop", "customer", "occasion"]


class Conflict(Exception):
    """An external id already stored with other content; never merged silently."""

    code = LogErrorCode.CONFLICT

    def __init__(self, *, record, fields: list[str]):
        self.record = record
        self.fields = fields
        differ = ", ".join(fields) if fields else _("the content")
        if isinstance(record, Occasion):
            message = _(
                "The occasion %(external_id)r is already recorded with other content "
                "(differs in: %(differ)s). Send a new external_id for a new occasion."
            )
        else:
            message = _(
                "The action %(external_id)r is already recorded with other content "
                "(differs in: %(differ)s). Send a new external_id for a new action."
            )
        self.message = message % {"external_id": record.external_id, "differ": differ}
        super().__init__(self.message)


# ------------------------------------------------------------------------------
# Content: what makes two records with one external id the same
# ------------------------------------------------------------------------------
# json.dumps with these options builds an encoder per call; this one is built once.
_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def content_hash(content: dict) -> str:
    """Return the sha256 of the canonical JSON of a record's content."""
    return hashlib.sha256(_canonical_json(content).encode()).hexdigest()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def occasion_content(*, customer: str, kind: str, occurred_at: datetime, attributes: dict) -> dict:
    """Return the content of an occasion, as hashed and compared."""
    return {
        "customer": customer,
        "kind": kind,
        "occurred_at": _utc(occurred_at),
        "attributes": attributes,
    }


def action_content(
    *,
    customer: str,
    kind: str,
    occurred_at: datetime,
    occasion: str,
    staff: str,
    attributes: dict,
    exception: dict | None,
) -> dict:
    """Return the content of an action, as hashed and compared."""
    return {
        "customer": customer,
        "kind": kind,
        "occurred_at": _utc(occurred_at),
        "occasion": occasion,
        "staff": staff,
        "attributes": attributes,
        "exception": exception,
    }


def _stored_occasion_content(occasion: Occasion) -> dict:
    return occasion_content(
        customer=occasion.customer.external_id,
        kind=occasion.kind,
        occurred_at=occasion.occurred_at,
        attributes=occasion.attributes,
    )


def _stored_action_content(action: Action) -> dict:
    exception = getattr(action, "exception", None)
    return action_content(
        customer=action.customer.external_id,
        kind=action.kind,
        occurred_at=action.occurred_at,
        occasion=action.occasion_external_id,
        staff=action.staff,
        attributes=action.attributes,
        exception=None
        if exception is None
        else {"reason": exception.reason, "note": exception.note},
    )


def _same_or_conflict(record, *, content: dict, digest: str, stored_content):
    """Return the stored record when its content is `content`; raise Conflict otherwise."""
    if record.content_hash == digest:
        return record
    stored = stored_content(record)
    fields = sorted(key for key in content if content[key] != stored.get(key))
    raise Conflict(record=record, fields=fields)


# ------------------------------------------------------------------------------
# Validation shared by the records
# ------------------------------------------------------------------------------
def _error(message: str, *, code: str, field: str) -> ValidationError:
    return ValidationError(message.replace("%", "%%"), code=code, params={"field": field})


def _text(value, *, field: str, max_length: int, required: bool) -> tuple[str, list]:
    if value is None:
        value = ""
    if not isinstance(value, str):
        message = _("%(field)s must be a string.") % {"field": field}
        return "", [_error(message, code="invalid_param", field=field)]
    # ASCII text without NUL is storable: text_error only for the other texts.
    problem = None if value.isascii() and "\x00" not in value else text_error(value, field=field)
    if problem is not None:
        return "", [problem]
    value = value.strip()
    if required and not value:
        message = _("%(field)s is required.") % {"field": field}
        return "", [_error(message, code=LogErrorCode.REQUIRED, field=field)]
    if len(value) > max_length:
        message = _("%(field)s must be at most %(max_length)s characters.") % {
            "field": field,
            "max_length": max_length,
        }
        return "", [_error(message, code="invalid_param", field=field)]
    return value, []


def _shop_tz(shop) -> ZoneInfo:
    return ZoneInfo(shop.timezone)


def exception_validate(exception) -> dict | None:
    """Return an action's exception as {"reason", "note"}, checked; None when absent."""
    if exception is None:
        return None
    if not isinstance(exception, dict):
        raise _error(
            _("exception must be an object {reason, note}."),
            code="invalid_param",
            field="exception",
        )
    errors = [
        _error(
            _("Unknown key %(key)r in exception; allowed: reason, note.") % {"key": key},
            code="invalid_param",
            field=f"exception.{key}",
        )
        for key in exception
        if key not in EXCEPTION_KEYS
    ]
    reason = exception.get("reason")
    note, note_errors = _text(
        exception.get("note"), field="exception.note", max_length=2000, required=False
    )
    errors += note_errors
    if reason in (None, ""):
        errors.append(
            _error(_("exception.reason is required."), code="required", field="exception.reason")
        )
    elif reason not in ExceptionReason.values:
        errors.append(
            _error(
                _("exception.reason must be one of: %(reasons)s; got %(reason)r.")
                % {"reasons": ", ".join(ExceptionReason.values), "reason": reason},
                code="invalid_param",
                field="exception.reason",
            )
        )
    elif reason == ExceptionReason.OTHER and not note and not note_errors:
        errors.append(
            _error(
                _("An exception with reason 'other' needs a note saying why."),
                code="required",
                field="exception.note",
            )
        )
    if errors:
        raise ValidationError(errors)
    return {"reason": reason, "note": note}


def _customer_fields(customer, customer_name, customer_email) -> tuple[str, str, str, list]:
    customer, errors = _text(customer, field="customer", max_length=ID_MAX, required=True)
    name, more = _text(customer_name, field="customer_name", max_length=200, required=False)
    errors += more
    email, more = _text(customer_email, field="customer_email", max_length=254, required=False)
    errors += more
    if email and not more:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                _error(
                    _("customer_email is not an e-mail address."),
                    code="invalid_param",
                    field="customer_email",
                )
            )
    return customer, name, email, errors


def _collect(errors: list, call):
    try:
        return call()
    except ValidationError as error:
        errors.extend(error.error_list)
        return None


# ------------------------------------------------------------------------------
# Writes
# ------------------------------------------------------------------------------
def customer_get_or_create(*, shop, external_id: str, name: str = "", email: str = "") -> Customer:
    """Return the shop's customer with this external id, created on first sight.

    A name or e-mail sent with a record replaces the stored one: shops send their current
    customer data.
    """
    customer, created = Customer.objects.get_or_create(
        shop=shop, external_id=external_id, defaults={"name": name, "email": email}
    )
    if not created:
        changed = {
            field: value
            for field, value in (("name", name), ("email", email))
            if value and getattr(customer, field) != value
        }
        if changed:
            for field, value in changed.items():
                setattr(customer, field, value)
            # The shop is set from a loaded object: checking it would cost a query.
            customer.full_clean(exclude=["shop"], validate_unique=False, validate_constraints=False)
            customer.save(update_fields=list(changed))
    return customer


def occasion_validate(
    *,
    shop,
    external_id,
    customer,
    kind,
    occurred_at,
    attributes,
    customer_name="",
    customer_email="",
) -> dict:
    """Return an occasion's fields checked and cleaned as occasion_record stores them."""
    errors: list = []
    external_id, more = _text(external_id, field="external_id", max_length=ID_MAX, required=True)
    errors += more
    customer, customer_name, customer_email, more = _customer_fields(
        customer, customer_name, customer_email
    )
    errors += more
    kind = _collect(errors, lambda: kind_validate(record="occasion", kind=kind))
    if kind is not None:
        attributes = _collect(
            errors,
            lambda: attributes_validate(record="occasion", kind=kind, attributes=attributes),
        )
    moment = _collect(errors, lambda: time_parse(occurred_at, tz=_shop_tz(shop)))
    if errors:
        raise ValidationError(errors)
    return {
        "external_id": external_id,
        "customer": customer,
        "customer_name": customer_name,
        "customer_email": customer_email,
        "kind": kind,
        "attributes": attributes,
        "occurred_at": moment,
    }


@retry_on_conflict
def occasion_record(
    *,
    shop,
    external_id: str,
    customer: str,
    kind: str,
    occurred_at,
    attributes: dict | None,
    customer_name: str = "",
    customer_email: str = "",
    judge: bool = True,
) -> tuple[Occasion, bool]:
    """Record an occasion once per external id; return it and whether it was created.

    Actions that arrived earlier naming this occasion are linked to it in one UPDATE and
    marked unjudged; with `judge=True` their customers are judged again after the commit.
    """
    clean = occasion_validate(
        shop=shop,
        external_id=external_id,
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        attributes=attributes,
        customer_name=customer_name,
        customer_email=customer_email,
    )
    external_id, customer, kind = clean["external_id"], clean["customer"], clean["kind"]
    customer_name, customer_email = clean["customer_name"], clean["customer_email"]
    attributes, moment = clean["attributes"], clean["occurred_at"]

    content = occasion_content(
        customer=customer, kind=kind, occurred_at=moment, attributes=attributes
    )
    digest = content_hash(content)
    linked_customers: list[int] = []
    with transaction.atomic():
        existing = (
            Occasion.objects.select_related("customer")
            .filter(shop=shop, external_id=external_id)
            .first()
        )
        if existing is not None:
            stored = _same_or_conflict(
                existing,
                content=content,
                digest=digest,
                stored_content=_stored_occasion_content,
            )
            return stored, False
        owner = customer_get_or_create(
            shop=shop, external_id=customer, name=customer_name, email=customer_email
        )
        occasion = Occasion(
            shop=shop,
            customer=owner,
            external_id=external_id,
            kind=kind,
            occurred_at=moment,
            attributes=attributes,
            content_hash=digest,
        )
        occasion.full_clean(
            exclude=OCCASION_FOREIGN_KEYS, validate_unique=False, validate_constraints=False
        )
        try:
            with transaction.atomic():
                occasion.save()
        except IntegrityError:
            existing = Occasion.objects.select_related("customer").get(
                shop=shop, external_id=external_id
            )
            stored = _same_or_conflict(
                existing,
                content=content,
                digest=digest,
                stored_content=_stored_occasion_content,
            )
            return stored, False
        if occasion.kind == ORDER_PLACED.id:
            customer_orders_add(orders=[(owner.pk, occasion.occurred_at)])
        waiting = Action.objects.filter(
            shop=shop, occasion_external_id=external_id, occasion__isnull=True
        )
        linked = list(waiting.values_list("id", "customer_id"))
        linked_customers = sorted({customer_id for _, customer_id in linked})
        if linked:
            # Unjudged again: a judge that read them unlinked will not mark them judged
            # (judging.reconcile._mark_judged), so the sweeper finds them if nobody judges them now.
            ids = [pk for pk, _ in linked]
            waiting.filter(id__in=ids).update(occasion=occasion)
            actions_unjudge(ids)
    if judge and linked_customers:
        judging.judge_customers(shop=shop, customer_ids=linked_customers)
    return occasion, True


def action_validate(
    *,
    shop,
    customer,
    kind,
    occurred_at,
    occasion="",
    staff="",
    exception=None,
    attributes,
    customer_name="",
    customer_email="",
    external_id=None,
) -> dict:
    """Return an action's fields checked and cleaned as action_record stores them.

    Shared by action_record and the pre-check so both reject the same input with the same
    errors. With `external_id=None` the id is not checked (a pre-check has none).
    """
    errors: list = []
    clean: dict = {}
    if external_id is not None:
        clean["external_id"], more = _text(
            external_id, field="external_id", max_length=ID_MAX, required=True
        )
        errors += more
    customer, customer_name, customer_email, more = _customer_fields(
        customer, customer_name, customer_email
    )
    errors += more
    occasion, more = _text(occasion, field="occasion", max_length=ID_MAX, required=False)
    errors += more
    staff, more = _text(staff, field="staff", max_length=100, required=False)
    errors += more
    kind = _collect(errors, lambda: kind_validate(record="action", kind=kind))
    if kind is not None:
        attributes = _collect(
            errors,
            lambda: attributes_validate(record="action", kind=kind, attributes=attributes),
        )
    moment = _collect(errors, lambda: time_parse(occurred_at, tz=_shop_tz(shop)))
    exception = _collect(errors, lambda: exception_validate(exception))
    if errors:
        raise ValidationError(errors)
    clean.update(
        customer=customer,
        customer_name=customer_name,
        customer_email=customer_email,
        occasion=occasion,
        staff=staff,
        kind=kind,
        attributes=attributes,
        occurred_at=moment,
        exception=exception,
    )
    return clean


@retry_on_conflict
def action_record(
    *,
    shop,
    external_id: str,
    customer: str,
    kind: str,
    occurred_at,
    occasion: str = "",
    staff: str = "",
    exception: dict | None = None,
    attributes: dict | None,
    requested_by=None,
    customer_name: str = "",
    customer_email: str = "",
    judge: bool = True,
) -> tuple[Action, bool]:
    """Record an action once per external id; return it and whether it was created.

    `occasion` is the external id of the occasion it answers; it is linked now if that
    occasion is stored, or when it arrives. `exception` ({"reason", "note"}) is stored as
    the action's ActionException. With `judge=True` the customer is judged after the commit
    (also when a retry finds the action stored but not yet judged).
    """
    clean = action_validate(
        shop=shop,
        external_id=external_id,
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        occasion=occasion,
        staff=staff,
        exception=exception,
        attributes=attributes,
        customer_name=customer_name,
        customer_email=customer_email,
    )
    external_id, customer, kind = clean["external_id"], clean["customer"], clean["kind"]
    customer_name, customer_email = clean["customer_name"], clean["customer_email"]
    occasion, staff, attributes = clean["occasion"], clean["staff"], clean["attributes"]
    moment, exception = clean["occurred_at"], clean["exception"]

    content = action_content(
        customer=customer,
        kind=kind,
        occurred_at=moment,
        occasion=occasion,
        staff=staff,
        attributes=attributes,
        exception=exception,
    )
    digest = content_hash(content)
    created = False
    with transaction.atomic():
        existing = (
            Action.objects.select_related("customer", "exception")
            .filter(shop=shop, external_id=external_id)
            .first()
        )
        if existing is None:
            owner = customer_get_or_create(
                shop=shop, external_id=customer, name=customer_name, email=customer_email
            )
            answered = (
                Occasion.objects.filter(shop=shop, external_id=occasion).first()
                if occasion
                else None
            )
            action = Action(
                shop=shop,
                customer=owner,
                external_id=external_id,
                kind=kind,
                occurred_at=moment,
                occasion_external_id=occasion,
                occasion=answered,
                staff=staff,
                attributes=attributes,
                content_hash=digest,
            )
            action.full_clean(
                exclude=ACTION_FOREIGN_KEYS, validate_unique=False, validate_constraints=False
            )
            try:
                with transaction.atomic():
                    action.save()
                    UnjudgedAction.objects.create(action=action, since=action.created_at)
                    if exception is not None:
                        ActionException.objects.create(
                            action=action,
                            reason=exception["reason"],
                            note=exception["note"],
                            requested_by=requested_by
                            if getattr(requested_by, "is_authenticated", False)
                            else None,
                        )
            except IntegrityError:
                existing = Action.objects.select_related("customer", "exception").get(
                    shop=shop, external_id=external_id
                )
            else:
                created = True
        if existing is not None:
            action = _same_or_conflict(
                existing, content=content, digest=digest, stored_content=_stored_action_content
            )
    if judge and (created or action.judged_at is None):
        judging.judge_customers(shop=shop, customer_ids=[action.customer_id])
        action = (
            Action.objects.select_related("customer", "exception")
            .annotate(waiting=action_waiting())
            .get(pk=action.pk)
        )
    return action, created


def actions_unjudge(ids: list[int]) -> None:
    """Make these stored actions wait to be judged again (linked to their occasion since
    they were loaded or judged), in one upsert: a row already there gets the new time, so a
    judging that loaded it before does not delete it (judging.reconcile._mark_judged)."""
    since = timezone.now()
    UnjudgedAction.objects.bulk_create(
        [UnjudgedAction(action_id=pk, since=since) for pk in ids],
        update_conflicts=True,
        unique_fields=["action"],
        update_fields=["since"],
    )


# ------------------------------------------------------------------------------
# Batches: many records with a constant number of queries
# ------------------------------------------------------------------------------
@dataclass(slots=True)
class RecordOutcome:
    """What became of one record of a batch: stored (created), found again, or refused.

    `pk` is the id of the stored record (created, or found again); `record` the record
    found already stored in the database (a duplicate of an earlier write), else None: a
    batch's new records are written as rows, not built as model instances.
    """

    pk: int | None = None
    created: bool = False
    error: ValidationError | Conflict | None = None
    record: Occasion | Action | None = None


def _batch_customer(customers: dict, new: list, changed: dict, *, shop, clean: dict) -> Customer:
    """Return the batch's customer for a record, as customer_get_or_create would leave it."""
    external_id, name, email = clean["customer"], clean["customer_name"], clean["customer_email"]
    customer = customers.get(external_id)
    if customer is None:
        customer = Customer(shop=shop, external_id=external_id, name=name, email=email)
        customers[external_id] = customer
        new.append(customer)
        return customer
    updates = {
        field: value
        for field, value in (("name", name), ("email", email))
        if value and getattr(customer, field) != value
    }
    if updates:
        before = {field: getattr(customer, field) for field in updates}
        for field, value in updates.items():
            setattr(customer, field, value)
        try:
            customer.full_clean(exclude=["shop"], validate_unique=False, validate_constraints=False)
        except ValidationError:
            for field, value in before.items():
                setattr(customer, field, value)
            raise
        if customer.pk is not None:
            changed[customer.pk] = customer
    return customer


@dataclass(slots=True)
class _New:
    """A record the batch creates: its row as written (attribute names, `id` once written),
    its content, and the objects whose keys it takes once they are written."""

    model: type
    row: dict
    content: dict
    customer: Customer
    occasion: "_New | None" = None  # a new occasion of this batch an action answers


def _same_or_conflict_new(new: _New, *, content: dict, digest: str) -> None:
    """Return when a batch's new record has this content; raise Conflict otherwise."""
    if new.row["content_hash"] == digest:
        return
    fields = sorted(key for key in content if content[key] != new.content.get(key))
    raise Conflict(record=new.model(**new.row), fields=fields)


@transaction.atomic
def log_record_batch(*, shop, rows: list[dict], source_import=None) -> list[RecordOutcome]:
    """Record a batch of occasions and actions in a constant number of queries.

    Return each row's outcome. A row is {"record": "occasion" | "action"} plus the
    arguments of occasion_record / action_record (without shop and judge). The outcomes and
    the stored rows are those of calling the services row by row in order with judge=False:
    the same validation, content hashes, duplicates and conflicts (also within the batch),
    customers and links, and waiting actions linked and marked unjudged. Nothing is judged.
    With `source_import`, the occasions and actions created remember that import.
    A concurrent writer makes an insert raise IntegrityError; the caller then records the
    rows one by one instead.
    """
    outcomes = [RecordOutcome() for _ in rows]
    cleaned = []
    for index, row in enumerate(rows):
        fields = dict(row)
        record = fields.pop("record")
        try:
            if record == "occasion":
                clean = occasion_validate(shop=shop, **fields)
                content = occasion_content(
                    customer=clean["customer"],
                    kind=clean["kind"],
                    occurred_at=clean["occurred_at"],
                    attributes=clean["attributes"],
                )
            else:
                clean = action_validate(shop=shop, **fields)
                content = action_content(
                    customer=clean["customer"],
                    kind=clean["kind"],
                    occurred_at=clean["occurred_at"],
                    occasion=clean["occasion"],
                    staff=clean["staff"],
                    attributes=clean["attributes"],
                    exception=clean["exception"],
                )
        except ValidationError as error:
            outcomes[index].error = error
            continue
        cleaned.append((index, record, clean, content, content_hash(content)))

    # Three reads for the whole batch: its customers, occasions (stored or answered) and actions.
    customer_ids = {clean["customer"] for _, _, clean, _, _ in cleaned}
    occasion_ids = {
        clean["external_id"] if record == "occasion" else clean["occasion"]
        for _, record, clean, _, _ in cleaned
    } - {""}
    action_ids = {clean["external_id"] for _, record, clean, _, _ in cleaned if record == "action"}
    customers = {
        customer.external_id: customer
        for customer in (
            Customer.objects.filter(shop=shop, external_id__in=customer_ids) if customer_ids else []
        )
    }
    # external id -> the record stored, or the batch's new record (_New)
    occasions = {
        occasion.external_id: occasion
        for occasion in (
            Occasion.objects.select_related("customer").filter(
                shop=shop, external_id__in=occasion_ids
            )
            if occasion_ids
            else []
        )
    }
    actions = {
        action.external_id: action
        for action in (
            Action.objects.select_related("customer", "exception").filter(
                shop=shop, external_id__in=action_ids
            )
            if action_ids
            else []
        )
    }

    new_customers: list[Customer] = []
    changed_customers: dict[int, Customer] = {}
    new_occasions: list[_New] = []
    new_actions: list[_New] = []
    new_exceptions: list[tuple[_New, dict]] = []
    keyed: list[tuple[RecordOutcome, _New]] = []  # outcomes given a new record's key at the end
    waiting: dict[str, list[_New]] = {}  # actions of this batch whose occasion is not stored
    shop_id = shop.pk
    source_import_id = None if source_import is None else source_import.pk
    for index, record, clean, content, digest in cleaned:
        outcome = outcomes[index]
        external_id = clean["external_id"]
        known = occasions if record == "occasion" else actions
        stored = known.get(external_id)
        if stored is not None:
            try:
                if isinstance(stored, _New):
                    _same_or_conflict_new(stored, content=content, digest=digest)
                    keyed.append((outcome, stored))
                else:
                    outcome.record = _same_or_conflict(
                        stored,
                        content=content,
                        digest=digest,
                        stored_content=_stored_occasion_content
                        if record == "occasion"
                        else _stored_action_content,
                    )
                    outcome.pk = stored.pk
            except Conflict as conflict:
                outcome.error = conflict
            continue
        try:
            customer = _batch_customer(
                customers, new_customers, changed_customers, shop=shop, clean=clean
            )
        except ValidationError as error:
            outcome.error = error
            continue
        # No full_clean per row: occasion_validate / action_validate checked every field
        # it would (lengths as the model's, known kinds, JSON attributes, aware times), and
        # the foreign keys are those of loaded or written objects (tests/commitments/
        # test_imports_batch.py checks the lengths and kinds against the models). The rows
        # are written as they are (maintenance.rows_insert_keyed): no model instance is
        # built for a record only to be copied. A key not known yet (a new customer, an
        # occasion of this batch) is set once that record is written.
        if record == "occasion":
            new = _New(
                Occasion,
                {
                    "shop_id": shop_id,
                    "customer_id": customer.pk,
                    "external_id": external_id,
                    "kind": clean["kind"],
                    "occurred_at": clean["occurred_at"],
                    "attributes": clean["attributes"],
                    "content_hash": digest,
                    "source_import_id": source_import_id,
                },
                content,
                customer,
            )
            new_occasions.append(new)
            for action in waiting.pop(external_id, ()):
                action.occasion = new
        else:
            answered = occasions.get(clean["occasion"]) if clean["occasion"] else None
            new = _New(
                Action,
                {
                    "shop_id": shop_id,
                    "customer_id": customer.pk,
                    "external_id": external_id,
                    "kind": clean["kind"],
                    "occurred_at": clean["occurred_at"],
                    "occasion_external_id": clean["occasion"],
                    "occasion_id": answered.pk if isinstance(answered, Occasion) else None,
                    "staff": clean["staff"],
                    "attributes": clean["attributes"],
                    "content_hash": digest,
                    "source_import_id": source_import_id,
                },
                content,
                customer,
                answered if isinstance(answered, _New) else None,
            )
            new_actions.append(new)
            if clean["occasion"] and answered is None:
                waiting.setdefault(clean["occasion"], []).append(new)
            if clean["exception"] is not None:
                new_exceptions.append((new, clean["exception"]))
        # Later rows with this external id compare with this row's content.
        known[external_id] = new
        outcome.created = True
        keyed.append((outcome, new))

    if new_customers:
        maintenance.objects_insert(Customer, new_customers)
    if changed_customers:
        Customer.objects.bulk_update(list(changed_customers.values()), ["name", "email"])
    for new in new_occasions:
        new.row["customer_id"] = new.customer.pk
    for new in new_actions:
        new.row["customer_id"] = new.customer.pk
    if new_occasions:
        maintenance.rows_insert_keyed(Occasion, [new.row for new in new_occasions])
        ordered = [
            (new.row["customer_id"], new.row["occurred_at"])
            for new in new_occasions
            if new.row["kind"] == ORDER_PLACED.id
        ]
        if ordered:
            customer_orders_add(orders=ordered)
        # Actions stored earlier naming these occasions: linked in one UPDATE and unjudged
        # again, as occasion_record does (this batch's actions are linked below).
        waiting = Action.objects.filter(
            shop=shop,
            occasion_external_id__in=[new.row["external_id"] for new in new_occasions],
            occasion__isnull=True,
        )
        relinked = list(waiting.values_list("id", flat=True))
        if relinked:
            waiting.filter(id__in=relinked).update(
                occasion=Subquery(
                    Occasion.objects.filter(
                        shop=shop, external_id=OuterRef("occasion_external_id")
                    ).values("pk")[:1]
                )
            )
            actions_unjudge(relinked)
    if new_actions:
        for new in new_actions:
            if new.occasion is not None:
                new.row["occasion_id"] = new.occasion.row["id"]
        maintenance.rows_insert_keyed(Action, [new.row for new in new_actions])
        # Each waiting to be judged, since it was stored.
        since = timezone.now()
        maintenance.rows_insert(
            UnjudgedAction, [{"action_id": new.row["id"], "since": since} for new in new_actions]
        )
    if new_exceptions:
        maintenance.rows_insert(
            ActionException,
            [
                {
                    "action_id": new.row["id"],
                    "reason": exception["reason"],
                    "note": exception["note"],
                }
                for new, exception in new_exceptions
            ],
        )
    for outcome, new in keyed:
        outcome.pk = new.row["id"]
    return outcomes


@retry_on_conflict
def exception_record(
    *, action: Action, reason: str, note: str = "", requested_by=None, judge: bool = True
) -> ActionException:
    """Record an exception for an action that has none, then judge its customer again."""
    clean = exception_validate({"reason": reason, "note": note})
    with transaction.atomic():
        if ActionException.objects.filter(action=action).exists():
            raise _error(
                "This action already has an exception; decide that one instead.",
                code=LogErrorCode.CONFLICT,
                field="exception",
            )
        exception = ActionException(
            action=action,
            reason=clean["reason"],
            note=clean["note"],
            requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        )
        exception.full_clean()
        exception.save()
    if judge:
        judging.judge_customers(shop=action.shop, customer_ids=[action.customer_id])
    return exception


@retry_on_conflict
def exception_decide(
    *,
    exception: ActionException,
    status: str,
    decided_by,
    note: str = "",
    judge: bool = True,
) -> ActionException:
    """Record a manager's decision (approved or rejected) on an exception, then re-judge."""
    if status not in (ExceptionStatus.APPROVED, ExceptionStatus.REJECTED):
        raise _error(
            "status must be 'approved' or 'rejected'.",
            code=LogErrorCode.INVALID_STATUS,
            field="status",
        )
    with transaction.atomic():
        before = {"status": exception.status, "decision_note": exception.decision_note}
        exception.status = status
        if not getattr(decided_by, "is_authenticated", False):
            decided_by = None
        exception.decided_by = decided_by
        exception.decided_at = timezone.now()
        exception.decision_note = note or ""
        exception.full_clean()
        exception.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            shop=exception.action.shop,
            actor=decided_by,
            event="exception.decided",
            object_type="exception",
            object_id=exception.pk,
            before=before,
            after={
                "status": exception.status,
                "decision_note": exception.decision_note,
                "action": exception.action.external_id,
                "customer": exception.action.customer.external_id,
            },
        )
    if judge:
        action = exception.action
        judging.judge_customers(shop=action.shop, customer_ids=[action.customer_id])
    return exception


def exceptions_decide(
    *, exceptions: list[ActionException], status: str, decided_by, note: str = ""
) -> list[ActionException]:
    """Decide several exceptions with one note (each audited), then judge their customers once."""
    if not exceptions:
        return []
    with transaction.atomic():
        for exception in exceptions:
            exception_decide(
                exception=exception, status=status, decided_by=decided_by, note=note, judge=False
            )
    shop = exceptions[0].action.shop
    judging.judge_customers_batched(
        shop=shop, customer_ids=sorted({exception.action.customer_id for exception in exceptions})
    )
    return exceptions


def findings_set_status(
    *, findings: list[Finding], status: str, note: str = "", by=None
) -> list[Finding]:
    """Acknowledge, resolve or reopen several findings with one note (each one audited)."""
    with transaction.atomic():
        for finding in findings:
            finding_set_status(finding=finding, status=status, note=note, by=by)
    return findings


@retry_on_conflict
def finding_set_status(*, finding: Finding, status: str, note: str = "", by=None) -> Finding:
    """Record that a person acknowledged, resolved or reopened a finding, with a note."""
    if status not in FindingStatus.values:
        raise _error(
            _("status must be one of: %(statuses)s; got %(status)r.")
            % {"statuses": ", ".join(FindingStatus.values), "status": status},
            code=LogErrorCode.INVALID_STATUS,
            field="status",
        )
    note, errors = _text(note, field="note", max_length=2000, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = {"status": finding.status, "note": finding.status_note}
        finding.status = status
        finding.status_note = note
        finding.status_by = by if getattr(by, "is_authenticated", False) else None
        finding.status_at = timezone.now()
        finding.full_clean(validate_unique=False, validate_constraints=False)
        finding.save(update_fields=["status", "status_note", "status_by", "status_at"])
        audit_record(
            shop=finding.shop,
            actor=by,
            event="finding.status_changed",
            object_type="finding",
            object_id=finding.pk,
            before=before,
            after={"status": status, "note": note},
        )
    return finding
