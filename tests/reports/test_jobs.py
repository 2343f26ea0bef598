"""The weekly delivery: which shops are due, e-mailed once, run by a real RQ worker."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from accounts.models import Role
from policies.models import Shop
from reports import jobs
from reports.models import Report
from reports.selectors import weekly_reports_due
from reports.services import report_deliver, report_email

from .conftest import make_promise


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def old_shop(shop):
    """The shop, created long before the weeks the tests report on."""
    Shop.objects.filter(pk=shop.pk).update(created_at=utc(2026, 1, 1))
    shop.refresh_from_db()
    return shop


@pytest.fixture
def managers(old_shop, make_user):
    """Two managers with an e-mail address, one without, and a viewer (not a recipient)."""
    users = []
    for name, email, role in [
        ("m1", "m1@example.com", Role.MANAGER),
        ("m2", "m2@example.com", Role.MANAGER),
        ("m3", "", Role.MANAGER),
        ("v1", "v1@example.com", Role.VIEWER),
    ]:
        user = make_user(name, shop=old_shop, role=role)
        user.email = email
        user.save()
        users.append(user)
    return users


@pytest.mark.django_db
class TestWhoIsDue:
    @pytest.mark.parametrize(
        ("now", "due_week"),
        [
            (utc(2026, 11, 16, 0, 30), "2026-W46"),
            (utc(2026, 11, 16, 0, 0), "2026-W46"),
            (utc(2026, 11, 15, 23, 30), None),
            (utc(2026, 11, 15, 15, 30), None),
            (utc(2026, 11, 16, 5, 0), "2026-W46"),
            (utc(2026, 11, 20, 5, 0), "2026-W46"),
            (utc(2026, 11, 22, 14, 59), "2026-W46"),
            (utc(2026, 11, 22, 15, 0), None),
        ],
        ids=[
            "monday 09:30 tokyo",
            "monday 09:00 tokyo",
            "monday 08:30 tokyo",
            "sunday 00:30 tokyo",
            "monday 14:00 tokyo: catch up a missed run",
            "friday: still not sent, catch up",
            "sunday 23:59 tokyo: last chance",
            "next monday 00:00 tokyo: before 09:00 again",
        ],
    )
    def test_a_tokyo_shop_is_due_from_monday_09_00_shop_time(self, old_shop, now, due_week):
        due = weekly_reports_due(now=now)
        assert [(shop.slug, week) for shop, week in due] == (
            [("kobo", due_week)] if due_week else []
        )

    def test_each_shop_is_due_at_its_own_monday_09_00(self, old_shop):
        london = Shop.objects.create(slug="london", name="London", timezone="Europe/London")
        Shop.objects.filter(pk=london.pk).update(created_at=utc(2026, 1, 1))
        # 09:30 in London is 18:30 in Tokyo: both due; at 00:30 UTC only Tokyo is.
        assert {s.slug for s, _w in weekly_reports_due(now=utc(2026, 11, 16, 9, 30))} == {
            "kobo",
            "london",
        }
        assert {s.slug for s, _w in weekly_reports_due(now=utc(2026, 11, 16, 0, 30))} == {"kobo"}

    def test_a_shop_whose_report_was_e_mailed_is_not_due_again(self, old_shop):
        Report.objects.create(
            shop=old_shop,
            week="2026-W46",
            data={},
            built_at=utc(2026, 11, 16),
            emailed_at=utc(2026, 11, 16),
        )
        assert weekly_reports_due(now=utc(2026, 11, 16, 1, 30)) == []

    def test_a_shop_created_this_week_has_no_report_of_last_week(self, shop):
        Shop.objects.filter(pk=shop.pk).update(created_at=utc(2026, 11, 16, 0, 10))
        assert weekly_reports_due(now=utc(2026, 11, 16, 0, 30)) == []


@pytest.mark.django_db
class TestEmail:
    def test_the_report_goes_to_each_manager_with_an_address_once(self, old_shop, managers):
        make_promise(old_shop, kind="handwritten_note", name="Note", params={"min_lines": 10})
        with override_settings(SITE_URL="https://tsuzuku.example.com/"):
            report_deliver(shop=old_shop, week="2026-W46")
            report_deliver(shop=old_shop, week="2026-W46")
        assert sorted(message.to[0] for message in mail.outbox) == [
            "m1@example.com",
            "m2@example.com",
        ]
        message = mail.outbox[0]
        assert "2026-W46" in message.subject
        link = "https://tsuzuku.example.com/shops/kobo/reports/2026-W46/"
        assert link in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{link}"' in html
        assert "Note" in html
        report = Report.objects.get(shop=old_shop, week="2026-W46")
        assert report.emailed_at is not None
        assert report.emailed_to == ["m1@example.com", "m2@example.com"]

    def test_sending_again_only_when_forced(self, old_shop, managers):
        report_deliver(shop=old_shop, week="2026-W46")
        report = Report.objects.get(shop=old_shop)
        assert report_email(report=report) == 0
        assert report_email(report=report, force=True) == 2
        assert len(mail.outbox) == 4


@pytest.mark.django_db(transaction=True)
class TestOnAWorker:
    def test_the_hourly_job_delivers_due_reports_on_a_real_worker_once(
        self, old_shop, managers, rq_queue, run_worker
    ):
        make_promise(old_shop, kind="handwritten_note", name="Note", params={"min_lines": 10})
        monday = utc(2026, 11, 16, 0, 30)  # 09:30 in Tokyo
        rq_queue.enqueue(jobs.weekly_reports_due, monday)
        run_worker()
        assert Report.objects.filter(shop=old_shop, week="2026-W46").count() == 1
        assert len(mail.outbox) == 2
        # The next hourly run finds nothing due.
        job = rq_queue.enqueue(jobs.weekly_reports_due, utc(2026, 11, 16, 1, 30))
        run_worker()
        job.refresh()
        assert job.return_value() == []
        assert len(mail.outbox) == 2

    def test_a_run_before_09_00_shop_time_delivers_nothing(
        self, old_shop, managers, rq_queue, run_worker
    ):
        job = rq_queue.enqueue(jobs.weekly_reports_due, utc(2026, 11, 15, 23, 30))
        run_worker()
        job.refresh()
        assert job.return_value() == []
        assert Report.objects.count() == 0
        assert mail.outbox == []


@pytest.mark.django_db
class TestCommand:
    def test_drift_report_builds_the_week_and_prints_its_summary(self, old_shop, capsys):
        make_promise(old_shop, kind="handwritten_note", name="Note", params={"min_lines": 10})
        call_command("drift_report", "--shop", "kobo", "--week", "2026-W46")
        out = capsys.readouterr().out
        assert "kobo 2026-W46" in out
        assert "Note (handwritten_note)" in out
        assert Report.objects.filter(shop=old_shop, week="2026-W46").count() == 1
        assert mail.outbox == []

    def test_drift_report_with_email_sends_it(self, old_shop, managers, capsys):
        call_command("drift_report", "--shop", "kobo", "--week", "2026-W46", "--email")
        assert "E-mailed to 2 manager(s)." in capsys.readouterr().out
        assert len(mail.outbox) == 2

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--shop", "nope", "--week", "2026-W46"], "No shop"),
            (["--shop", "kobo", "--week", "2026-46"], "Not an ISO week"),
        ],
        ids=["unknown shop", "bad week"],
    )
    def test_drift_report_errors(self, old_shop, args, message):
        with pytest.raises(CommandError, match=message):
            call_command("drift_report", *args)
        assert Report.objects.count() == 0
