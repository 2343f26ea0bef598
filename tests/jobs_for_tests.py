"""A job only the tests enqueue, to prove a real worker runs what django-rq enqueues."""

import django_rq


def remember(key: str, value: str) -> str:
    """Store value under key in the queue's Redis and return it."""
    django_rq.get_connection("default").set(key, value, ex=60)
    return value


def rejudge_then_hang(shop_id: int, batch_size: int) -> None:
    """Re-judge one batch of the shop's marked customers, then hang until the worker is killed.

    Leaves its process id under a key (RQ runs a job in a forked process of its own session).
    """
    import os
    import time

    from commitments.judging import marks
    from policies.models import Shop

    marks.rejudge_marked_batch(shop=Shop.objects.get(pk=shop_id), batch_size=batch_size)
    django_rq.get_connection("default").set(f"tsuzuku-test-hung-{shop_id}", os.getpid(), ex=120)
    time.sleep(120)
