"""django-rq jobs of the commitments app: one-line wrappers taking ids, queued on commit.

`*_enqueue` helpers queue a job once the current transaction commits. If Redis cannot be
reached the error is logged and nothing else happens: what was stored stays stored, and the
sweeper (commitments.sweeper, every few minutes) judges actions left unjudged and re-queues
imports left queued.
"""

import logging
from functools import partial

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import translation
from redis.exceptions import RedisError

from policies.models import Shop

from . import engine, imports, sweeper

logger = logging.getLogger(__name__)

# Queues (settings.JOB_QUEUES maps each to a real queue; production: the same names). Imports
# get a queue of their own so a long file never holds back judging.
QUEUE = "default"
QUEUE_IMPORTS = "imports"
QUEUE_JUDGING = "judging"
# An import of a large file may take longer than the queue's default timeout.
IMPORT_TIMEOUT = 6 * 3600


def judge_actions_job(action_ids: list[int]) -> int:
    """Judge the customers of these actions again; return the number of actions judged."""
    return engine.judge_actions(action_ids=action_ids).actions


def rejudge_shop_job(shop_id: int) -> int:
    """Judge every customer of the shop again (after a promise change); return the actions."""
    shop = Shop.objects.filter(pk=shop_id).first()
    return 0 if shop is None else engine.judge_shop(shop=shop).actions


def import_process(import_id: int) -> str | None:
    """Run a queued CSV import; return its status (None when it was not queued any more)."""
    # The stored row errors are read later on the web pages: write them in the site's
    # language, whatever language the worker process happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        imp = imports.import_process(import_id=import_id)
    return None if imp is None else imp.status


def sweep() -> dict:
    """Re-queue unjudged actions and stale imports, and raise overdue findings."""
    return sweeper.sweep().as_dict()


# ------------------------------------------------------------------------------
# Queueing on commit
# ------------------------------------------------------------------------------
def enqueue_now(func, *args, job_timeout: int | None = None, queue_name: str = QUEUE) -> bool:
    """Queue the job now on its queue; return False (and log why) if Redis cannot be reached."""
    try:
        queue = django_rq.get_queue(
            settings.JOB_QUEUES.get(queue_name, queue_name), commit_mode="auto"
        )
        queue.enqueue(func, *args, job_timeout=job_timeout)
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


def judge_actions_enqueue(action_ids: list[int]) -> None:
    """Queue the judging of these actions, in batches, once the transaction commits."""
    ids = sorted(set(action_ids))
    for start in range(0, len(ids), engine.BATCH_SIZE):
        enqueue_on_commit(
            judge_actions_job, ids[start : start + engine.BATCH_SIZE], queue_name=QUEUE_JUDGING
        )


def rejudge_shop_enqueue(shop_id: int) -> None:
    """Queue judging the whole shop again once the transaction commits."""
    enqueue_on_commit(
        rejudge_shop_job, shop_id, job_timeout=IMPORT_TIMEOUT, queue_name=QUEUE_JUDGING
    )


def rejudge_on_policy_change(request) -> None:
    """Queue re-judging after a promise or calendar change (policies.hooks receiver)."""
    rejudge_shop_enqueue(request.shop_id)


def import_process_enqueue(import_id: int) -> None:
    """Queue an import's processing once the transaction commits."""
    enqueue_on_commit(
        import_process, import_id, job_timeout=IMPORT_TIMEOUT, queue_name=QUEUE_IMPORTS
    )
