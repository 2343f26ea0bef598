"""Public precedents (seeds/004, DESIGN "if told publicly, everyone's").

Customer A got a reply on a closed day (a precedent); a review told it. Once a manager marks
it public, every other customer who waits for the next open day is drift, with the public
precedent named; not before the marking, and not after the mark is withdrawn. The pre-check
says the same as recording and a rebuild; marking is audited, asks for a re-judge, and is
for managers only (web and API).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from commitments import judging
from commitments.judging import marks
from commitments.judging.load import log_load, public_load
from commitments.models import Commitment, Customer, Finding
from commitments.prechecks import precheck_run
from commitments.public_precedents import (
    precedent_make_public,
    precedent_withdraw_public,
    public_precedents,
)
from policies import hooks

from .conftest import at

# 2026-11-21 (Sat), 22 (Sun) and 23 (Mon, 勤労感謝の日) are closed; 24 (Tue) is open.
REVIEW = "told in a review"


@pytest.fixture
def promise(make_promise):
    return make_promise("holiday_replies", {"mode": "none"})


def inquiry_and_reply(log, customer, n, received, replied):
    log.occasion(f"{customer}-Q{n}", customer, "inquiry_received", at(received), channel="email")
    return log.action(
        f"{customer}-R{n}", customer, "reply_sent", at(replied), occasion=f"{customer}-Q{n}"
    )


def found(customer=None):
    rows = Finding.objects.select_related("action")
    if customer is not None:
        rows = rows.filter(customer__external_id=customer)
    return sorted((f.action.external_id, f.type) for f in rows)


def rejudge_all(shop):
    """Run the re-judge the marks ask for (the job's work, without the queue)."""
    more = True
    while more:
        _result, more = marks.rejudge_marked_batch(shop=shop)


@pytest.fixture
def precedent(log, promise):
    """Customer A's closed-day reply: the precedent a review told."""
    inquiry_and_reply(log, "A", 1, "2026-11-21 11:00", "2026-11-21 15:00")
    return Finding.objects.get(type="precedent")


class TestJudging:
    def test_another_customer_waiting_is_drift_once_the_precedent_is_public(
        self, shop, log, precedent, manager
    ):
        # B's first wait is before the marking; B's second is after it.
        inquiry_and_reply(log, "B", 1, "2026-11-22 10:00", "2026-11-24 10:30")
        precedent_make_public(
            finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25 09:00")
        )
        rejudge_all(shop)
        assert found("B") == []
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        assert found("B") == [("B-R2", "drift")]
        drift = Finding.objects.get(action__external_id="B-R2")
        assert drift.message_en.startswith(
            "Public precedent: a reply on a closed day on Sat 2026-11-21 (told in a review)."
        )
        assert "公開された前例：2026年11月21日(土)の休業日の返信（told in a review）" in (
            drift.message_ja
        )
        [named] = drift.details["public_precedents"]
        assert (named["finding"], named["action"], named["what"], named["note"]) == (
            precedent.pk,
            "A-R1",
            "closed_day_reply",
            REVIEW,
        )
        # What B experienced is unchanged: B never got a closed-day reply.
        b = Commitment.objects.get(customer__external_id="B")
        assert (b.best_level, b.precedents) == (0.0, [])

    def test_without_the_mark_other_customers_are_not_affected(self, log, precedent):
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        assert found("B") == []

    def test_withdrawing_the_mark_removes_the_drift(self, shop, log, precedent, manager):
        precedent_make_public(finding=precedent, by=manager, now=at("2026-11-25 09:00"))
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        assert found("B") == [("B-R2", "drift")]
        precedent_withdraw_public(finding=precedent, by=manager)
        assert Customer.objects.get(external_id="B").rejudge_requested_at is not None
        rejudge_all(shop)
        assert found("B") == []
        assert found("A") == [("A-R1", "precedent")]

    def test_a_new_note_is_named_after_the_rejudge(self, shop, log, precedent, manager):
        precedent_make_public(finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25"))
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        precedent_make_public(finding=precedent, note="an Instagram post", by=manager)
        rejudge_all(shop)
        drift = Finding.objects.get(action__external_id="B-R2")
        assert "(an Instagram post)" in drift.message_en
        # The marking time stays: only the note changed.
        assert Finding.objects.get(pk=precedent.pk).public_at == at("2026-11-25")

    def test_a_precedent_the_log_no_longer_implies_asks_for_a_rejudge(
        self, shop, log, precedent, manager, add_version, promise
    ):
        precedent_make_public(finding=precedent, by=manager, now=at("2026-11-25 09:00"))
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        seen = []
        receiver = hooks.rejudge_receiver(seen.append)
        try:
            # "always" from the start: A's closed-day reply is no precedent any more.
            add_version(promise, {"mode": "always"}, effective_from=at("2026-01-01 00:00"))
            judging.judge_customers(
                shop=shop, customer_ids=[Customer.objects.get(external_id="A").pk]
            )
        finally:
            hooks._receivers.remove(receiver)
        assert [(r.reason, r.since) for r in seen] == [
            ("finding.public_gone", at("2026-11-25 09:00"))
        ]
        assert not Finding.objects.filter(pk=precedent.pk).exists()
        judging.judge_shop(shop=shop)
        # Under "always" B's wait is a breach of the promise, no drift against a precedent.
        assert found("B") == [("B-R2", "breach")]

    def test_a_rebuild_changes_nothing(self, shop, log, precedent, manager):
        precedent_make_public(finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25"))
        rejudge_all(shop)
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        inquiry_and_reply(log, "C", 1, "2026-11-28 12:00", "2026-11-30 11:00")
        before = sorted(
            Finding.objects.values_list("action__external_id", "type", "message_en", "details"),
            key=repr,
        )
        result = judging.judge_shop(shop=shop, batch_size=1)
        assert sum(result.created.values()) + sum(result.updated.values()) == 0
        assert sum(result.deleted.values()) == 0
        after = sorted(
            Finding.objects.values_list("action__external_id", "type", "message_en", "details"),
            key=repr,
        )
        assert before == after

    def test_loading_is_one_query_for_the_public_precedents(self, shop, log, precedent, manager):
        precedent_make_public(finding=precedent, by=manager, now=at("2026-11-25"))
        for n in range(3):
            inquiry_and_reply(log, f"B{n}", 1, "2026-11-28 11:00", "2026-11-30 10:30")
        ids = list(Customer.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            loaded = log_load(shop=shop, customer_ids=ids)
        assert len([q for q in queries if "public_at" in q["sql"]]) == 1
        assert [p.finding_id for rows in loaded.public.values() for p in rows] == [precedent.pk]
        assert public_load(shop=shop, promise_ids=[]) == {}


class TestPrecheck:
    def test_the_precheck_names_the_public_precedent_and_equals_recording(
        self, shop, log, precedent, manager
    ):
        precedent_make_public(finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25"))
        log.occasion("B-Q2", "B", "inquiry_received", at("2026-11-28 11:00"), channel="email")
        body = {
            "customer": "B",
            "kind": "reply_sent",
            "occurred_at": at("2026-11-30 10:30"),
            "occasion": "B-Q2",
            "attributes": {},
        }
        answer = precheck_run(shop=shop, **body)
        assert answer.verdict == "drift"
        [finding] = answer.findings
        assert (
            "Public precedent: a reply on a closed day on Sat 2026-11-21" in (finding["message_en"])
        )
        [note] = [note for note in answer.notes if note["code"] == "public_precedent"]
        assert note["message_en"].startswith(
            "Public precedent: a reply on a closed day on Sat 2026-11-21 (told in a review)."
        )
        action = log.action("B-R2", "B", "reply_sent", at("2026-11-30 10:30"), occasion="B-Q2")
        stored = Finding.objects.get(action=action)
        assert (stored.message_en, stored.message_ja, stored.details) == (
            finding["message_en"],
            finding["message_ja"],
            finding["details"],
        )


class TestMarking:
    def test_only_a_precedent_can_be_public(self, log, promise, manager):
        inquiry_and_reply(log, "A", 1, "2026-11-21 11:00", "2026-11-21 15:00")
        inquiry_and_reply(log, "A", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        drift = Finding.objects.get(type="drift")
        with pytest.raises(Exception) as error:
            precedent_make_public(finding=drift, by=manager)
        assert error.value.error_list[0].code == "not_a_precedent"
        assert Finding.objects.get(pk=drift.pk).public_at is None

    def test_marking_is_audited_snapshotted_and_marks_customers(
        self, shop, log, precedent, manager
    ):
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        precedent_make_public(finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25"))
        stored = Finding.objects.get(pk=precedent.pk)
        assert (stored.public_level, stored.public_precedent["what"], stored.public_by) == (
            1.0,
            "closed_day_reply",
            manager,
        )
        # B has actions since the marking: marked for a re-judge. A has none since.
        marked = set(
            Customer.objects.filter(rejudge_requested_at__isnull=False).values_list(
                "external_id", flat=True
            )
        )
        assert marked == {"B"}
        precedent_withdraw_public(finding=precedent, by=manager)
        precedent_withdraw_public(finding=precedent, by=manager)  # nothing to withdraw
        entries = list(
            AuditEntry.objects.filter(object_type="finding")
            .order_by("id")
            .values_list("event", "actor_username", "after")
        )
        assert [(e, a, after["public"], after["note"]) for e, a, after in entries] == [
            ("finding.made_public", "manager1", True, REVIEW),
            ("finding.public_withdrawn", "manager1", False, ""),
        ]
        assert list(public_precedents(shop=shop)) == []


class TestWeb:
    def test_a_manager_marks_and_withdraws_on_the_finding_page(
        self, client, shop, precedent, manager
    ):
        client.force_login(manager)
        page = reverse("commitments:finding-detail", kwargs={"shop": shop.slug, "pk": precedent.pk})
        public = reverse(
            "commitments:finding-public", kwargs={"shop": shop.slug, "pk": precedent.pk}
        )
        response = client.get(page)
        assert response.status_code == 200
        assert public in response.content.decode()
        response = client.post(public, {"public": "yes", "note": REVIEW})
        assert response.status_code == 302
        assert Finding.objects.get(pk=precedent.pk).public_note == REVIEW
        assert REVIEW in client.get(page).content.decode()
        client.post(public, {"public": "no"})
        assert Finding.objects.get(pk=precedent.pk).public_at is None

    def test_a_drift_page_names_the_public_precedent_in_japanese(
        self, client, shop, log, precedent, manager, viewer
    ):
        precedent_make_public(finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25"))
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        drift = Finding.objects.get(action__external_id="B-R2")
        client.force_login(viewer)
        page = reverse("commitments:finding-detail", kwargs={"shop": shop.slug, "pk": drift.pk})
        html = client.get(page, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "この指摘の根拠となった公開された前例" in html
        assert "2026年11月21日(土)の休業日の返信（told in a review）" in html

    def test_staff_see_the_page_without_the_form_and_cannot_post(
        self, client, shop, precedent, staff
    ):
        client.force_login(staff)
        page = reverse("commitments:finding-detail", kwargs={"shop": shop.slug, "pk": precedent.pk})
        public = reverse(
            "commitments:finding-public", kwargs={"shop": shop.slug, "pk": precedent.pk}
        )
        assert public not in client.get(page).content.decode()
        assert client.post(public, {"public": "yes"}).status_code == 403
        assert Finding.objects.get(pk=precedent.pk).public_at is None


class TestApi:
    def url(self, shop, finding):
        return f"/api/v1/shops/{shop.slug}/findings/{finding.pk}/public/"

    def test_put_and_delete(self, api, shop, precedent):
        response = api.put(self.url(shop, precedent), {"note": REVIEW}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["public"]["note"] == REVIEW
        assert response.json()["public"]["at"].endswith("+09:00")
        listed = api.get(f"/api/v1/shops/{shop.slug}/findings/?type=precedent").json()
        assert listed["results"][0]["public"]["note"] == REVIEW
        response = api.delete(self.url(shop, precedent))
        assert (response.status_code, response.json()["public"]) == (200, None)

    def test_not_a_precedent_is_400(self, api, shop, log, promise):
        inquiry_and_reply(log, "A", 1, "2026-11-21 11:00", "2026-11-21 15:00")
        inquiry_and_reply(log, "A", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        drift = Finding.objects.get(type="drift")
        response = api.put(self.url(shop, drift), {}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "not_a_precedent"

    def test_staff_get_403_and_unknown_404(self, shop, precedent, staff, api):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(staff)
        assert client.put(self.url(shop, precedent), {}, format="json").status_code == 403
        missing = f"/api/v1/shops/{shop.slug}/findings/999999/public/"
        assert api.put(missing, {}, format="json").status_code == 404


class TestReport:
    def test_the_weekly_report_lists_public_precedents_and_the_drift_they_explain(
        self, client, shop, log, precedent, manager
    ):
        from reports.builder import report_data
        from reports.weeks import parse_week

        precedent_make_public(finding=precedent, note=REVIEW, by=manager, now=at("2026-11-25"))
        inquiry_and_reply(log, "B", 2, "2026-11-28 11:00", "2026-11-30 10:30")
        # Week 49 (Nov 30 - Dec 6) holds B's drift; week 47 ended before the marking.
        [item] = report_data(shop=shop, week=parse_week("2026-W49", shop.timezone))[
            "public_precedents"
        ]
        assert (item["finding"], item["customer"], item["note"], item["drift"]) == (
            precedent.pk,
            "A",
            REVIEW,
            1,
        )
        assert (item["words_en"], item["words_ja"], item["new"]) == (
            "a reply on a closed day",
            "休業日の返信",
            False,
        )
        week48 = report_data(shop=shop, week=parse_week("2026-W48", shop.timezone))
        assert [(i["new"], i["drift"]) for i in week48["public_precedents"]] == [(True, 0)]
        assert (
            report_data(shop=shop, week=parse_week("2026-W47", shop.timezone))["public_precedents"]
            == []
        )
        client.force_login(manager)
        page = client.get(
            reverse("reports:report-detail", kwargs={"shop": shop.slug, "week": "2026-W49"})
        )
        assert page.status_code == 200
        assert REVIEW in page.content.decode()
        assert "a reply on a closed day" in page.content.decode()
