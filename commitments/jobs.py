"""django-rq jobs of the commitments app: one-line wrappers taking ids, queued on commit.

`*_enqueue` helpers queue a job once the current transaction commits. If Redis cannot be
reached the error is logged and nothing else happens: what was stored stays stored, and the
sweeper (commitments.sweeper, every few minutes) judges actions left unjudged, finishes
re-judges left marked, retries failed customers and re-queues imports left queued.

Every job is retried (RQ `Retry`) and has a timeout suited to its size: a batch of at most
500 customers for judging, a whole file for an import. Retries are immediate (the worker
runs no scheduler); what they cannot finish, the sweeper picks up.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import translation
from redis.exceptions import RedisError
from rq import Retry

from policies.models import Shop

from . import judging
from .judging import marks

logger = logging.getLogger(__name__)

# Queues (settings.JOB_QUEUES maps each to a real queue; production: the same names). Imports
# get a queue of their own so a long file never holds back judging.
QUEUE = "default"
QUEUE_IMPORTS = "imports"
QUEUE_JUDGING = "judging"
# An import of a large file may take longer than the queue's default timeout.
IMPORT_TIMEOUT = 6 * 3600
# One batch of at most judging.BATCH_SIZE customers (a few seconds; minutes on a slow day).
JUDGE_TIMEOUT = 15 * 60
RETRIES = 3
# Customers per re-judge job.
REJUDGE_BATCH = judging.BATCH_SIZE


# The bodies of the jobs whose work lives in modules that queue jobs themselves (the import,
# the sweeper): they register them here (commitments.apps imports them when Django starts, in
# the web and the worker processes alike), so this module imports neither and the job names
# stay commitments.jobs.import_process / commitments.jobs.sweep.
_bodies: dict[str, Callable] = {}


def job_body(name: str):
    """Register the function that does the work of the job `name` (decorator)."""

    def register(func: Callable) -> Callable:
        _bodies[name] = func
        return func

    return register


def _body(name: str) -> Callable:
    try:
        return _bodies[name]
    except KeyError:
        raise RuntimeError(
            f"No body registered for the job {name!r}: is the commitments app ready?"
        ) from None


def judge_actions_job(action_ids: list[int]) -> int:
    """Judge the customers of these actions again; return the number of actions judged.

    A customer another job is judging right now (an import's batches share the customers at
    their boundaries; a file in time order shares many) is not waited for first, which
    would hold this worker idle for the whole of the other job: the others are judged, then
    it (waiting for its lock, by then mostly released).
    """
    result = judging.judge_actions(action_ids=action_ids, skip_locked=True)
    by_shop: dict[int, list[int]] = defaultdict(list)
    for shop_id, customer_id in result.skipped:
        by_shop[shop_id].append(customer_id)
    for shop in Shop.objects.filter(id__in=list(by_shop)).order_by("id"):
        result.add(judging.judge_customers_batched(shop=shop, customer_ids=by_shop[shop.pk]))
    return result.actions


def judge_customers_job(shop_id: int, customer_ids: list[int]) -> int:
    """Judge these customers of the shop again (a failed customer's retry); return actions."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return 0
    return judging.judge_customers(shop=shop, customer_ids=customer_ids).actions


def rejudge_batch_job(shop_id: int) -> int:
    """Re-judge the next batch of the shop's marked customers; queue the next batch, if any.

    Return the number of customers judged. Each batch is its own job (bounded time); a
    worker killed midway leaves the marks, which the sweeper queues again.
    """
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return 0
    result, remaining = marks.rejudge_marked_batch(shop=shop, batch_size=REJUDGE_BATCH)
    if remaining:
        rejudge_batch_enqueue(shop_id)
    return result.customers


def import_process(import_id: int) -> str | None:
    """Run a queued CSV import; return its status (None when it was not queued any more)."""
    # The stored row errors are read later on the web pages: write them in the site's
    # language, whatever language the worker process happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        imp = _body("import_process")(import_id=import_id)
    return None if imp is None else imp.status


def sweep() -> dict:
    """Re-queue unjudged actions and stale imports, and raise overdue findings."""
    return _body("sweep")().as_dict()


# ------------------------------------------------------------------------------
# Queueing on commit
# ------------------------------------------------------------------------------
def enqueue_now(func, *args, job_timeout: int | None = None, queue_name: str = QUEUE) -> bool:
    """Queue the job now on its queue, with retries; return False (and log why) if Redis cannot
    be reached."""
    try:
        queue = django_rq.get_queue(
            settings.JOB_QUEUES.get(queue_name, queue_name), commit_mode="auto"
        )
        queue.enqueue(
            func, *args, job_timeout=job_timeout or JUDGE_TIMEOUT, retry=Retry(max=RETRIES)
        )
    except (RedisError, OSError) as error:
        logger.warning(
            "Could not queue %s%r (%s); the sweeper will pick it up.", func.__name__, args, error
        )
        return False
    return True


def enqueue_on_commit(func, *args, job_timeout: int | None = None, queue_name: str = QUEUE) -> None:
    """Queue the job once the current transaction commits (at once outside one)."""
    transaction.on_commit(
        partial(enqueue_now, func, *args, job_timeout=job_timeout, queue_name=queue_name),
        robust=True,
    )


def judge_actions_enqueue(action_ids: list[int], *, per_job: int | None = None) -> None:
    """Queue the judging of these actions, `per_job` ids a job (judging.BATCH_SIZE), once
    the transaction commits."""
    ids = sorted(set(action_ids))
    per_job = per_job or judging.BATCH_SIZE
    for start in range(0, len(ids), per_job):
        enqueue_on_commit(
            judge_actions_job,
            ids[start : start + per_job],
            job_timeout=JUDGE_TIMEOUT,
            queue_name=QUEUE_JUDGING,
        )


def judge_customers_enqueue(shop_id: int, customer_ids: list[int]) -> None:
    """Queue judging these customers of the shop again once the transaction commits."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), judging.BATCH_SIZE):
        enqueue_on_commit(
            judge_customers_job,
            shop_id,
            ids[start : start + judging.BATCH_SIZE],
            job_timeout=JUDGE_TIMEOUT,
            queue_name=QUEUE_JUDGING,
        )


def rejudge_batch_enqueue(shop_id: int) -> None:
    """Queue re-judging the next batch of the shop's marked customers after the commit."""
    enqueue_on_commit(
        rejudge_batch_job, shop_id, job_timeout=JUDGE_TIMEOUT, queue_name=QUEUE_JUDGING
    )


def rejudge_on_policy_change(request) -> None:
    """Mark the customers a promise or calendar change may re-judge, then queue the work.

    The policies.hooks receiver, called inside the change's transaction: the marks commit
    with the change (or not at all), and the first batch is queued after the commit.
    """
    marked = marks.rejudge_mark(shop_id=request.shop_id, since=request.since, until=request.until)
    if marked:
        rejudge_batch_enqueue(request.shop_id)


def import_process_enqueue(import_id: int) -> None:
    """Queue an import's processing once the transaction commits."""
    enqueue_on_commit(
        import_process, import_id, job_timeout=IMPORT_TIMEOUT, queue_name=QUEUE_IMPORTS
    )
