"""`manage.py worker [QUEUE ...]`: an RQ worker that waits for Redis instead of quitting."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rq.logutils import setup_loghandlers

from config.worker import worker_run


class Command(BaseCommand):
    help = (
        "Run an RQ worker on the named queues (default: imports judging reports default, in "
        "that order of priority); it starts again when Redis comes back."
    )

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help="queues to serve, first has priority")
        parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")

    def handle(self, *args, queues, burst, verbosity, **options):
        queues = queues or list(settings.QUEUE_NAMES)
        unknown = [name for name in queues if name not in settings.RQ_QUEUES]
        if unknown:
            raise CommandError(
                f"Unknown queue {', '.join(unknown)}: choose from {', '.join(settings.RQ_QUEUES)}."
            )
        level = "DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO"
        setup_loghandlers(level)
        worker_run(queues=queues, burst=burst, logging_level=level)
