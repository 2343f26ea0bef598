"""A job only the tests enqueue, to prove a real worker runs what django-rq enqueues."""

import django_rq


def remember(key: str, value: str) -> str:
    """Store value under key in the queue's Redis and return it."""
    django_rq.get_connection("default").set(key, value, ex=60)
    return value
