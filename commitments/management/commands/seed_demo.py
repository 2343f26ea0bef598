"""Build the demo shop and a demo manager login."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Role
from policies.models import Shop

DEMO_USERNAME = "manager"


class Command(BaseCommand):
    help = "Create the demo shop with a demo manager login (and, with --if-empty, only once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the demo shop exists."
        )

    @transaction.atomic
    def handle(self, *args, if_empty=False, **options):
        password = os.environ.get("DEMO_PASSWORD", "tsuzuku-demo")
        shop = Shop.objects.filter(slug="demo").first()
        if shop is None or not if_empty:
            shop, _ = Shop.objects.update_or_create(
                slug="demo",
                defaults={
                    "name": "つづく雑貨店 (demo)",
                    "closed_weekdays": [5, 6],
                    "holidays": "JP",
                    "business_hours": [
                        {"start": "10:00", "end": "12:00"},
                        {"start": "13:00", "end": "18:00"},
                    ],
                },
            )
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = user_model.objects.create_user(
                DEMO_USERNAME, email="manager@example.com", password=password
            )
        Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": Role.MANAGER})
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: user '{DEMO_USERNAME}', password '{password}' "
                f"(manager of '{shop.slug}')"
            )
        )
