"""`manage.py status`: database, Redis, jobs waiting per queue, the judging backlog."""

import json

from django.core.management.base import BaseCommand

from config.status import system_status


class Command(BaseCommand):
    help = (
        "Show whether the database and Redis answer, the jobs waiting per queue and the age "
        "of the oldest unjudged action (exit 2 when the database is down)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the /healthz/ready JSON")

    def handle(self, *args, **options):
        status = system_status()
        if options["json"]:
            self.stdout.write(_dumps(status))
        else:
            self.stdout.write(f"status: {status['status']}")
            self.stdout.write(f"database: {status['database']}")
            self.stdout.write(f"redis: {status['redis']}")
            for name, depth in status["queues"].items():
                self.stdout.write(f"queue {name}: {'?' if depth is None else depth} waiting")
            age = status["oldest_unjudged_seconds"]
            self.stdout.write(
                "oldest unjudged action: " + ("none" if age is None else f"{age:.0f} s old")
            )
        if status["database"] != "ok":
            raise SystemExit(2)


def _dumps(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
