"""The findings list: filters, keyset pages, acknowledge / resolve with a note."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import AuditEntry, Role
from commitments import judging, services
from commitments.models import Finding, FindingStatus
from policies.models import Shop

from .conftest import at

URL = "/shops/kobo/findings/"


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def listed(response) -> list[str]:
    """Return the external ids of the actions or occasions of the findings shown, in order."""
    return re.findall(r'#(?:action|occasion)-\d+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def promises(make_promise):
    return {
        "note": make_promise("handwritten_note", {"min_lines": 5}, name="Notes"),
        "holiday": make_promise("holiday_replies", {"mode": "none"}, name="Closed days"),
    }


@pytest.fixture
def findings(log, promises):
    """Week 2026-W46: N-1 (10 lines), N-2 drift by aki; W47: N-3 breach excused, R-1 precedent."""
    log.occasion("O-1", "C-1", "order_placed", at("2026-11-09 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-11-09 12:00"), occasion="O-1", lines=10)
    log.occasion("O-2", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
    log.action(
        "N-2", "C-1", "note_enclosed", at("2026-11-10 12:00"), occasion="O-2", lines=6, staff="aki"
    )
    log.occasion("O-3", "C-2", "order_placed", at("2026-11-16 10:00"), total=5000)
    log.action(
        "N-3", "C-2", "note_enclosed", at("2026-11-16 12:00"), occasion="O-3", lines=3,
        staff="ben", exception={"reason": "deadline"},
    )  # fmt: skip
    log.occasion("Q-1", "C-2", "inquiry_received", at("2026-11-23 09:00"))
    log.action("R-1", "C-2", "reply_sent", at("2026-11-23 10:00"), occasion="Q-1", staff="aki")
    return {f.action.external_id: f for f in Finding.objects.select_related("action")}


class TestFindingList:
    def test_newest_first_with_links_to_the_customer_page(self, viewer, findings):
        response = signed_in(viewer).get(URL)
        assert response.status_code == 200
        assert listed(response) == ["R-1", "N-3", "N-2"]
        body = response.content.decode()
        assert f'href="/shops/kobo/customers/C-1/#action-{findings["N-2"].action_id}"' in body
        assert "this customer got 10 lines last time" in body

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param({"type": "drift"}, ["N-2"], id="type"),
            pytest.param({"week": "2026-W46"}, ["N-2"], id="week"),
            pytest.param({"week": "2026-W48"}, ["R-1"], id="week-of-the-holiday"),
            pytest.param({"staff": "aki"}, ["R-1", "N-2"], id="staff"),
            pytest.param({"customer": "C-2"}, ["R-1", "N-3"], id="customer"),
            pytest.param({"excused": "true"}, ["N-3"], id="excused"),
            pytest.param({"excused": "false"}, ["R-1", "N-2"], id="not-excused"),
            pytest.param({"status": "open"}, ["R-1", "N-3", "N-2"], id="status"),
            pytest.param({"status": "resolved"}, [], id="none-resolved"),
        ],
    )
    def test_filters(self, viewer, findings, query, expected):
        assert listed(signed_in(viewer).get(URL, query)) == expected

    def test_filter_by_promise(self, viewer, findings, promises):
        response = signed_in(viewer).get(URL, {"promise": promises["holiday"].pk})
        assert listed(response) == ["R-1"]

    @pytest.mark.parametrize(
        "query",
        [
            pytest.param({"week": "2026-W60"}, id="no-such-week"),
            pytest.param({"type": "oops"}, id="unknown-type"),
            pytest.param({"promise": "abc"}, id="promise-not-a-number"),
        ],
    )
    def test_bad_filter_is_a_400_with_the_error(self, viewer, findings, query):
        response = signed_in(viewer).get(URL, query)
        assert response.status_code == 400
        assert 'class="errorlist"' in response.content.decode()

    def test_pages_by_cursor_keep_the_filters(self, viewer, log, promises, monkeypatch):
        monkeypatch.setattr("commitments.views_findings.PAGE_SIZE", 2)
        start = at("2026-11-02 10:00")
        for n in range(5):
            log.occasion(f"O-{n}", "C-1", "order_placed", start + timedelta(days=n))
            log.action(
                f"N-{n}", "C-1", "note_enclosed", start + timedelta(days=n, hours=1),
                occasion=f"O-{n}", lines=2,
            )  # fmt: skip
        client = signed_in(viewer)
        first = client.get(URL, {"type": "breach"})
        assert listed(first) == ["N-4", "N-3"]
        next_url = re.search(r'rel="next" href="([^"]+)"', first.content.decode())[1]
        assert "type=breach" in next_url
        second = client.get(URL + next_url.replace("&amp;", "&"))
        assert listed(second) == ["N-2", "N-1"]
        third_url = re.search(r'rel="next" href="([^"]+)"', second.content.decode())[1]
        third = client.get(URL + third_url.replace("&amp;", "&"))
        assert listed(third) == ["N-0"]
        assert 'rel="next"' not in third.content.decode()

    def test_the_number_of_findings_is_counted_up_to_a_bound(self, viewer, findings, monkeypatch):
        client = signed_in(viewer)
        assert "3 findings" in client.get(URL).content.decode()
        monkeypatch.setattr("commitments.views_findings.COUNT_MAX", 3)
        assert "3 findings" in client.get(URL).content.decode()
        monkeypatch.setattr("commitments.views_findings.COUNT_MAX", 2)
        body = client.get(URL).content.decode()
        assert "More than 2 findings" in body
        assert listed(client.get(URL)) == ["R-1", "N-3", "N-2"]
        japanese = signed_in(viewer, language="ja").get(URL).content.decode()
        assert "2 件を超える指摘" in japanese

    def test_the_navigation_counts_open_findings_up_to_a_bound(self, viewer, findings, monkeypatch):
        def badge(response):
            return re.search(r'title="open findings">([^<]+)<', response.content.decode())[1]

        client = signed_in(viewer)
        assert badge(client.get(URL)) == "3"
        monkeypatch.setattr("config.context_processors.NAV_COUNT_MAX", 3)
        assert badge(client.get(URL)) == "3"
        monkeypatch.setattr("config.context_processors.NAV_COUNT_MAX", 2)
        assert badge(client.get(URL)) == "2+"

    def test_viewer_sees_no_status_buttons(self, viewer, staff, findings):
        button = 'name="status" value="acknowledged"'
        assert button not in signed_in(viewer).get(URL).content.decode()
        assert button in signed_in(staff).get(URL).content.decode()

    def test_non_member_gets_404(self, make_user, findings):
        other = Shop.objects.create(slug="other", name="Other")
        stranger = make_user("stranger", shop=other, role=Role.MANAGER)
        assert signed_in(stranger).get(URL).status_code == 404


class TestFindingStatus:
    def status_url(self, finding):
        return f"{URL}{finding.pk}/status/"

    @pytest.mark.parametrize("status", ["acknowledged", "resolved"])
    def test_staff_sets_the_status_with_a_note(self, staff, findings, status):
        finding = findings["N-2"]
        response = signed_in(staff).post(
            self.status_url(finding),
            {"status": status, "note": "Called the customer", "next": f"{URL}?type=drift"},
        )
        assert (response.status_code, response.url) == (302, f"{URL}?type=drift")
        finding.refresh_from_db()
        assert (finding.status, finding.status_note, finding.status_by) == (
            status,
            "Called the customer",
            staff,
        )
        entry = AuditEntry.objects.get(event="finding.status_changed")
        assert entry.after == {"status": status, "note": "Called the customer"}

    def test_status_survives_rejudging(self, staff, findings, shop):
        finding = findings["N-2"]
        signed_in(staff).post(self.status_url(finding), {"status": "acknowledged"})
        judging.judge_shop(shop=shop)
        assert Finding.objects.get(pk=finding.pk).status == FindingStatus.ACKNOWLEDGED

    def test_viewer_cannot_change_a_status(self, viewer, findings):
        response = signed_in(viewer).post(self.status_url(findings["N-2"]), {"status": "resolved"})
        assert response.status_code == 403
        assert Finding.objects.get(pk=findings["N-2"].pk).status == FindingStatus.OPEN

    def test_finding_of_another_shop_is_404(self, staff, findings, make_promise):
        other = Shop.objects.create(slug="other", name="Other")
        theirs = findings["N-2"]
        Finding.objects.filter(pk=theirs.pk).update(shop=other)
        response = signed_in(staff).post(self.status_url(theirs), {"status": "resolved"})
        assert response.status_code == 404

    def test_unknown_status_changes_nothing(self, staff, findings):
        response = signed_in(staff).post(self.status_url(findings["N-2"]), {"status": "gone"})
        assert response.status_code == 302
        assert Finding.objects.get(pk=findings["N-2"].pk).status == FindingStatus.OPEN

    def test_next_elsewhere_is_ignored(self, staff, findings):
        response = signed_in(staff).post(
            self.status_url(findings["N-2"]),
            {"status": "acknowledged", "next": "https://evil.example/"},
        )
        assert response.url == URL


class TestFindingSetStatusService:
    def test_unknown_status_is_invalid_status(self, findings, staff):
        with pytest.raises(ValidationError) as error:
            services.finding_set_status(finding=findings["N-2"], status="done", by=staff)
        assert error.value.error_list[0].code == "invalid_status"

    def test_reopening_clears_nothing_but_records_who(self, findings, staff, manager):
        finding = findings["N-2"]
        services.finding_set_status(finding=finding, status="resolved", note="ok", by=staff)
        services.finding_set_status(finding=finding, status="open", note="again", by=manager)
        finding.refresh_from_db()
        assert (finding.status, finding.status_note, finding.status_by) == (
            "open",
            "again",
            manager,
        )
        assert AuditEntry.objects.filter(event="finding.status_changed").count() == 2
