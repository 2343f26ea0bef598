"""The promise impact preview counts repeat customers from the judged log."""

import pytest

from tests.commitments.conftest import at


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 10})


def order_with_note(log, number, customer, when, lines):
    log.occasion(f"O-{number}", customer, "order_placed", at(when), total=3000, gift=False)
    log.action(
        f"N-{number}", customer, "note_enclosed", at(when), occasion=f"O-{number}", lines=lines
    )


@pytest.mark.django_db
class TestImpactFromTheLog:
    def test_lowering_counts_repeat_customers_who_got_more_than_the_new_level(
        self, api, shop, log, note_promise
    ):
        # A: repeat customer who got 10 and 12 lines -> above a 5-line promise.
        order_with_note(log, 1, "A", "2026-10-01 10:00", 10)
        order_with_note(log, 2, "A", "2026-11-02 10:00", 12)
        # B: one order only -> not a repeat customer.
        order_with_note(log, 3, "B", "2026-10-05 10:00", 10)
        # C: repeat customer whose best was exactly 5 lines -> not above.
        order_with_note(log, 4, "C", "2026-10-06 10:00", 4)
        order_with_note(log, 5, "C", "2026-11-06 10:00", 5)

        response = api.post(
            f"/api/v1/shops/{shop.slug}/promises/{note_promise.pk}/impact/",
            {"params": {"min_lines": 5}},
            format="json",
        )

        assert response.status_code == 200
        body = response.json()
        assert body["lowers"] is True
        assert body["repeat_customers_above_new_level"] == 1
        assert [row["customer"] for row in body["customers"]] == ["A"]
        assert body["customers"][0]["best_level"] == 12

    def test_raising_the_promise_does_not_lower_it(self, api, shop, log, note_promise):
        order_with_note(log, 1, "A", "2026-10-01 10:00", 10)
        order_with_note(log, 2, "A", "2026-11-02 10:00", 12)

        response = api.post(
            f"/api/v1/shops/{shop.slug}/promises/{note_promise.pk}/impact/",
            {"params": {"min_lines": 11}},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["lowers"] is False
        assert response.json()["repeat_customers_above_new_level"] == 1
