"""Permission matrix entries of the commitments app (see accounts/permissions.py).

Pre-check (API and page), customers, findings and the exceptions queue. The log API and
the imports add their entries here too.
"""

from datetime import UTC, datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.permissions import Case, api, page, signed_in
from commitments import services
from commitments.models import Finding, Import
from policies.services import promise_create


def _breach(world) -> Finding:
    """Return a fresh breach: a 4-line note under a 10-line promise, with an exception."""
    promise_create(
        shop=world.shop,
        kind="handwritten_note",
        name="Notes",
        params={"min_lines": 10},
        author=world.users["manager"],
        effective_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    services.occasion_record(
        shop=world.shop,
        external_id="MX-O-1",
        customer="MX-C-1",
        kind="order_placed",
        occurred_at="2026-11-20 10:00",
        attributes={"total": 5000},
    )
    action, _created = services.action_record(
        shop=world.shop,
        external_id="MX-N-1",
        customer="MX-C-1",
        kind="note_enclosed",
        occurred_at="2026-11-20 12:00",
        occasion="MX-O-1",
        attributes={"lines": 4},
        exception={"reason": "goodwill", "note": "matrix"},
    )
    return Finding.objects.get(action=action)


def _precedent(world) -> dict:
    """Return the kwargs of a fresh precedent: a 10-line note under a 2-line promise."""
    promise_create(
        shop=world.shop,
        kind="handwritten_note",
        name="Short notes",
        params={"min_lines": 2, "precedent_above": 3},
        author=world.users["manager"],
        effective_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    action, _created = services.action_record(
        shop=world.shop,
        external_id="MX-N-P",
        customer="MX-C-2",
        kind="note_enclosed",
        occurred_at="2026-11-20 12:00",
        attributes={"lines": 10},
    )
    finding = Finding.objects.get(action=action, type="precedent")
    return {"shop": world.shop.slug, "pk": finding.pk}


def _precedent_api(world) -> dict:
    kwargs = _precedent(world)
    return {"shop": kwargs["shop"], "finding_id": kwargs["pk"]}


def _finding(world):
    return {"shop": world.shop.slug, "pk": _breach(world).pk}


def _exception(world):
    return {"shop": world.shop.slug, "pk": _breach(world).action.exception.pk}


def _finding_ids(world):
    return {"ids": [_breach(world).pk], "status": "acknowledged", "note": "seen"}


def _exception_ids(world):
    return {"ids": [_breach(world).action.exception.pk], "decision": "approved", "note": "ok"}


def _customer(world):
    services.customer_get_or_create(shop=world.shop, external_id="MX-C-1")
    return {"shop": world.shop.slug, "customer": "MX-C-1"}


def _import(world):
    imp = Import.objects.create(shop=world.shop, filename="matrix.csv", size=10)
    return {"shop": world.shop.slug, "import_id": imp.pk}


def _done_import(world):
    imp = Import.objects.create(shop=world.shop, filename="matrix.csv", size=10, status="done")
    return {"shop": world.shop.slug, "import_id": imp.pk}


def _upload(world):
    body = b"type,external_id,customer,kind,occurred_at\r\n"
    return {"file": SimpleUploadedFile("matrix.csv", body, content_type="text/csv")}


PRECHECK_BODY = {
    "customer": "MX-C-1",
    "kind": "reply_sent",
    "occurred_at": "2026-11-23 10:00",
    "attributes": {},
}

MATRIX = {
    # --- the log API ------------------------------------------------------------------
    "occasion-record": Case(
        POST=api("staff", ok=201),
        data={
            "external_id": "MX-O-9",
            "customer": "MX-C-1",
            "kind": "order_placed",
            "occurred_at": "2026-11-20 10:00",
            "attributes": {"total": 5000},
        },
    ),
    "action-record": Case(
        POST=api("staff", ok=201),
        data={
            "external_id": "MX-R-9",
            "customer": "MX-C-1",
            "kind": "reply_sent",
            "occurred_at": "2026-11-20 10:00",
            "attributes": {},
        },
    ),
    "log-bulk-record": Case(
        POST=api("staff"),
        data={
            "records": [
                {
                    "type": "occasion",
                    "external_id": "MX-O-8",
                    "customer": "MX-C-1",
                    "kind": "order_placed",
                    "occurred_at": "2026-11-20 10:00",
                    "attributes": {"total": 5000},
                }
            ]
        },
    ),
    "finding-list": Case(GET=api("viewer")),
    "finding-public": Case(
        kwargs=_precedent_api,
        PUT=api("manager"),
        DELETE=api("manager"),
        data={"note": "told in a review"},
        format="json",
    ),
    "customer-commitment-list": Case(kwargs=_customer, GET=api("viewer")),
    # --- pre-check --------------------------------------------------------------------
    "precheck-run": Case(POST=api("staff"), data=PRECHECK_BODY),
    "commitments:precheck": Case(
        GET=page("staff"),
        POST=page("staff"),
        data={"customer": "MX-C-1", "kind": "reply_sent", "occurred_at": "2026-11-23T10:00"},
    ),
    "commitments:precheck-occasions": Case(GET=page("staff"), query="customer=MX-C-1"),
    # --- today's worklist --------------------------------------------------------------
    "commitments:worklist": Case(GET=page("viewer")),
    "commitments:packing": Case(GET=page("staff"), POST=page("staff")),
    # --- customers --------------------------------------------------------------------
    "commitments:customer-list": Case(GET=page("viewer")),
    "commitments:customer-search": Case(GET=page("viewer"), query="q=MX"),
    "commitments:customer-detail": Case(kwargs=_customer, GET=page("viewer")),
    "commitments:customer-erase": Case(
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
        data=lambda world: {"customer": _customer(world)["customer"], "confirm": "yes"},
    ),
    "customer-erase": Case(kwargs=_customer, POST=api("manager")),
    # --- findings and exceptions ------------------------------------------------------
    "commitments:finding-list": Case(GET=page("viewer")),
    "commitments:finding-status": Case(
        kwargs=_finding,
        GET=signed_in(ok=405),
        POST=page("staff", ok=302),
        data={"status": "acknowledged", "note": "seen"},
    ),
    "commitments:finding-export": Case(GET=page("viewer")),
    "commitments:finding-detail": Case(kwargs=_finding, GET=page("viewer")),
    "commitments:finding-public": Case(
        kwargs=_precedent,
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
        data={"public": "yes", "note": "told in a review"},
    ),
    "commitments:finding-status-bulk": Case(
        GET=signed_in(ok=405), POST=page("staff", ok=302), data=_finding_ids
    ),
    "commitments:exception-queue": Case(GET=page("manager")),
    "commitments:exception-decide-bulk": Case(
        GET=signed_in(ok=405), POST=page("manager", ok=302), data=_exception_ids
    ),
    "commitments:exception-decide": Case(
        kwargs=_exception,
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
        data={"decision": "approved", "note": "ok"},
    ),
    # --- imports ----------------------------------------------------------------------
    "commitments:import-list": Case(
        GET=page("staff"), POST=page("staff", ok=302), data=_upload, format="multipart"
    ),
    "commitments:import-example": Case(GET=page("staff")),
    "commitments:import-detail": Case(kwargs=_import, GET=page("staff")),
    "commitments:import-status": Case(kwargs=_import, GET=page("staff")),
    "imports": Case(GET=api("staff"), POST=api("staff", ok=202), data=_upload, format="multipart"),
    "import-detail": Case(kwargs=_import, GET=api("staff")),
    "commitments:import-undo": Case(
        kwargs=_done_import,
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
        data={"confirm": "yes"},
    ),
    "import-undo": Case(kwargs=_done_import, POST=api("manager"), format="json"),
}
