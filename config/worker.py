"""An RQ worker that outlives Redis outages, and a cron scheduler that runs once at a time.

RQ's worker quits on any Redis error outside its blocking dequeue ("found an unhandled
exception, quitting"), and rqcron dies with the first one. `worker_run` starts the worker
again once Redis answers; `LockedCronScheduler` enqueues only while it holds a lock in
Redis (SET NX with an expiry, renewed on every loop), so a second scheduler, on this or
another machine, idles until the first one stops or dies and its lock expires.
"""

import contextlib
import logging
import time
from collections.abc import Callable

import redis
import rq
from django.conf import settings
from django.db import connections as db_connections
from django_rq.cron import DjangoCronScheduler
from django_rq.utils import reset_db_connections
from django_rq.workers import get_worker
from rq.exceptions import StopRequested

logger = logging.getLogger("tsuzuku.worker")

RECONNECT_MAX_SECONDS = 30
SCHEDULER_LOCK_KEY = "tsuzuku:scheduler:lock"


def redis_wait(connection, *, stop: Callable[[], bool], sleep=time.sleep) -> bool:
    """Wait until Redis answers, backing off up to 30 s; return False if stop() says so."""
    delay = 1.0
    while not stop():
        try:
            connection.ping()
            return True
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as error:
            logger.warning("Redis is unreachable (%s); trying again in %.0f s", error, delay)
            sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)
    return False


class Worker(rq.Worker):
    """RQ's forking worker, whose work horse never uses a database connection it inherited.

    A connection the worker process holds is shared with every horse it forks; a horse that
    talked on it would leave it in a state the next horse (or the worker) cannot read, which
    shows up as a hang or an OperationalError. The horse drops the inherited connection
    (without closing it: the socket is the parent's) and opens its own.
    """

    def main_work_horse(self, job, queue):
        for connection in db_connections.all(initialized_only=True):
            connection.connection = None
        return super().main_work_horse(job, queue)


def worker_warm_up() -> None:
    """Load once, in the worker process, what each work horse would otherwise load again.

    RQ forks a horse per job, and a horse's caches die with it: the holiday library's list
    of countries (every country's module imported, 0.2 s) was loaded again by every
    judging job, more than the judging of a 350-action job's customers (docs/PERFORMANCE.md,
    "Import with judging by the workers"). Loaded here, every horse inherits it.
    """
    from policies.calendar import supported_countries

    supported_countries()


def worker_run(*, queues: list[str], max_restarts: int | None = None, **work_kwargs) -> int:
    """Run an RQ worker on these queues, starting it again after Redis errors; return runs.

    The loop ends when the worker was asked to stop (SIGTERM/SIGINT: RQ's warm shutdown),
    ended by itself (burst mode) or after max_restarts restarts (tests).
    """
    worker_warm_up()
    runs = 0
    while True:
        runs += 1
        worker = get_worker(*queues, worker_class=Worker)
        # Django's connections must not be shared with the work horse RQ forks.
        reset_db_connections()
        try:
            worker.work(**work_kwargs)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            # Raised while registering or tearing down: the worker never got going.
            logger.warning("Worker stopped by a Redis error: %s", error)
        # A stop signal (SIGTERM/SIGINT) sets the shutdown date, busy or idle.
        if worker._shutdown_requested_date is not None or work_kwargs.get("burst"):
            return runs
        if max_restarts is not None and runs > max_restarts:
            return runs
        logger.warning("Worker %s quit (Redis went away?); starting it again", worker.name)
        if not redis_wait(worker.connection, stop=lambda: False):
            return runs


class LockedCronScheduler(DjangoCronScheduler):
    """A cron scheduler that enqueues only while it holds the scheduler lock in Redis."""

    def __init__(self, *args, lock_seconds: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock_seconds = lock_seconds or settings.SCHEDULER_LOCK_SECONDS
        self.leader = False

    def lock_hold(self) -> bool:
        """Take or renew the lock; return whether this scheduler holds it now."""
        connection = self.connection
        holder = connection.get(SCHEDULER_LOCK_KEY)
        if holder is not None and holder.decode() == self.name:
            # Renew only our own lock: compare and extend in one step.
            renewed = connection.eval(
                "if redis.call('get', KEYS[1]) == ARGV[1] then "
                "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end",
                1,
                SCHEDULER_LOCK_KEY,
                self.name,
                self.lock_seconds,
            )
            held = bool(renewed)
        else:
            held = bool(
                connection.set(SCHEDULER_LOCK_KEY, self.name, nx=True, ex=self.lock_seconds)
            )
        if held != self.leader:
            self.log.info(
                "Scheduler %s %s the lock", self.name, "holds" if held else "no longer holds"
            )
        self.leader = held
        return held

    def lock_release(self) -> None:
        """Give the lock up if this scheduler holds it (on a clean stop)."""
        with contextlib.suppress(redis.exceptions.RedisError):
            self.connection.eval(
                "if redis.call('get', KEYS[1]) == ARGV[1] then "
                "return redis.call('del', KEYS[1]) else return 0 end",
                1,
                SCHEDULER_LOCK_KEY,
                self.name,
            )

    def enqueue_jobs(self):
        """Enqueue the due jobs if this scheduler holds the lock; else nothing."""
        if not self.lock_hold():
            return []
        return super().enqueue_jobs()

    def calculate_sleep_interval(self) -> float:
        """Wake up at least three times per lock period, to renew it in time."""
        return min(super().calculate_sleep_interval(), self.lock_seconds / 3)

    def start(self):
        """Run the scheduler loop; a Redis outage pauses it instead of ending it."""
        stopping = False
        try:
            while not stopping:
                try:
                    super().start()
                    stopping = True
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
                    self.leader = False
                    self.log.warning("Scheduler %s lost Redis: %s", self.name, error)
                    redis_wait(self.connection, stop=lambda: False)
        except (StopRequested, KeyboardInterrupt):
            self.log.info("Scheduler %s: stopped while waiting for Redis", self.name)
        self.lock_release()
