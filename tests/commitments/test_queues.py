"""Working through the queues: pages, order, bulk decisions with one note, back to the same
place, counts in the navigation, the findings CSV (issue 17)."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from accounts.models import AuditEntry
from commitments.models import ActionException, ExceptionStatus, Finding, FindingStatus

from .conftest import at

EXCEPTIONS = "/shops/kobo/exceptions/"
FINDINGS = "/shops/kobo/findings/"


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def many_exceptions(make_promise, log):
    """25 closed-day replies recorded as exceptions, one minute apart (C-0 oldest)."""
    make_promise("holiday_replies", {"mode": "none"}, name="No closed-day replies")
    start = at("2026-11-23 09:00")
    for n in range(25):
        log.occasion(f"Q-{n}", f"C-{n}", "inquiry_received", start + timedelta(minutes=n))
        log.action(
            f"R-{n}",
            f"C-{n}",
            "reply_sent",
            start + timedelta(minutes=n, seconds=30),
            occasion=f"Q-{n}",
            exception={"reason": "our_mistake", "note": f"note {n}"},
        )
    return list(ActionException.objects.order_by("created_at", "id"))


@pytest.mark.django_db
class TestExceptionQueue:
    def test_twenty_per_page_oldest_first_or_newest_first(self, manager, many_exceptions):
        client = signed_in(manager)
        first = client.get(EXCEPTIONS).content.decode()
        assert first.count('class="exception"') == 20
        assert "25 exceptions" in first
        assert f'id="exception-{many_exceptions[0].pk}"' in first
        second = client.get(EXCEPTIONS, {"page": 2}).content.decode()
        assert second.count('class="exception"') == 5
        newest = client.get(EXCEPTIONS, {"order": "newest"}).content.decode()
        assert newest.index(f'id="exception-{many_exceptions[-1].pk}"') < newest.index(
            f'id="exception-{many_exceptions[-2].pk}"'
        )

    def test_a_decision_returns_to_the_same_page_at_the_next_item(self, manager, many_exceptions):
        client = signed_in(manager)
        here = f"{EXCEPTIONS}?order=newest&page=1"
        first, second = many_exceptions[-1], many_exceptions[-2]
        response = client.post(
            f"{EXCEPTIONS}{first.pk}/decide/",
            {"decision": "approved", "note": "ok", "next": f"{here}#exception-{second.pk}"},
        )
        assert response.status_code == 302
        assert response["Location"] == f"{here}#exception-{second.pk}"
        entry = AuditEntry.objects.get(event="exception.decided")
        assert entry.before["status"] == "requested" and entry.after["status"] == "approved"

    def test_bulk_approve_with_one_note(self, manager, many_exceptions):
        client = signed_in(manager)
        ids = [e.pk for e in many_exceptions[:3]]
        response = client.post(
            f"{EXCEPTIONS}decide/",
            {"ids": ids, "decision": "approved", "note": "all our mistakes", "next": EXCEPTIONS},
        )
        assert response.status_code == 302 and response["Location"] == EXCEPTIONS
        decided = ActionException.objects.filter(pk__in=ids)
        assert {(e.status, e.decision_note) for e in decided} == {
            (ExceptionStatus.APPROVED, "all our mistakes")
        }
        assert ActionException.objects.filter(status=ExceptionStatus.REQUESTED).count() == 22
        assert AuditEntry.objects.filter(event="exception.decided").count() == 3
        # The excused findings follow the decision.
        assert not Finding.objects.filter(action__exception__pk__in=ids, excused=False).exists()

    def test_the_pending_count_is_in_the_navigation(self, manager, many_exceptions):
        body = signed_in(manager).get(FINDINGS).content.decode()
        assert 'title="exceptions waiting for a decision">25</span>' in body


@pytest.mark.django_db
class TestFindingQueue:
    def test_total_order_bulk_acknowledge_and_csv(self, manager, many_exceptions):
        client = signed_in(manager)
        total = Finding.objects.count()
        assert total >= 25
        body = client.get(FINDINGS).content.decode()
        assert f"{total} findings" in body
        oldest = client.get(FINDINGS, {"order": "oldest"}).content.decode()
        first = Finding.objects.order_by("occurred_at", "id").first()
        assert oldest.index('class="finding"') < oldest.index(f'id="finding-{first.pk}"')
        assert oldest.index(f'id="finding-{first.pk}"') < oldest.index(
            f'id="finding-{Finding.objects.order_by("occurred_at", "id")[1].pk}"'
        )

        ids = list(Finding.objects.order_by("id").values_list("pk", flat=True)[:4])
        response = client.post(
            f"{FINDINGS}status/",
            {
                "ids": ids,
                "status": "acknowledged",
                "note": "seen",
                "next": f"{FINDINGS}?order=oldest",
            },
        )
        assert response["Location"] == f"{FINDINGS}?order=oldest"
        assert set(Finding.objects.filter(pk__in=ids).values_list("status", "status_note")) == {
            (FindingStatus.ACKNOWLEDGED, "seen")
        }

        export = client.get(f"{FINDINGS}export.csv", {"status": "acknowledged"})
        assert export["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8")[1:])))
        assert rows[0][:5] == ["When", "Type", "Status", "Excused", "Customer ID"]
        assert len(rows) == 1 + 4
        assert {row[2] for row in rows[1:]} == {"acknowledged"}

    def test_the_csv_headers_are_japanese_by_default(self, manager, many_exceptions):
        export = signed_in(manager, language="ja").get(f"{FINDINGS}export.csv")
        header = next(csv.reader(io.StringIO(export.content.decode("utf-8")[1:])))
        assert header[0] == "日時" and "お客様名" in header


@pytest.mark.django_db
def test_an_empty_queue_says_so(manager):
    body = signed_in(manager).get(EXCEPTIONS).content.decode()
    assert "No exceptions here." in body
