"""The demo shop: calendar, promises with history, a log with drift, findings of every type."""

import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Membership, Role
from commitments.demo import demo_build
from commitments.models import Action, ActionException, Customer, Finding, FindingType, Occasion
from policies.calendar import ShopCalendar
from policies.models import Promise, Shop
from policies.selectors import promise_versions_for_shop

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Friday noon in Tokyo


@pytest.fixture
def demo_manager(db):
    return get_user_model().objects.create_user("demo-manager", password="pw-Tsuzuku-2026!")


@pytest.fixture
def small_demo(demo_manager):
    return demo_build(manager=demo_manager, customers=40, months=2, seed=7, now=NOW)


@pytest.mark.django_db
class TestDemoBuild:
    def test_the_shop_has_its_calendar(self, small_demo):
        shop = small_demo.shop
        assert (shop.slug, shop.closed_weekdays, shop.holidays) == ("demo", [5, 6], "JP")
        calendar = ShopCalendar.for_shop(shop)
        assert not calendar.is_open(datetime(2027, 1, 2).date(), "shipping")
        assert [c["applies_to"] for c in shop.closures].count("shipping") == 1
        shipping_only = next(c for c in shop.closures if c["applies_to"] == "shipping")
        day = datetime.fromisoformat(shipping_only["start"]).date()
        assert (calendar.is_open(day, "shipping"), calendar.is_open(day, "inquiries")) == (
            False,
            True,
        )

    def test_the_eight_promises_with_an_edit_history(self, small_demo):
        shop = small_demo.shop
        assert Promise.objects.filter(shop=shop).count() == 8
        versions = promise_versions_for_shop(shop=shop)
        note = next(v for v in versions.values() if v[0].promise.kind == "handwritten_note")
        assert [v.params["min_lines"] for v in note] == [10, 5]
        assert note[1].reason

    def test_the_log_has_customers_with_japanese_names_and_repeat_orders(self, small_demo):
        shop = small_demo.shop
        assert small_demo.customers == Customer.objects.filter(shop=shop).count() == 40
        assert all(c.name and "@" in c.email for c in Customer.objects.filter(shop=shop))
        orders = Occasion.objects.filter(shop=shop, kind="order_placed")
        per_customer = {}
        for customer_id in orders.values_list("customer_id", flat=True):
            per_customer[customer_id] = per_customer.get(customer_id, 0) + 1
        assert max(per_customer.values()) >= 3
        assert small_demo.actions == Action.objects.filter(shop=shop).count()
        assert not Action.objects.filter(shop=shop, occurred_at__gt=NOW).exists()
        assert Action.objects.filter(shop=shop, unjudged__isnull=False).count() == 0

    def test_findings_of_every_type_and_excused_ones(self, small_demo):
        findings = Finding.objects.filter(shop=small_demo.shop)
        types = set(findings.values_list("type", flat=True))
        assert types == set(FindingType.values)
        assert findings.filter(excused=True).exists()
        assert small_demo.findings == {
            kind: findings.filter(type=kind).count() for kind in FindingType.values
        }

    def test_exceptions_for_our_mistakes_and_for_goodwill(self, small_demo):
        reasons = set(
            ActionException.objects.filter(action__shop=small_demo.shop).values_list(
                "reason", flat=True
            )
        )
        assert {"our_mistake", "goodwill"} <= reasons

    def test_the_same_seed_and_day_build_the_same_shop(self, demo_manager, small_demo):
        first = (small_demo.occasions, small_demo.actions, small_demo.findings)
        again = demo_build(manager=demo_manager, customers=40, months=2, seed=7, now=NOW)
        assert (again.occasions, again.actions, again.findings) == first
        assert Shop.objects.filter(slug="demo").count() == 1


@pytest.mark.django_db
class TestSeedDemoCommand:
    def run(self, *args) -> str:
        out = io.StringIO()
        call_command("seed_demo", "--customers", "10", "--months", "1", *args, stdout=out)
        return out.getvalue()

    def test_it_builds_the_shop_and_prints_the_demo_login(self):
        out = self.run()
        assert "Demo login: user 'manager', password 'tsuzuku-demo' (manager of 'demo')" in out
        user = get_user_model().objects.get(username="manager")
        assert Membership.objects.get(user=user, shop__slug="demo").role == Role.MANAGER
        assert Customer.objects.filter(shop__slug="demo").count() == 10
        # The reports page has content at once: the last 8 ended weeks, built.
        from django.utils import timezone

        from reports.models import Report
        from reports.selectors import week_just_ended

        shop = Shop.objects.get(slug="demo")
        last = week_just_ended(now=timezone.now(), tz=shop.timezone)
        weeks = sorted(Report.objects.filter(shop=shop).values_list("week", flat=True))
        assert weeks == sorted(last.shifted(-offset).label for offset in range(8))
        assert Report.objects.get(shop=shop, week=last.label).data["summary"]["volume"] > 0

    def test_if_empty_leaves_an_existing_demo_shop_alone(self):
        self.run()
        shop = Shop.objects.get(slug="demo")
        actions = Action.objects.filter(shop=shop).count()
        out = self.run("--if-empty")
        assert "exists; left as it is" in out
        assert "Demo login:" in out
        assert Shop.objects.get(slug="demo").pk == shop.pk
        assert Action.objects.filter(shop=shop).count() == actions

    def test_without_the_flag_it_rebuilds_from_scratch(self):
        self.run()
        old = Shop.objects.get(slug="demo").pk
        self.run()
        shop = Shop.objects.get(slug="demo")
        assert shop.pk != old
        assert Customer.objects.filter(shop=shop).count() == 10
        assert Customer.objects.count() == 10
