"""The RQ queues: which queue a kind of job goes to, and how deep each queue is."""

import django_rq
from django.conf import settings


def queue_for(kind: str):
    """Return the django-rq queue jobs of this kind go to ("imports", "judging", ...)."""
    return django_rq.get_queue(settings.JOB_QUEUES.get(kind, "default"), commit_mode="auto")


def queue_depths() -> dict[str, int]:
    """Return the number of jobs waiting in each queue; raise RedisError if Redis is down."""
    return {name: django_rq.get_queue(name).count for name in settings.RQ_QUEUES}
