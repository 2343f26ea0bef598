"""Build the demo shop (calendar, promises, months of log, findings) and a demo manager login."""

import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from commitments.demo import demo_build
from policies.models import Shop

DEMO_USERNAME = "manager"
DEMO_SLUG = "demo"
# The weekly reports built with the demo, so the reports page has content on first start.
DEMO_REPORT_WEEKS = 8
# The other roles, so each page can be tried as staff and viewer see it.
DEMO_MEMBERS = (("staff", "staff"), ("viewer", "viewer"))


class Command(BaseCommand):
    help = (
        "Build the demo shop from scratch: its calendar, the eight promises, ~300 customers "
        "and six months of log ending today, judged, with overdue findings, and the weekly "
        "reports of the last 8 weeks; and a demo manager login. With --if-empty, only when "
        "the demo shop does not exist yet."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the demo shop exists."
        )
        parser.add_argument("--customers", type=int, default=300, help="Customers (300).")
        parser.add_argument("--months", type=int, default=6, help="Months of log (6).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (2026).")

    def handle(self, *args, if_empty=False, customers=300, months=6, seed=2026, **options):
        if customers < 1 or months < 1:
            raise CommandError("--customers and --months must be at least 1.")
        password = os.environ.get("DEMO_PASSWORD", "tsuzuku-demo")
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = user_model.objects.create_user(
                DEMO_USERNAME, email="manager@example.com", password=password
            )
        if if_empty and Shop.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write(f"The demo shop '{DEMO_SLUG}' exists; left as it is.")
        else:
            self.stdout.write(
                f"Building the demo shop '{DEMO_SLUG}' ({customers} customers, {months} months)..."
            )
            result = demo_build(
                manager=user, slug=DEMO_SLUG, customers=customers, months=months, seed=seed
            )
            findings = ", ".join(
                f"{count} {kind}" for kind, count in sorted(result.findings.items())
            )
            self.stdout.write(
                f"Demo shop '{DEMO_SLUG}': {result.customers} customers, {result.occasions} "
                f"occasions, {result.actions} actions; findings: {findings} ({result.excused} "
                f"excused); built in {result.seconds} s"
            )
            # The reports app builds them (by command name: commitments never imports reports).
            call_command("drift_report", shop=DEMO_SLUG, last=DEMO_REPORT_WEEKS, stdout=self.stdout)
        self._ensure_manager(user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: user '{DEMO_USERNAME}', password '{password}' "
                f"(manager of '{DEMO_SLUG}')"
            )
        )
        for username, role in DEMO_MEMBERS:
            self._ensure_member(username, role, password)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo login: user '{username}', password '{password}' "
                    f"({role} of '{DEMO_SLUG}')"
                )
            )

    def _ensure_manager(self, user) -> None:
        from accounts.models import Membership, Role

        shop = Shop.objects.get(slug=DEMO_SLUG)
        Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": Role.MANAGER})

    def _ensure_member(self, username: str, role: str, password: str) -> None:
        from accounts.models import Membership

        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username, email=f"{username}@example.com", password=password
            )
        shop = Shop.objects.get(slug=DEMO_SLUG)
        Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": role})
