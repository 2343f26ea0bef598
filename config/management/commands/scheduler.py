"""`manage.py scheduler`: the cron schedule of config/cron.py, one scheduler at a time."""

import logging

from django.core.management.base import BaseCommand

from config.worker import LockedCronScheduler


class Command(BaseCommand):
    help = (
        "Run the RQ cron scheduler (config/cron.py). Safe to start on several machines: only "
        "the one holding the Redis lock enqueues, the others idle and take over if it dies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--config", default="config.cron", help="cron module (config.cron)")

    def handle(self, *args, config, verbosity, **options):
        level = logging.DEBUG if verbosity >= 2 else logging.INFO
        scheduler = LockedCronScheduler(logging_level=level)
        scheduler.load_config_from_file(config)
        self.stdout.write(f"Scheduler {scheduler.name}: {len(scheduler.get_jobs())} jobs")
        scheduler.start()
