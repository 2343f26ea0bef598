"""rebuild_commitments recomputes exactly the rows the incremental judging stored."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from commitments import judging, services
from commitments.models import Action, Check, Commitment, Customer, Finding
from policies.models import Shop

from .conftest import at

CHECK_FIELDS = (
    "id",
    "shop_id",
    "action_id",
    "promise_id",
    "promise_version_id",
    "occurred_at",
    "level",
    "kept",
)
FINDING_FIELDS = (
    "id",
    "shop_id",
    "customer_id",
    "promise_id",
    "promise_version_id",
    "action_id",
    "occasion_id",
    "type",
    "excused",
    "occurred_at",
    "message_ja",
    "message_en",
    "details",
    "status",
)
COMMITMENT_FIELDS = (
    "id",
    "shop_id",
    "customer_id",
    "promise_id",
    "last_level",
    "best_level",
    "count",
    "first_at",
    "last_at",
    "precedents",
)


def rows(*, with_ids=True):
    """Return every derived row as values, keyed so the comparison ignores storage order."""

    def values(model, fields, key):
        fields = fields if with_ids else tuple(f for f in fields if f != "id")
        return sorted((tuple(row[k] for k in key), row) for row in model.objects.values(*fields))

    return {
        "checks": values(Check, CHECK_FIELDS, ("action_id", "promise_id")),
        "findings": values(Finding, FINDING_FIELDS, ("action_id", "promise_id", "type")),
        "commitments": values(Commitment, COMMITMENT_FIELDS, ("customer_id", "promise_id")),
    }


@pytest.fixture
def incremental(shop, log, make_promise, add_version, manager):
    """A log judged record by record, with a backfill, exceptions and a promise change."""
    note = make_promise("handwritten_note", {"min_lines": 5, "precedent_above": 4})
    add_version(note, {"min_lines": 8}, effective_from=at("2026-10-01 00:00"))
    make_promise("shipping_cutoff", {"cutoff": "16:00"})
    make_promise("holiday_replies", {"mode": "none"})
    for c in range(5):
        customer = f"C-{c}"
        for n, (ordered, lines) in enumerate(
            [("2026-11-20 15:30", 6), ("2026-05-11 10:00", 10 + c), ("2026-11-24 18:00", 12)]
        ):
            log.occasion(f"{customer}-O{n}", customer, "order_placed", at(ordered), total=7000)
            log.action(
                f"{customer}-N{n}",
                customer,
                "note_enclosed",
                at(ordered),
                lines=lines,
                occasion=f"{customer}-O{n}",
            )
            log.action(
                f"{customer}-S{n}",
                customer,
                "shipped",
                at(ordered).replace(hour=17),
                occasion=f"{customer}-O{n}",
                exception={"reason": "goodwill"} if c == 1 else None,
            )
        log.occasion(f"{customer}-Q", customer, "inquiry_received", at("2026-11-21 11:00"))
        log.action(
            f"{customer}-R",
            customer,
            "reply_sent",
            at("2026-11-21 14:00"),
            occasion=f"{customer}-Q",
        )
    services.exception_decide(
        exception=Action.objects.get(external_id="C-1-S0").exception,
        status="approved",
        decided_by=manager,
    )
    assert Finding.objects.count() > 10
    return rows()


class TestRebuildCommitments:
    def test_rebuild_keeps_every_row_as_it_was(self, incremental):
        out = StringIO()
        call_command("rebuild_commitments", stdout=out)
        assert rows() == incremental
        assert "kobo: 5 customers" in out.getvalue()
        assert "created 0 checks, 0 findings, 0 commitments" in out.getvalue()

    def test_rebuild_from_nothing_gives_the_same_rows(self, incremental):
        Commitment.objects.all().delete()
        Check.objects.all().delete()
        Finding.objects.all().delete()
        call_command("rebuild_commitments", "--shop", "kobo", stdout=StringIO())
        assert rows(with_ids=False) == rows_without_ids(incremental)

    def test_rebuild_after_deleting_commitments_restores_them(self, incremental):
        Commitment.objects.all().delete()
        call_command("rebuild_commitments", stdout=StringIO())
        now = rows(with_ids=False)
        assert now == rows_without_ids(incremental)
        assert rows()["checks"] == incremental["checks"]
        assert rows()["findings"] == incremental["findings"]

    def test_rebuild_repairs_tampered_rows(self, incremental):
        Commitment.objects.update(count=99, precedents=[])
        Finding.objects.filter(type="drift").update(details={})
        Check.objects.update(kept=True)
        call_command("rebuild_commitments", stdout=StringIO())
        assert rows() == incremental

    def test_rebuild_reports_progress_per_batch(self, incremental):
        out = StringIO()
        call_command("rebuild_commitments", "--batch-size", "2", stdout=out)
        progress = [line for line in out.getvalue().splitlines() if "judged" in line]
        assert progress == [
            "  kobo: 2/5 customers judged",
            "  kobo: 4/5 customers judged",
            "  kobo: 5/5 customers judged",
        ]

    def test_only_the_named_shop_is_rebuilt(self, incremental):
        other = Shop.objects.create(slug="other", name="Other")
        services.occasion_record(
            shop=other,
            external_id="X",
            customer="Z",
            kind="order_placed",
            occurred_at="2026-11-16 10:00",
            attributes={},
        )
        out = StringIO()
        call_command("rebuild_commitments", "--shop", "other", stdout=out)
        assert "other: 1 customers" in out.getvalue()
        assert "kobo" not in out.getvalue()

    def test_customer_with_no_actions_loses_stale_commitments(self, incremental):
        customer = Customer.objects.get(external_id="C-0")
        Action.objects.filter(customer=customer).delete()
        call_command("rebuild_commitments", stdout=StringIO())
        assert Commitment.objects.filter(customer=customer).count() == 0
        assert Commitment.objects.count() == len(incremental["commitments"]) - 3

    def test_two_parts_together_are_the_whole_rebuild(self, incremental):
        Commitment.objects.all().delete()
        Check.objects.all().delete()
        Finding.objects.all().delete()
        first, second = StringIO(), StringIO()
        call_command("rebuild_commitments", "--part", "1/2", "--batch-size", "1", stdout=first)
        judged_first = set(Commitment.objects.values_list("customer_id", flat=True))
        # The first part alone judged some customers, not all.
        assert 0 < len(judged_first) < Customer.objects.count()
        call_command("rebuild_commitments", "--part", "2/2", "--batch-size", "1", stdout=second)
        assert rows(with_ids=False) == rows_without_ids(incremental)
        # Each customer in exactly one part.
        counted = [
            int(out.getvalue().split("kobo: ", 1)[1].split(" customers", 1)[0])
            for out in (first, second)
        ]
        assert sum(counted) == Customer.objects.count()
        assert "(part 1/2: ids .." in first.getvalue()

    def test_parts_cover_every_id_once(self, incremental):
        shop = Shop.objects.get(slug="kobo")
        ids = sorted(Customer.objects.filter(shop=shop).values_list("id", flat=True))
        for parts in (1, 2, 3, 7):
            seen = []
            for part in range(1, parts + 1):
                low, high = judging.customer_part(shop=shop, part=part, parts=parts)
                seen += [i for i in ids if (low is None or i >= low) and (high is None or i < high)]
            assert seen == ids

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            pytest.param(["--shop", "nope"], "No shop with slug 'nope'.", id="unknown-shop"),
            pytest.param(["--batch-size", "0"], "--batch-size must be at least 1.", id="batch"),
            pytest.param(["--part", "2"], "--part must be K/N, e.g. 1/2 (got '2').", id="part"),
            pytest.param(
                ["--part", "3/2"], "--part K/N needs 1 <= K <= N (got '3/2').", id="part-range"
            ),
        ],
    )
    def test_bad_arguments_are_refused(self, shop, args, message):
        with pytest.raises(CommandError) as caught:
            call_command("rebuild_commitments", *args, stdout=StringIO())
        assert str(caught.value) == message


def rows_without_ids(snapshot):
    return {
        name: [(key, {k: v for k, v in row.items() if k != "id"}) for key, row in items]
        for name, items in snapshot.items()
    }
