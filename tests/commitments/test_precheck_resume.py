"""The pre-check's customer read: its state of one kind of action comes with it (one query)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.judging import precheck_load as load
from commitments.models import Customer

from .conftest import at


@pytest.fixture
def noted(log, make_promise):
    make_promise("handwritten_note", {"min_lines": 5})
    log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-11-16 12:00"), occasion="O-1", lines=9)


def resume(shop, kind="note_enclosed", moment="2026-11-20 10:00"):
    customer = load.precheck_customer(shop=shop, external_id="C-1", kind=kind)
    with CaptureQueriesContext(connection) as captured:
        answer = load.can_resume(shop=shop, customer=customer, kind=kind, moment=at(moment))
    assert captured.captured_queries == []  # the state came with the customer
    return answer


@pytest.mark.django_db
class TestPrecheckCustomer:
    def test_judged_and_earlier_resumes(self, shop, noted):
        assert resume(shop) is True

    def test_a_later_action_of_the_kind_does_not(self, shop, noted):
        assert resume(shop, moment="2026-11-16 11:00") is False

    def test_an_unjudged_action_of_the_kind_does_not(self, shop, noted, log):
        log.action(
            "N-2", "C-1", "note_enclosed", at("2026-11-17 12:00"), occasion="O-1", lines=9,
            judge=False,
        )  # fmt: skip
        assert resume(shop) is False

    def test_no_action_of_the_kind_resumes(self, shop, noted):
        assert resume(shop, kind="shipped") is True

    def test_the_same_answer_as_can_resume_s_own_query(self, shop, noted, log):
        log.action("S-1", "C-1", "shipped", at("2026-11-17 12:00"), occasion="O-1", judge=False)
        plain = Customer.objects.get(external_id="C-1")
        for kind in ("note_enclosed", "shipped", "reply_sent"):
            for moment in ("2026-11-16 11:00", "2026-11-20 10:00"):
                expected = load.can_resume(shop=shop, customer=plain, kind=kind, moment=at(moment))
                assert resume(shop, kind=kind, moment=moment) is expected

    def test_an_unknown_customer_is_none(self, shop):
        assert load.precheck_customer(shop=shop, external_id="nobody", kind="shipped") is None
