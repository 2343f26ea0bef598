"""Undoing an import: exactly its records and their judgements go, the rest equals a rebuild."""

import io

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from commitments import imports, judging, services
from commitments.imports import ImportUndoRefused, import_run, import_undo
from commitments.judging import marks
from commitments.models import (
    Action,
    ActionException,
    Check,
    Commitment,
    Customer,
    Finding,
    Import,
    ImportStatus,
    Occasion,
)
from commitments.public_precedents import precedent_make_public
from policies import hooks

from .conftest import at
from .import_support import action, csv_bytes, order

CHECK_KEY = ("action__external_id", "promise_id", "promise_version_id", "level", "kept")
FINDING_KEY = (
    "customer__external_id",
    "action__external_id",
    "occasion__external_id",
    "type",
    "excused",
    "message_en",
    "status",
)
COMMITMENT_KEY = (
    "customer__external_id",
    "promise_id",
    "last_level",
    "best_level",
    "count",
    "first_at",
    "last_at",
    "precedents",
)


def judgements(shop) -> dict:
    """Return the shop's stored judgements as comparable rows (no ids)."""
    return {
        "checks": sorted(map(repr, Check.objects.filter(shop=shop).values_list(*CHECK_KEY))),
        "findings": sorted(map(repr, Finding.objects.filter(shop=shop).values_list(*FINDING_KEY))),
        "commitments": sorted(
            map(repr, Commitment.objects.filter(shop=shop).values_list(*COMMITMENT_KEY))
        ),
    }


def fresh(shop) -> dict:
    """Return the judgements a derivation from scratch of the shop's log stores."""
    Check.objects.filter(shop=shop).delete()
    Finding.objects.filter(shop=shop, action__isnull=False).delete()
    Commitment.objects.filter(shop=shop).delete()
    judging.judge_shop(shop=shop)
    return judgements(shop)


def run(shop, rows, *, by=None) -> Import:
    data = csv_bytes(rows)
    imp = Import.objects.create(shop=shop, filename="undo.csv", size=len(data), created_by=by)
    import_run(imp=imp, stream=io.BytesIO(data))
    judging.judge_shop(shop=shop)  # what the queued jobs do after the commit
    return imp


IMPORTED = [
    order("O-1", "C-1", "2026-11-17 10:00"),
    action("note_enclosed", "N-1", "O-1", "C-1", "2026-11-17 14:00", lines="4"),
    order("O-2", "C-9", "2026-11-17 11:00"),
    action(
        "note_enclosed",
        "N-2",
        "O-2",
        "C-9",
        "2026-11-17 15:00",
        lines="3",
        exception_reason="goodwill",
        exception_note="gift",
    ),
    # Answered below by an action recorded through the API: kept by the undo.
    order("O-3", "C-1", "2026-11-18 10:00"),
    # Already stored before the import: a duplicate, not the import's.
    order("O-0", "C-1", "2026-11-16 10:00"),
]


@pytest.fixture
def world(shop, make_promise, log, manager):
    """A shop with records of its own, then an import, then an API action answering it."""
    make_promise("handwritten_note", {"min_lines": 10})
    log.occasion("O-0", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000, gift=False)
    log.action("N-0", "C-1", "note_enclosed", at("2026-11-16 14:00"), occasion="O-0", lines=12)
    log.occasion("O-5", "C-5", "order_placed", at("2026-11-16 10:00"), total=5000, gift=False)
    log.action("N-5", "C-5", "note_enclosed", at("2026-11-16 14:00"), occasion="O-5", lines=2)
    imp = run(shop, IMPORTED, by=manager)
    log.action("N-3", "C-1", "note_enclosed", at("2026-11-18 14:00"), occasion="O-3", lines=11)
    judging.judge_shop(shop=shop)
    return imp


@pytest.mark.django_db
class TestImportRemembersItsRecords:
    @pytest.mark.parametrize("fast", [True, False], ids=["batch", "row by row"])
    def test_created_records_name_their_import_and_duplicates_do_not(
        self, shop, log, monkeypatch, fast
    ):
        monkeypatch.setattr(imports, "BATCH_FAST", fast)
        log.occasion("O-0", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000, gift=False)
        imp = run(shop, IMPORTED)
        assert imp.status == ImportStatus.DONE
        assert sorted(
            Occasion.objects.filter(source_import=imp).values_list("external_id", flat=True)
        ) == ["O-1", "O-2", "O-3"]
        assert sorted(
            Action.objects.filter(source_import=imp).values_list("external_id", flat=True)
        ) == ["N-1", "N-2"]
        assert Occasion.objects.get(external_id="O-0").source_import is None


@pytest.mark.django_db
class TestImportUndo:
    def test_removes_exactly_its_records_and_the_rest_equals_a_fresh_derivation(
        self, shop, world, manager
    ):
        assert Finding.objects.filter(action__external_id="N-1").exists()
        result = import_undo(imp=world, by=manager)

        assert (result.actions, result.occasions, result.occasions_kept) == (2, 2, 1)
        assert result.customers_removed == 1  # C-9 came with the import and has nothing left
        assert sorted(Action.objects.values_list("external_id", flat=True)) == [
            "N-0",
            "N-3",
            "N-5",
        ]
        assert sorted(Occasion.objects.values_list("external_id", flat=True)) == [
            "O-0",
            "O-3",
            "O-5",
        ]
        assert Occasion.objects.get(external_id="O-3").source_import is None
        assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["C-1", "C-5"]
        assert not ActionException.objects.exists()
        assert not Finding.objects.filter(action__external_id__in=["N-1", "N-2"]).exists()
        assert not Customer.objects.filter(rejudge_requested_at__isnull=False).exists()
        world.refresh_from_db()
        assert (world.status, world.undone_by) == (ImportStatus.UNDONE, manager)
        assert world.undone_at is not None

        after = judgements(shop)
        # The other customer's breach is still there, and C-1 counts N-0 and N-3 only.
        assert "'N-5'" in " ".join(after["findings"])
        c1 = Commitment.objects.get(customer__external_id="C-1")
        assert (c1.count, c1.last_level, c1.best_level) == (2, 11.0, 12.0)
        assert after == fresh(shop)

    def test_is_audited_with_what_it_removed(self, world, manager):
        import_undo(imp=world, by=manager)
        entry = AuditEntry.objects.get(event="import.undone")
        assert (entry.actor, entry.object_type, entry.object_id) == (
            manager,
            "import",
            str(world.pk),
        )
        assert entry.before == {"status": "done", "filename": "undo.csv"}
        assert entry.after == {
            "status": "undone",
            "actions": 2,
            "occasions": 2,
            "occasions_kept": 1,
            "customers_removed": 1,
        }

    def test_refused_once_a_finding_from_it_was_acknowledged(self, world, manager):
        finding = Finding.objects.get(action__external_id="N-1")
        services.finding_set_status(finding=finding, status="acknowledged", by=manager)
        with pytest.raises(ImportUndoRefused) as refused:
            import_undo(imp=world, by=manager)
        assert refused.value.code == "findings_handled"
        assert "acknowledged" in refused.value.message
        assert Action.objects.filter(source_import=world).count() == 2
        assert Import.objects.get(pk=world.pk).status == ImportStatus.DONE
        assert not AuditEntry.objects.filter(event="import.undone").exists()

    def test_refused_once_an_exception_on_its_actions_was_decided(self, world, manager):
        exception = ActionException.objects.get(action__external_id="N-2")
        services.exception_decide(exception=exception, status="approved", decided_by=manager)
        with pytest.raises(ImportUndoRefused) as refused:
            import_undo(imp=world, by=manager)
        assert refused.value.code == "exceptions_decided"
        assert Occasion.objects.filter(source_import=world).count() == 3

    def test_refused_twice_and_while_running(self, shop, world, manager):
        import_undo(imp=world, by=manager)
        with pytest.raises(ImportUndoRefused) as again:
            import_undo(imp=world, by=manager)
        assert again.value.code == "import_undone"
        running = Import.objects.create(shop=shop, filename="x.csv", status=ImportStatus.RUNNING)
        with pytest.raises(ImportUndoRefused) as busy:
            import_undo(imp=running, by=manager)
        assert busy.value.code == "import_not_finished"


def page(name, imp):
    return reverse(f"commitments:{name}", kwargs={"shop": "kobo", "import_id": imp.pk})


@pytest.mark.django_db
class TestUndoPageAndApi:
    def test_a_manager_undoes_it_from_its_page_after_confirming(self, client, world, manager):
        client.force_login(manager)
        shown = client.get(page("import-detail", world)).content.decode()
        assert page("import-undo", world) in shown
        assert 'name="confirm"' in shown

        unconfirmed = client.post(page("import-undo", world))
        assert unconfirmed.status_code == 302
        assert Import.objects.get(pk=world.pk).status == ImportStatus.DONE

        response = client.post(page("import-undo", world), {"confirm": "yes"}, follow=True)
        assert response.redirect_chain[-1][0] == page("import-detail", world)
        text = response.content.decode()
        assert "2 actions and 2 occasions removed" in text
        assert 'id="import-undone"' in text
        assert page("import-undo", world) not in text
        assert Import.objects.get(pk=world.pk).status == ImportStatus.UNDONE

    def test_staff_see_no_undo_button(self, client, world, staff):
        client.force_login(staff)
        assert (
            page("import-undo", world)
            not in client.get(page("import-detail", world)).content.decode()
        )

    def test_the_page_says_why_it_was_refused(self, client, world, manager):
        services.finding_set_status(
            finding=Finding.objects.get(action__external_id="N-1"), status="resolved", by=manager
        )
        client.force_login(manager)
        response = client.post(page("import-undo", world), {"confirm": "yes"}, follow=True)
        assert "can no longer be undone" in response.content.decode()

    def test_the_api_undoes_it_and_answers_409_the_second_time(self, api, world):
        url = reverse("import-undo", kwargs={"shop": "kobo", "import_id": world.pk})
        response = api.post(url)
        assert response.status_code == 200
        body = response.json()
        assert body["import"]["status"] == "undone"
        assert body["import"]["undone_at"] is not None
        assert (body["actions"], body["occasions"], body["occasions_kept"]) == (2, 2, 1)
        assert (body["customers_removed"], body["customers_judged"]) == (1, 1)
        again = api.post(url)
        assert again.status_code == 409
        assert again.json()["errors"][0]["code"] == "import_undone"

    def test_the_schema_documents_the_undo(self, api):
        schema = api.get("/api/v1/schema/?format=json").json()
        operation = schema["paths"]["/api/v1/shops/{shop}/imports/{import_id}/undo/"]["post"]
        assert operation["operationId"] == "import_undo"
        assert {"200", "404", "409"} <= set(operation["responses"])


@pytest.mark.django_db
class TestUndoOfAPublicPrecedent:
    """An imported closed-day reply told in a review (a public precedent): undone, it no
    longer raises anyone's expectation, and the customers judged against it are judged
    again."""

    def test_the_customers_judged_against_it_are_judged_again(
        self, shop, make_promise, log, manager
    ):
        make_promise("holiday_replies", {"mode": "none"})
        imp = run(
            shop,
            [
                {
                    "type": "occasion",
                    "external_id": "A-Q1",
                    "customer": "A",
                    "kind": "inquiry_received",
                    "occurred_at": "2026-11-21 11:00",
                    "channel": "email",
                },
                action("reply_sent", "A-R1", "A-Q1", "A", "2026-11-21 15:00"),
            ],
            by=manager,
        )
        told = Finding.objects.get(type="precedent", action__external_id="A-R1")
        precedent_make_public(
            finding=told, note="told in a review", by=manager, now=at("2026-11-25 09:00")
        )
        rejudge_all(shop)
        log.occasion("B-Q2", "B", "inquiry_received", at("2026-11-28 11:00"), channel="email")
        log.action("B-R2", "B", "reply_sent", at("2026-11-30 10:30"), occasion="B-Q2")
        assert Finding.objects.filter(customer__external_id="B").get().type == "drift"
        seen = []
        receiver = hooks.rejudge_receiver(seen.append)
        try:
            import_undo(imp=imp, by=manager)
        finally:
            hooks._receivers.remove(receiver)

        assert [(r.reason, r.since) for r in seen] == [
            ("finding.public_gone", at("2026-11-25 09:00"))
        ]
        # B was not the import's: marked for the re-judge, which removes the drift.
        assert Customer.objects.get(external_id="B").rejudge_requested_at is not None
        rejudge_all(shop)
        assert not Finding.objects.filter(customer__external_id="B").exists()
        assert judgements(shop) == fresh(shop)

    def test_an_undo_without_public_precedents_asks_for_no_more(self, world, manager):
        seen = []
        receiver = hooks.rejudge_receiver(seen.append)
        try:
            import_undo(imp=world, by=manager)
        finally:
            hooks._receivers.remove(receiver)
        assert seen == []


def rejudge_all(shop):
    """Run the re-judge the marks ask for (the job's work, without the queue)."""
    more = True
    while more:
        _result, more = marks.rejudge_marked_batch(shop=shop)
