"""The bulk log: many occasions and actions in one request, each answered on its own.

`log_bulk_record` takes the records of `POST /api/v1/shops/{shop}/log/` (each the body of
an occasion or an action plus `"type"`), records them through services.log_record_batch
(a constant number of queries whatever the count) and returns, in the order sent, each
record's status: `created`, `duplicate`, `conflict` or `invalid` with its errors. The new
actions (and stored actions a new occasion answers) are judged in the background, on commit.
"""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from config.api_errors import django_validation_errors, flatten_errors

from . import jobs, selectors, services
from .error_codes import LogErrorCode
from .models import ActionException
from .serializers import ActionInSerializer, OccasionInSerializer

logger = logging.getLogger(__name__)

MAX_RECORDS = 1000
RECORD_TYPES = ("occasion", "action")


class BulkStatus:
    CREATED = "created"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass
class BulkResult:
    """One record's answer: its external id, status and (conflict, invalid) errors."""

    external_id: str | None
    status: str
    errors: list = field(default_factory=list)
    action_id: int | None = None
    occasion_id: int | None = None

    def as_dict(self) -> dict:
        data = {"external_id": self.external_id, "status": self.status}
        if self.errors:
            data["errors"] = self.errors
        return data


def _external_id(record) -> str | None:
    value = record.get("external_id") if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


def _invalid(external_id, errors: list) -> BulkResult:
    return BulkResult(external_id, BulkStatus.INVALID, errors)


def record_parse(record, *, index: int) -> tuple[dict | None, BulkResult | None]:
    """Return a record's row for log_record_batch, or its `invalid` result (no queries)."""
    external_id = _external_id(record)
    if not isinstance(record, dict):
        message = _("Record %(index)s must be a JSON object.") % {"index": index}
        return None, _invalid(None, [_error(LogErrorCode.INVALID_PARAM, None, message)])
    kind = record.get("type")
    if kind not in RECORD_TYPES:
        message = _("type must be occasion or action; got %(value)r.") % {"value": kind}
        code = LogErrorCode.REQUIRED if kind in (None, "") else LogErrorCode.INVALID_PARAM
        return None, _invalid(external_id, [_error(code, "type", message)])
    body = {key: value for key, value in record.items() if key != "type"}
    serializer = (OccasionInSerializer if kind == "occasion" else ActionInSerializer)(data=body)
    if not serializer.is_valid():
        return None, _invalid(external_id, flatten_errors(serializer.errors))
    return {"record": kind, **serializer.validated_data}, None


def _error(code, field_name, message) -> dict:
    return {"code": str(code), "field": field_name, "message": str(message)}


def _outcome_result(row: dict, pk: int | None, created: bool, error) -> BulkResult:
    external_id = row.get("external_id")
    if isinstance(error, services.Conflict):
        return BulkResult(
            external_id,
            BulkStatus.CONFLICT,
            [_error(LogErrorCode.CONFLICT, "external_id", error.message)],
        )
    if isinstance(error, ValidationError):
        return _invalid(external_id, django_validation_errors(error))
    status = BulkStatus.CREATED if created else BulkStatus.DUPLICATE
    result = BulkResult(external_id, status)
    if created and row["record"] == "action":
        result.action_id = pk
    elif created:
        result.occasion_id = pk
    return result


def _record_one_by_one(*, shop, rows: list[dict]) -> list[BulkResult]:
    """Record rows through the single-record services, each in its own savepoint."""
    results = []
    for row in rows:
        fields = {key: value for key, value in row.items() if key != "record"}
        call = services.occasion_record if row["record"] == "occasion" else services.action_record
        try:
            with transaction.atomic():
                stored, created = call(shop=shop, judge=False, **fields)
        except (ValidationError, services.Conflict) as error:
            results.append(_outcome_result(row, None, False, error))
            continue
        results.append(_outcome_result(row, stored.pk, created, None))
    return results


@transaction.atomic
def log_bulk_record(*, shop, records: list, requested_by=None) -> list[BulkResult]:
    """Record up to MAX_RECORDS occasions and actions; return each one's result, in order.

    Each record is idempotent by its external id as in occasion_record / action_record.
    Nothing is judged here: the created actions, and the stored actions whose occasion
    arrived in this batch, are queued for judging once the transaction commits.
    """
    results: list[BulkResult | None] = []
    rows: list[dict] = []
    positions: list[int] = []
    for index, record in enumerate(records):
        row, invalid = record_parse(record, index=index)
        if invalid is not None:
            results.append(invalid)
            continue
        positions.append(len(results))
        results.append(None)
        rows.append(row)
    if rows:
        try:
            with transaction.atomic():
                outcomes = services.log_record_batch(shop=shop, rows=rows)
            recorded = [
                _outcome_result(row, outcome.pk, outcome.created, outcome.error)
                for row, outcome in zip(rows, outcomes, strict=True)
            ]
        except DatabaseError as error:
            # A concurrent writer stored one of the ids first: the same answers, row by row.
            logger.info("Bulk log recorded row by row after: %s", error)
            recorded = _record_one_by_one(shop=shop, rows=rows)
        for position, result in zip(positions, recorded, strict=True):
            results[position] = result
    action_ids = [r.action_id for r in results if r.action_id is not None]
    occasion_ids = [r.occasion_id for r in results if r.occasion_id is not None]
    if action_ids and getattr(requested_by, "is_authenticated", False):
        ActionException.objects.filter(action_id__in=action_ids).update(requested_by=requested_by)
    if occasion_ids:
        action_ids += selectors.actions_unjudged_answering(occasion_ids=occasion_ids)
    if action_ids:
        jobs.judge_actions_enqueue(action_ids)
    return results
