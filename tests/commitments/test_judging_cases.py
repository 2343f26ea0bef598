"""Judging from one truth, written from the cases of issues 11 and 12.

A backdated promise, a shop that creates its promises today and imports six months, the
re-judge marks of a policy change, a re-judge that dies midway, and a customer whose
judging raises.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from commitments import jobs, judging, sweeper
from commitments.judging import marks
from commitments.models import Action, Check, Commitment, Customer, Finding
from commitments.prechecks import precheck_run
from policies import hooks
from policies.kinds import registry
from policies.selectors import promise_impact
from policies.services import promise_create, promise_edit

from .conftest import at


def note_history(log, customer, months, *, lines=10, judge=True, year=2026):
    """Record an order and a `lines`-line note on the 10th of each month, for the customer."""
    for month in months:
        order = f"{customer}-O{month}"
        log.occasion(
            order, customer, "order_placed", at(f"{year}-{month:02d}-10 10:00"), judge, total=5000
        )
        log.action(
            f"{customer}-N{month}",
            customer,
            "note_enclosed",
            at(f"{year}-{month:02d}-10 13:00"),
            order,
            judge=judge,
            lines=lines,
        )


def stored_state(shop):
    """Return the stored judgements of the shop, comparable between two moments."""
    return {
        "checks": sorted(
            Check.objects.filter(shop=shop).values_list(
                "action__external_id", "promise_id", "promise_version_id", "level", "kept"
            )
        ),
        "findings": sorted(
            Finding.objects.filter(shop=shop).values_list(
                "action__external_id", "promise_id", "promise_version_id", "type", "excused"
            ),
            key=repr,
        ),
        "commitments": sorted(
            (c.customer_id, c.promise_id, c.last_level, c.best_level, c.count, repr(c.precedents))
            for c in Commitment.objects.filter(shop=shop)
        ),
    }


def fresh_derivation_equals_stored(shop) -> bool:
    """Return whether judging every customer again from the log changes nothing stored."""
    before = stored_state(shop)
    result = judging.judge_shop(shop=shop)
    changed = sum(result.created.values()) + sum(result.updated.values())
    changed += sum(result.deleted.values())
    return changed == 0 and stored_state(shop) == before


@pytest.mark.django_db
class TestBackdatedPromise:
    """Six 10-line notes June–November, then a note promise effective from June."""

    def test_creating_it_rejudges_and_the_precheck_and_recording_say_drift(
        self, shop, log, manager, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        note_history(log, "C-1", range(6, 12))
        assert Commitment.objects.count() == 0
        with django_capture_on_commit_callbacks(execute=True):
            promise = promise_create(
                shop=shop,
                kind="handwritten_note",
                name="Note",
                params={"min_lines": 5},
                author=manager,
                effective_from=at("2026-06-01 00:00"),
            )
        # Marked in the promise's own transaction, before any worker ran.
        assert Customer.objects.get(external_id="C-1").rejudge_requested_at is not None
        assert marks.rejudge_progress(shop=shop) == 1
        log.occasion("O-new", "C-1", "order_placed", at("2026-11-20 10:00"), total=5000)
        pending = precheck_run(
            shop=shop,
            customer="C-1",
            kind="note_enclosed",
            occurred_at=at("2026-11-20 13:00"),
            occasion="O-new",
            attributes={"lines": 6},
        )
        assert (pending.verdict, pending.judged) == ("drift", True)

        run_worker()
        commitment = Commitment.objects.get(promise=promise)
        assert (commitment.count, commitment.best_level, commitment.last_level) == (6, 10.0, 10.0)
        assert marks.rejudge_progress(shop=shop) == 0
        answer = precheck_run(
            shop=shop,
            customer="C-1",
            kind="note_enclosed",
            occurred_at=at("2026-11-20 13:00"),
            occasion="O-new",
            attributes={"lines": 6},
        )
        assert answer.verdict == "drift"
        action = log.action(
            "N-new", "C-1", "note_enclosed", at("2026-11-20 13:00"), "O-new", lines=6
        )
        stored = sorted(Finding.objects.filter(action=action).values_list("type", flat=True))
        assert stored == [finding["type"] for finding in answer.findings] == ["drift"]


@pytest.mark.django_db
class TestPromiseCreatedAfterImportedHistory:
    """A shop creates its promise today, then imports its last six months."""

    @pytest.fixture
    def imported(self, shop, log, manager):
        promise = promise_create(
            shop=shop,
            kind="handwritten_note",
            name="Note",
            params={"min_lines": 5},
            author=manager,
            rejudge=False,
        )
        now = timezone.now()
        for n in range(6):
            ordered = now - timedelta(days=30 * (6 - n))
            log.occasion(f"O-{n}", "C-1", "order_placed", ordered, judge=False, total=5000)
            log.action(
                f"N-{n}",
                "C-1",
                "note_enclosed",
                ordered + timedelta(hours=3),
                f"O-{n}",
                judge=False,
                lines=10,
            )
        judging.judge_actions(action_ids=Action.objects.values_list("id", flat=True))
        return promise

    def test_history_before_the_promise_is_the_customers_experience(self, shop, imported, api):
        [commitment] = api.get("/api/v1/shops/kobo/customers/C-1/commitments/").json()
        assert (commitment["best_level"], commitment["last_level"], commitment["count"]) == (
            10.0,
            10.0,
            6,
        )
        # Experience, not judged: no checks and no findings before the promise existed.
        assert (Check.objects.count(), Finding.objects.count()) == (0, 0)

    def test_precheck_of_a_shorter_note_is_drift_against_the_last_ten(self, shop, log, imported):
        log.occasion("O-9", "C-1", "order_placed", timezone.now(), total=5000)
        answer = precheck_run(
            shop=shop,
            customer="C-1",
            kind="note_enclosed",
            occurred_at=timezone.now() + timedelta(minutes=1),
            occasion="O-9",
            attributes={"lines": 6},
        )
        assert answer.verdict == "drift"
        assert answer.commitment[str(imported.pk)]["before"]["last_level"] == 10.0

    def test_the_impact_of_lowering_five_to_three_counts_that_customer(self, imported):
        params = registry.get("handwritten_note").validate_params({"min_lines": 3})
        impact = promise_impact(promise=imported, new_params=params)
        assert impact["repeat_customers_above_new_level"] == 1
        assert [row["customer"] for row in impact["customers"]] == ["C-1"]


@pytest.mark.fault  # issue 12 item 2
@pytest.mark.django_db
class TestRejudgeMarks:
    @pytest.fixture
    def customers(self, shop, log):
        log.occasion("A-O", "A", "order_placed", at("2026-03-10 10:00"), judge=False)
        log.action("A-N", "A", "note_enclosed", at("2026-05-10 10:00"), "A-O", judge=False, lines=5)
        log.occasion("B-O", "B", "order_placed", at("2026-05-20 10:00"), judge=False)
        log.occasion("C-O", "C", "order_placed", at("2026-09-10 10:00"), judge=False)
        Customer.objects.create(shop=shop, external_id="D")

    def marked(self, shop):
        return sorted(
            Customer.objects.filter(shop=shop, rejudge_requested_at__isnull=False).values_list(
                "external_id", flat=True
            )
        )

    @pytest.mark.parametrize(
        ("since", "until", "expected"),
        [
            pytest.param("2026-05-01 00:00", "2026-06-01 00:00", ["A", "B"], id="may"),
            pytest.param("2026-03-10 10:00", "2026-03-10 10:01", ["A"], id="since-inclusive"),
            pytest.param("2026-09-01 00:00", "2026-09-10 10:00", [], id="until-exclusive"),
            pytest.param("2026-09-01 00:00", None, ["C"], id="open-end"),
            pytest.param(None, None, ["A", "B", "C", "D"], id="everyone"),
        ],
    )
    def test_the_receiver_marks_the_customers_of_the_window(
        self, shop, customers, since, until, expected, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as queued:
            hooks.rejudge_needed(
                hooks.RejudgeRequest(
                    shop_id=shop.pk,
                    reason="calendar.changed",
                    since=at(since) if since else None,
                    until=at(until) if until else None,
                )
            )
        assert self.marked(shop) == expected
        assert hooks.rejudge_pending(shop.pk) == len(expected)
        assert len(queued) == (1 if expected else 0)

    def test_a_mark_set_again_during_a_judging_survives_it(self, shop, customers, monkeypatch):
        marks.rejudge_mark(shop_id=shop.pk)
        customer = Customer.objects.get(external_id="A")
        derive = judging.reconcile.derive

        def remark_meanwhile(**kwargs):
            # A policy change marks the customer again while it is being judged.
            Customer.objects.filter(pk=customer.pk).update(
                rejudge_requested_at=timezone.now() + timedelta(seconds=1)
            )
            return derive(**kwargs)

        monkeypatch.setattr(judging.reconcile, "derive", remark_meanwhile)
        judging.judge_customers(shop=shop, customer_ids=[customer.pk])
        customer.refresh_from_db()
        assert customer.rejudge_requested_at is not None

    def test_the_promises_page_says_how_many_customers_are_left(
        self, shop, customers, client, manager
    ):
        marks.rejudge_mark(shop_id=shop.pk)
        client.force_login(manager)
        page = client.get("/shops/kobo/promises/").content.decode()
        assert "Re-judging: 4 customers left" in page


@pytest.mark.fault  # issue 12 item 2
@pytest.mark.django_db
class TestRejudgeThatDies:
    def test_one_sweep_finishes_what_a_dead_worker_left(
        self,
        shop,
        log,
        manager,
        make_promise,
        rq_queue,
        run_worker,
        django_capture_on_commit_callbacks,
        monkeypatch,
    ):
        promise = make_promise("handwritten_note", {"min_lines": 5})
        for n in range(5):
            note_history(log, f"C-{n}", [9, 10], lines=6 + n)
        with django_capture_on_commit_callbacks(execute=True):
            promise_edit(
                promise=promise,
                params={"min_lines": 8},
                reason="more lines",
                author=manager,
                effective_from=at("2026-01-01 00:00"),
            )
        assert marks.rejudge_progress(shop=shop) == 5
        # The worker judges one batch of two, then dies before queueing the next one.
        monkeypatch.setattr(jobs, "REJUDGE_BATCH", 2)

        def die(shop_id):
            raise SystemExit("worker killed")

        monkeypatch.setattr(jobs, "rejudge_batch_enqueue", die)
        with pytest.raises(SystemExit):
            jobs.rejudge_batch_job(shop.pk)
        monkeypatch.undo()
        assert marks.rejudge_progress(shop=shop) == 3
        rq_queue.empty()

        with django_capture_on_commit_callbacks(execute=True):
            result = sweeper.sweep(now=timezone.now() + timedelta(minutes=10))
        assert result.rejudge_resumed == 1
        run_worker()
        assert marks.rejudge_progress(shop=shop) == 0
        assert fresh_derivation_equals_stored(shop)
        assert Finding.objects.filter(type="breach").count() == 2 * 2  # 6 and 7 lines < 8


@pytest.mark.fault  # issue 12 item 1, judging side
@pytest.mark.django_db
class TestPoisonCustomer:
    @pytest.fixture
    def poisoned(self, shop, log, make_promise, monkeypatch):
        make_promise("handwritten_note", {"min_lines": 5})
        kind = registry.get("handwritten_note")
        evaluate = type(kind).evaluate

        def explode(self, ctx):
            if ctx.action.attributes.get("lines") == 13:
                raise OverflowError("int too large to convert to float")
            return evaluate(self, ctx)

        monkeypatch.setattr(type(kind), "evaluate", explode)
        for n in range(3):
            note_history(log, f"C-{n}", [10], lines=6, judge=False)
        note_history(log, "POISON", [10], lines=13, judge=False)
        return kind

    def test_the_other_customers_of_the_batch_are_judged(self, shop, poisoned):
        result = judging.judge_shop(shop=shop)
        poison = Customer.objects.get(external_id="POISON")
        assert [customer_id for customer_id, _error in result.failed] == [poison.pk]
        assert Commitment.objects.filter(customer__external_id__startswith="C-").count() == 3
        assert Action.objects.filter(unjudged__isnull=False).count() == 1
        assert poison.judge_attempts == 1
        assert poison.judge_error.startswith("OverflowError: int too large")

    def test_recording_for_the_poison_customer_stores_and_answers(self, shop, log, poisoned):
        action = log.action("P-2", "POISON", "note_enclosed", at("2026-11-10 13:00"), lines=13)
        assert Action.objects.filter(pk=action.pk).exists()
        assert Customer.objects.get(external_id="POISON").judge_failed_at is not None

    def test_the_sweeper_retries_with_backoff_and_reports(
        self, shop, poisoned, django_capture_on_commit_callbacks
    ):
        judging.judge_shop(shop=shop)
        now = timezone.now()
        with django_capture_on_commit_callbacks() as queued:
            soon = sweeper.sweep(now=now + timedelta(minutes=1))
        assert (soon.retried_customers, soon.requeued_actions, len(queued)) == (0, 0, 0)
        assert [row["customer"] for row in soon.failed] == ["POISON"]
        later = sweeper.sweep(now=now + timedelta(minutes=6))
        assert later.retried_customers == 1
        jobs.judge_customers_job(shop.pk, [Customer.objects.get(external_id="POISON").pk])
        poison = Customer.objects.get(external_id="POISON")
        assert poison.judge_attempts == 2
        assert sweeper.retry_backoff(2) == timedelta(minutes=10)
        assert [
            row["customer"] for row in sweeper.sweep(now=now + timedelta(minutes=7)).failed
        ] == ["POISON"]

    def test_rebuild_skips_and_lists_what_it_cannot_judge(self, shop, poisoned, capsys):
        call_command("rebuild_commitments", shop="kobo")
        out = capsys.readouterr().out
        assert "not judged: customer POISON (1 attempts): OverflowError" in out
        assert "1 customers could not be judged" in out
        assert Commitment.objects.count() == 3

    def test_a_fixed_customer_is_cleared_when_judged(self, shop, poisoned, monkeypatch):
        judging.judge_shop(shop=shop)
        monkeypatch.undo()
        judging.judge_shop(shop=shop)
        poison = Customer.objects.get(external_id="POISON")
        assert (poison.judge_error, poison.judge_failed_at, poison.judge_attempts) == ("", None, 0)
        assert Commitment.objects.count() == 4


@pytest.mark.fault  # issue 12 item 2
@pytest.mark.django_db
class TestPrecheckWhileARejudgeIsPending:
    def test_it_walks_the_log_instead_of_trusting_stored_commitments(self, shop, log, make_promise):
        promise = make_promise("handwritten_note", {"min_lines": 5})
        note_history(log, "C-1", [9, 10])
        log.occasion("O-new", "C-1", "order_placed", at("2026-11-20 10:00"), total=5000)

        def answer():
            return precheck_run(
                shop=shop,
                customer="C-1",
                kind="note_enclosed",
                occurred_at=at("2026-11-20 13:00"),
                occasion="O-new",
                attributes={"lines": 6},
            )

        # Stored rows a pending re-judge is about to change (as after a policy change).
        Commitment.objects.filter(promise=promise).update(last_level=6.0, best_level=6.0)
        assert answer().verdict == "ok"  # resumed from the (stale) stored commitment
        marks.rejudge_mark(shop_id=shop.pk)
        pending = answer()
        assert pending.verdict == "drift"
        assert pending.commitment[str(promise.pk)]["before"]["last_level"] == 10.0
