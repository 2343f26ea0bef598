"""The table of issue 13 at a scale: each figure next to its baseline, measured in one run.

`python bench/run.py --scale S` generates the synthetic year (bench/generate.py) and
measures, on the same machine and in the same run, each piece of work of Tsuzuku beside
the cheapest way to do the same work, interleaved (A, B, A, B, ...) and reported as the
median of `--reps` repetitions, so that a busy shared machine slows both alike:

| work | baseline |
|---|---|
| CSV import with judging, sequential in one process | plain `bulk_create` of the same rows |
| CSV import with judging by the worker processes (one per CPU), as in production | the same |
| weekly report (8-week trends) | GROUP BYs of the week's findings, the 8 weeks' checks |
| pre-check p50/p95/p99 (in-process; random and top 1 % history) | a trivial authenticated GET |
| the same over HTTP through gunicorn | the trivial GET over HTTP |
| rebuild_commitments (judge the whole shop) | loading the same rows alone |
| findings list / today's worklist p95 | the trivial GET |
| judging from empty, 2 worker processes at once | the same with 1 worker process |
| import peak RSS | (absolute) |

The figures are printed and written; nothing is asserted (timings belong here, not in tests).
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import generate

PORT = int(os.environ.get("BENCH_HTTP_PORT", "8801"))


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _latency(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50_ms": round(_percentile(values_ms, 0.50), 2),
        "p95_ms": round(_percentile(values_ms, 0.95), 2),
        "p99_ms": round(_percentile(values_ms, 0.99), 2),
    }


def _ratio(work: float, base: float) -> float | None:
    return round(work / base, 2) if base else None


def _rss_kib(field: str) -> int:
    """Return VmRSS or VmHWM (peak) of this process in KiB (Linux), 0 elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_peak_reset() -> bool:
    """Reset the peak RSS (VmHWM) of this process (Linux >= 4.0); return whether it could."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------------
# The shop of the year
# ------------------------------------------------------------------------------
def year_load(*, scale: float, shop_make) -> dict:
    """Create the shop, store the generated year, judge it all; return the shop and figures."""
    from bench import targets

    shop = shop_make("bench-year")
    customers = generate.customers_count(scale)
    started = time.perf_counter()
    counts = generate.shop_load(shop=shop, customers=customers)
    stored = time.perf_counter() - started
    targets.analyze()
    started = time.perf_counter()
    judged = targets.judge_shop(shop=shop)
    judging = time.perf_counter() - started
    targets.analyze()
    print(
        f"  stored {counts['actions']:,} actions, {counts['occasions']:,} occasions of "
        f"{counts['customers']:,} customers in {stored:.1f} s; judged in {judging:.1f} s",
        file=sys.stderr,
    )
    return {
        "shop": shop,
        **counts,
        "store_seconds": round(stored, 2),
        "judge_seconds": round(judging, 2),
        "judged_actions": judged.actions,
        "actions_per_second_judging": round(counts["actions"] / judging, 1) if judging else None,
    }


# ------------------------------------------------------------------------------
# CSV import with judging vs plain bulk_create
# ------------------------------------------------------------------------------
def import_rows(scale: float) -> int:
    """Rows of the imported file: a tenth of the year's actions (10k at 0.1, 100k at 1.0)."""
    return max(1000, round(100_000 * scale))


def import_measure(
    *, scale: float, reps: int, shop_make, folder: Path, workers: int | None = None
) -> dict:
    """Return ingest-with-judging and bulk_create seconds (interleaved), and peak RSS.

    Three ways of importing and judging the same file, each rep one after the other with
    `bulk_create` of the same rows, each into a new shop:
    - **sequential**, in this one process: the import with no judging queued, then
      `judge_shop` (as `import_log --judge-now`);
    - **pipelined** (PostgreSQL only): this process imports (as `import_log` does) and
      queues the judging of each batch as it commits, while `workers` worker processes
      (default: the machine's CPUs), started and idle before the clock, judge it: the
      import beside the workers, one process more than the machine has cores;
    - **queued** (PostgreSQL only), as production runs an upload: the file is uploaded as
      the import page does, and the same `workers` do everything, one of them the import
      (`queued_run`).
    The clock of the last two stops when the import is done and every action is judged
    with no job queued or running.
    """
    from django.db import connection

    from bench import targets

    path = folder / "import.csv"
    rows = generate.csv_write(path, rows=import_rows(scale))
    workers = workers or os.cpu_count() or 1
    pool = None
    if connection.vendor == "postgresql":
        pool = Workers(workers)
        pool.reset()
    work, base, rss = [], [], {}
    piped, piped_import, counts, loads, work_cpu, piped_cpu = [], [], [], [], [], []
    queued, queued_import, queued_cpu = [], [], []
    try:
        if pool is not None:
            pool.wait_ready()
        for rep in range(reps):
            loads.append(round(os.getloadavg()[0], 2))
            shop = shop_make(f"bench-import-{rep}")
            measure_rss = rep == 0 and _rss_peak_reset()
            before = _rss_kib("VmRSS")
            backend = _backend_pid()
            cpu = (time.process_time(), _backend_cpu(backend))
            started = time.perf_counter()
            imp = targets.import_from_path(shop=shop, path=str(path), enqueue_judging=False)
            targets.judge_shop(shop=shop)
            work.append(time.perf_counter() - started)
            work_cpu.append(_spent(cpu, (time.process_time(), _backend_cpu(backend))))
            if measure_rss:
                rss = {
                    "rss_before_mib": round(before / 1024, 1),
                    "rss_peak_mib": round(_rss_kib("VmHWM") / 1024, 1),
                    "rss_growth_mib": round((_rss_kib("VmHWM") - before) / 1024, 1),
                }
            if imp.rejected or imp.stored != imp.rows:
                raise RuntimeError(f"The bench import rejected rows: {imp.errors[:3]}")
            counts.append(_stored_counts(shop=shop))
            if pool is not None:
                shop = shop_make(f"bench-ingest-{rep}")
                run = pipelined_run(shop=shop, path=path, workers=pool)
                piped.append(run["seconds"])
                piped_import.append(run["import_seconds"])
                piped_cpu.append(
                    [run[k] for k in ("import_python_cpu_s", "import_database_cpu_s",
                                      "workers_python_cpu_s")]
                )  # fmt: skip
                counts.append(_stored_counts(shop=shop))
                shop = shop_make(f"bench-queued-{rep}")
                run = queued_run(shop=shop, path=path, workers=pool)
                queued.append(run["seconds"])
                queued_import.append(run["import_seconds"])
                queued_cpu.append(run["workers_python_cpu_s"])
                counts.append(_stored_counts(shop=shop))
            plain = shop_make(f"bench-bulk-{rep}")
            started = time.perf_counter()
            generate.csv_bulk_create(path, shop=plain)
            base.append(time.perf_counter() - started)
            print(f"  import rep {rep + 1}: sequential {work[-1]:.1f} s, "
                  + (f"pipelined ({workers} workers) {piped[-1]:.1f} s "
                     f"(import {piped_import[-1]:.1f} s), queued {queued[-1]:.1f} s "
                     f"(import {queued_import[-1]:.1f} s), " if piped else "")
                  + f"bulk_create {base[-1]:.1f} s", file=sys.stderr)  # fmt: skip
    finally:
        if pool is not None:
            pool.stop()
    results = {
        "rows": rows,
        # Sequential, one process: the import (no judging queued), then judge_shop.
        "import_seconds": [round(s, 2) for s in work],
        "bulk_create_seconds": [round(s, 2) for s in base],
        "import_median_s": round(_median(work), 2),
        "bulk_create_median_s": round(_median(base), 2),
        # Issue 13's ratio: bulk_create time over import time (1 = as fast as bulk_create).
        "speed_vs_bulk_create": _ratio(_median(base), _median(work)),
        "rows_per_second": round(rows / _median(work), 1),
        "load_average_at_starts": loads,
        # CPU seconds of each rep: [this process, its database backend] (None: unknown).
        "cpu_seconds": work_cpu,
        **rss,
    }
    if pool is None:
        skipped = {"status": "skipped: needs PostgreSQL (worker processes)"}
        results["pipelined"] = results["queued"] = skipped
        return results
    actions = counts[-1]["actions"]

    def by_workers(seconds: list, imported: list, **cpu) -> dict:
        return {
            "workers": workers,
            "cpus": os.cpu_count(),
            "actions": actions,
            "seconds": [round(s, 2) for s in seconds],
            "median_s": round(_median(seconds), 2),
            # Until the import itself was done (its last batch committed and queued).
            "import_seconds": [round(s, 2) for s in imported],
            "import_median_s": round(_median(imported), 2),
            "speed_vs_bulk_create": _ratio(_median(base), _median(seconds)),
            **cpu,
            "actions_per_second": round(actions / _median(seconds), 1),
            "rows_per_second": round(rows / _median(seconds), 1),
            # Checks, findings and commitments stored alike, sequential or by the workers.
            "same_rows": all(c == counts[0] for c in counts),
        }

    # CPU seconds of each rep: [the importing process, its database backend, the worker
    # processes with their work horses] (the workers' database backends not counted).
    results["pipelined"] = by_workers(piped, piped_import, cpu_seconds=piped_cpu)
    # CPU seconds of the worker processes with their work horses, the import's included.
    results["queued"] = by_workers(queued, queued_import, workers_python_cpu_s=queued_cpu)
    return results


# ------------------------------------------------------------------------------
# Ingest with judging by worker processes, as production runs it
# ------------------------------------------------------------------------------
def _database_url() -> str:
    """Return a DATABASE_URL naming the database this process uses (the bench's test one)."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class Workers:
    """`count` processes of `manage.py worker` (the Procfile's worker: every queue, RQ's
    forking worker) on the bench database and the bench Redis, started and idle before any
    clock runs; `stop()` ends them (SIGTERM: RQ's warm shutdown)."""

    def __init__(self, count: int):
        import django_rq
        from django.conf import settings

        self.count = count
        self.queue = django_rq.get_queue(settings.JOB_QUEUES["judging"])
        self.redis = self.queue.connection
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=_database_url(),
            BENCH_REDIS_URL=settings.REDIS_URL,
        )
        root = Path(__file__).resolve().parent.parent
        # Closed by stop().
        self.logs = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115
        self.processes = [
            subprocess.Popen(  # noqa: S603 - this venv's Python running our manage.py
                [sys.executable, "manage.py", "worker", *settings.QUEUE_NAMES, "-v", "0"],
                env=env,
                cwd=str(root),
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            for log in self.logs
        ]
        self.pids = {process.pid for process in self.processes}

    def reset(self) -> None:
        """Empty the bench's queue and forget jobs left started by an earlier run (a worker
        killed with its job); the bench Redis is the bench's own."""
        self.queue.empty()
        self.redis.delete(self.queue.started_job_registry.key, self.queue.intermediate_queue_key)

    def _ours(self) -> list:
        from rq import Worker

        return [w for w in Worker.all(connection=self.redis) if w.pid in self.pids]

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until every worker process has registered with Redis (idle, listening)."""
        deadline = time.monotonic() + timeout
        while len(self._ours()) < self.count:
            self.alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"The {self.count} bench workers did not start: {self.log()}")
            time.sleep(0.2)

    def alive(self) -> None:
        """Raise if a worker process has exited."""
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"A bench worker exited with {process.returncode}: {self.log()}")

    def log(self) -> str:
        """Return the end of the workers' output (tracebacks of failed jobs)."""
        text = []
        for log in self.logs:
            log.seek(0)
            text.append(log.read().decode(errors="replace")[-3000:])
        return "\n".join(text)

    def failed_jobs(self) -> int:
        """Return the jobs that failed so far: the workers' counts (a retried failure too) and
        the failed-job registry's."""
        return sum(w.failed_job_count for w in self._ours()) + self.queue.failed_job_registry.count

    def cpu_seconds(self) -> float | None:
        """Return the CPU seconds the worker processes and their reaped work horses (one per
        job) have used so far (Linux /proc), or None."""
        total = 0.0
        for process in self.processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        return total

    def busy(self) -> int:
        """Return the jobs queued, taken (RQ's intermediate queue) or running."""
        return (
            self.queue.count
            + self.redis.llen(self.queue.intermediate_queue_key)
            + self.queue.started_job_registry.count
        )

    def wait_judged(self, *, shop, failed_before: int, timeout: float, ready=lambda: True):
        """Wait until ready() is true, no job is queued or running and every action of the
        shop is judged; raise if a job failed, a worker exited or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        while True:
            if self.failed_jobs() > failed_before:
                raise RuntimeError(f"A job failed in a bench worker:\n{self.log()}")
            if ready() and not self.busy() and not _unjudged(shop=shop) and not self.busy():
                return
            self.alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"The bench workers did not finish in {timeout} s.")
            time.sleep(0.02)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()


def _unjudged(*, shop) -> int:
    from commitments.models import Action

    return Action.objects.filter(shop=shop, unjudged__isnull=False).count()


def _judge_failures(*, shop) -> list:
    from commitments.models import Customer

    return list(
        Customer.objects.filter(shop=shop, judge_failed_at__isnull=False).values_list(
            "external_id", "judge_error"
        )[:3]
    )


def pipelined_run(*, shop, path: Path, workers: Workers, timeout: float = 3600) -> dict:
    """Import the file into the shop with its judging queued (the import's own enqueue, on
    each batch's commit) while the idle `workers` judge; return the seconds from the import's
    start until it is finished and every action of the shop is judged with no job queued or
    running, and the import's own seconds. Raise if a job or a customer's judging failed."""
    from bench import targets

    workers.alive()
    if workers.busy():
        raise RuntimeError("Jobs were queued before the pipelined import started.")
    failed_before = workers.failed_jobs()
    backend = _backend_pid()
    cpu = (time.process_time(), _backend_cpu(backend), workers.cpu_seconds())
    started = time.perf_counter()
    imp = targets.import_from_path(shop=shop, path=str(path))
    stored = time.perf_counter() - started
    workers.wait_judged(shop=shop, failed_before=failed_before, timeout=timeout)
    seconds = time.perf_counter() - started
    python, database, judging = _spent(
        cpu, (time.process_time(), _backend_cpu(backend), workers.cpu_seconds())
    )
    if imp.rejected or imp.stored != imp.rows:
        raise RuntimeError(f"The bench import rejected rows: {imp.errors[:3]}")
    failures = _judge_failures(shop=shop)
    if failures:
        raise RuntimeError(f"The workers could not judge customers: {failures}")
    return {
        "seconds": seconds,
        "import_seconds": stored,
        "rows": imp.rows,
        "import_python_cpu_s": python,
        "import_database_cpu_s": database,
        "workers_python_cpu_s": judging,
    }


def queued_run(*, shop, path: Path, workers: Workers, timeout: float = 3600) -> dict:
    """Upload the file as the import page and the API do (`import_create`: its bytes stored
    in the database, its processing queued) and leave everything to the idle `workers`: one
    takes the import from the imports queue and queues its judging as each batch commits,
    the others judge meanwhile, and all judge once it is done. Return the seconds from the
    upload until the import is done and every action of the shop is judged with no job
    queued or running. Raise if the import, a job or a customer's judging failed."""
    from django.conf import settings
    from django.core.files import File

    from commitments.imports import import_create
    from commitments.models import Import, ImportStatus

    workers.alive()
    if workers.busy():
        raise RuntimeError("Jobs were queued before the queued import started.")
    failed_before = workers.failed_jobs()
    cpu = workers.cpu_seconds()
    started = time.perf_counter()
    with open(path, "rb") as stream:
        imp = import_create(
            shop=shop,
            upload=File(stream, name=path.name),
            max_bytes=max(settings.IMPORT_MAX_BYTES, path.stat().st_size),
        )
    imported = None

    def done() -> bool:
        nonlocal imported
        if imported is None:
            status = Import.objects.filter(pk=imp.pk).values_list("status", flat=True).get()
            if status == ImportStatus.FAILED:
                raise RuntimeError(f"The queued bench import failed:\n{workers.log()}")
            if status == ImportStatus.DONE:
                imported = time.perf_counter() - started
        return imported is not None

    workers.wait_judged(shop=shop, failed_before=failed_before, timeout=timeout, ready=done)
    seconds = time.perf_counter() - started
    imp.refresh_from_db()
    if imp.rejected or imp.stored != imp.rows:
        raise RuntimeError(f"The queued bench import rejected rows: {imp.errors[:3]}")
    failures = _judge_failures(shop=shop)
    if failures:
        raise RuntimeError(f"The workers could not judge customers: {failures}")
    after = workers.cpu_seconds()
    return {
        "seconds": seconds,
        "import_seconds": imported,
        "rows": imp.rows,
        "workers_python_cpu_s": None if cpu is None or after is None else round(after - cpu, 2),
    }


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _spent(before: tuple, after: tuple) -> list:
    """Return after - before for each figure (None where either is unknown), rounded."""
    return [
        None if a is None or b is None else round(a - b, 2)
        for b, a in zip(before, after, strict=True)
    ]


# ------------------------------------------------------------------------------
# Weekly report vs raw GROUP BYs
# ------------------------------------------------------------------------------
def report_measure(*, shop, reps: int) -> dict:
    """Return the weekly report's seconds and queries, and the raw GROUP BYs' seconds."""
    from django.db import connection
    from django.db.models import Avg, Count, Q
    from django.db.models.functions import TruncWeek
    from django.test.utils import CaptureQueriesContext

    from bench import targets
    from commitments.models import Action, Check, Finding

    end = generate.END
    week_start, trend_start = end - timedelta(days=7), end - timedelta(days=56)

    def raw():
        findings = list(
            Finding.objects.filter(shop=shop, occurred_at__gte=week_start, occurred_at__lt=end)
            .values("promise_id", "type", "excused")
            .annotate(n=Count("id"))
            .order_by()
        )
        checks = list(
            Check.objects.filter(shop=shop, occurred_at__gte=trend_start, occurred_at__lt=end)
            .annotate(week=TruncWeek("occurred_at"))
            .values("promise_id", "week")
            .annotate(n=Count("id"), kept=Count("id", filter=Q(kept=True)), level=Avg("level"))
            .order_by()
        )
        return findings, checks

    targets.report_build(shop=shop, week=generate.REPORT_WEEK)  # warm-up
    with CaptureQueriesContext(connection) as captured:
        targets.report_build(shop=shop, week=generate.REPORT_WEEK)
    work, base = [], []
    for _rep in range(reps):
        started = time.perf_counter()
        targets.report_build(shop=shop, week=generate.REPORT_WEEK)
        work.append(time.perf_counter() - started)
        started = time.perf_counter()
        raw()
        base.append(time.perf_counter() - started)
    return {
        "week": generate.REPORT_WEEK,
        "week_actions": Action.objects.filter(
            shop=shop, occurred_at__gte=week_start, occurred_at__lt=end
        ).count(),
        "queries": len(captured.captured_queries),
        "report_seconds": [round(s, 3) for s in work],
        "group_by_seconds": [round(s, 4) for s in base],
        "report_median_s": round(_median(work), 3),
        "group_by_median_s": round(_median(base), 4),
        "ratio": _ratio(_median(work), _median(base)),
    }


# ------------------------------------------------------------------------------
# Requests: pre-check, findings list, worklist, against a trivial authenticated GET
# ------------------------------------------------------------------------------
def _precheck_bodies(*, shop, runs: int, top_share: float | None = None) -> list[dict]:
    """Return `runs` pre-check bodies for random customers (or the longest histories)."""
    from django.db.models import Count, Max

    from commitments.models import Customer, Occasion

    customers = Customer.objects.filter(shop=shop).annotate(n=Count("actions"))
    if top_share is not None:
        total = customers.count()
        customers = customers.order_by("-n", "id")[: max(1, round(total * top_share))]
    ids = list(customers.values_list("id", flat=True))
    rng = random.Random(13)
    picked = [rng.choice(ids) for _ in range(runs)]
    latest = dict(
        Occasion.objects.filter(customer_id__in=set(picked), kind="order_placed")
        .values("customer_id")
        .annotate(at=Max("occurred_at"))
        .values_list("customer_id", "at")
    )
    orders = {
        (o.customer_id, o.occurred_at): o.external_id
        for o in Occasion.objects.filter(customer_id__in=set(picked), kind="order_placed")
    }
    external = dict(Customer.objects.filter(id__in=set(picked)).values_list("id", "external_id"))
    bodies = []
    for n, pk in enumerate(picked):
        at = latest.get(pk)
        occasion = orders.get((pk, at), "")
        kind, attributes = [("note_enclosed", {"lines": 6}), ("shipped", {"extras": []})][n % 2]
        moment = (at or generate.END) + timedelta(hours=3)
        bodies.append(
            {
                "customer": external[pk],
                "kind": kind,
                "occurred_at": moment.isoformat(),
                "occasion": occasion,
                "attributes": attributes,
            }
        )
    return bodies


def _client_pairs(client, *, trivial: str, calls: list, label: str) -> dict:
    """Time each call and the trivial GET alternately; return both latencies (ms)."""
    work, base = [], []
    for call in calls:
        started = time.perf_counter()
        response = call()
        work.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{label}: status {response.status_code}: {response.content[:300]}")
        started = time.perf_counter()
        response = client.get(trivial)
        base.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"trivial GET: status {response.status_code}")
    work_l, base_l = _latency(work), _latency(base)
    return {
        label: work_l,
        "trivial_get": base_l,
        "ratio_p50": _ratio(work_l["p50_ms"], base_l["p50_ms"]),
        "ratio_p99": _ratio(work_l["p99_ms"], base_l["p99_ms"]),
    }


def precheck_measure(*, shop, key: str, runs: int) -> dict:
    """Return the pre-check's latency against the trivial GET, in-process and over HTTP.

    Random customers (`runs` pre-checks) and the top 1 % of history length (a quarter as
    many, at least 20), each pre-check followed by the trivial GET (interleaved).
    """
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    trivial = f"/api/v1/shops/{shop.slug}/"
    precheck = f"/api/v1/shops/{shop.slug}/prechecks/"
    bodies = {
        "precheck": _precheck_bodies(shop=shop, runs=runs),
        "precheck_top1": _precheck_bodies(shop=shop, runs=max(20, runs // 4), top_share=0.01),
    }

    def posts(some):
        return [
            lambda body=body: client.post(precheck, body, content_type="application/json")
            for body in some
        ]

    for body in bodies["precheck"][:5]:  # warm-up: imports, holiday tables, connections
        client.get(trivial)
        client.post(precheck, body, content_type="application/json")
    results = {
        label: _client_pairs(client, trivial=trivial, calls=posts(some), label="precheck")
        for label, some in bodies.items()
    }
    results["http"] = http_measure(shop=shop, key=key, bodies=bodies)
    return results


def requests_measure(*, shop, runs: int) -> dict:
    """Return pre-check (random and top-1 % customers), findings list and worklist latency."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from accounts.tokens import api_token_create

    user = shop.memberships.select_related("user").first().user
    _token, key = api_token_create(user=user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    trivial = f"/api/v1/shops/{shop.slug}/"
    prechecks = precheck_measure(shop=shop, key=key, runs=runs)
    results = {label: prechecks[label] for label in ("precheck", "precheck_top1")}
    # The pages, signed in as a manager of the shop.
    pages = Client()
    pages.force_login(user)
    lists = {"findings_list": f"/shops/{shop.slug}/findings/"}
    for name in ("worklist", "today", "commitments:worklist"):
        try:
            lists["worklist"] = reverse(name, kwargs={"shop": shop.slug})
            break
        except NoReverseMatch:
            continue
    for label, url in lists.items():
        pages.get(url)
        results[label] = _client_pairs(
            client, trivial=trivial, calls=[lambda url=url: pages.get(url)] * max(20, runs // 5),
            label=label,
        )  # fmt: skip
    if "worklist" not in lists:
        results["worklist"] = {"status": "skipped: no worklist page on this version"}
    results["http"] = prechecks["http"]
    return results


def http_measure(*, shop, key: str, bodies: dict[str, list[dict]]) -> dict:
    """Return pre-check vs trivial GET over HTTP through gunicorn, or why it was skipped.

    `bodies` as in `precheck_measure`: the random customers' figures at the top level, the
    top 1 %'s under "precheck_top1", each pre-check followed by the trivial GET.
    """
    import importlib.util
    from http.client import HTTPConnection

    from django.db import connection

    if (
        importlib.util.find_spec("gunicorn") is None
        or shutil.which("gunicorn") is None
        and not (Path(sys.executable).parent / "gunicorn").exists()
    ):
        return {"status": "skipped: gunicorn is not installed"}
    if connection.vendor != "postgresql":
        return {"status": "skipped: needs PostgreSQL (the server opens the bench database)"}
    db = connection.settings_dict
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, bound to 127.0.0.1
        [str(gunicorn) if gunicorn.exists() else "gunicorn", "config.wsgi:application",
         "--config", "config/gunicorn.py",  # the production server's settings (scripts/serve)
         "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--log-level", "warning"],
        env=env, cwd=str(Path(__file__).resolve().parent.parent),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        import json

        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        trivial = f"/api/v1/shops/{shop.slug}/"
        precheck = f"/api/v1/shops/{shop.slug}/prechecks/"

        def timed(conn, method, url, body=None):
            started = time.perf_counter()
            conn.request(method, url, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {method} {url}: {response.status}")
            return (time.perf_counter() - started) * 1000

        def pairs(some: list[dict]) -> dict:
            work, base = [], []
            for body in some:
                work.append(timed(conn, "POST", precheck, json.dumps(body)))
                base.append(timed(conn, "GET", trivial))
            work_l, base_l = _latency(work), _latency(base)
            return {
                "precheck": work_l,
                "trivial_get": base_l,
                "ratio_p50": _ratio(work_l["p50_ms"], base_l["p50_ms"]),
                "ratio_p99": _ratio(work_l["p99_ms"], base_l["p99_ms"]),
            }

        conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
        for body in bodies["precheck"][:5]:  # warm-up: both workers, their connections
            timed(conn, "POST", precheck, json.dumps(body))
            timed(conn, "GET", trivial)
        return {
            **pairs(bodies["precheck"]),
            "precheck_top1": pairs(bodies["precheck_top1"]),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


# ------------------------------------------------------------------------------
# rebuild_commitments vs loading the same rows
# ------------------------------------------------------------------------------
def rebuild_measure(*, shop, reps: int) -> dict:
    """Return the seconds of judging the whole shop again and of reading its rows alone."""
    from bench import targets
    from commitments.models import Action, Check, Commitment, Customer, Finding, Occasion

    ids = list(Customer.objects.filter(shop=shop).order_by("id").values_list("id", flat=True))

    def load():
        rows = 0
        for start in range(0, len(ids), targets.BATCH_SIZE):
            batch = ids[start : start + targets.BATCH_SIZE]
            rows += len(list(Action.objects.filter(shop=shop, customer_id__in=batch)))
            rows += len(list(Occasion.objects.filter(shop=shop, customer_id__in=batch)))
            rows += len(list(Check.objects.filter(shop=shop, action__customer_id__in=batch)))
            rows += len(list(Finding.objects.filter(shop=shop, customer_id__in=batch)))
            rows += len(list(Commitment.objects.filter(shop=shop, customer_id__in=batch)))
        return rows

    work, base, changed = [], [], []
    rows = 0
    for _rep in range(reps):
        started = time.perf_counter()
        result = targets.rebuild(shop=shop)
        work.append(time.perf_counter() - started)
        # The stored judgements equal a rebuild's when it changes nothing (issue 13).
        changed.append(
            sum(result.created.values())
            + sum(result.updated.values())
            + sum(result.deleted.values())
            + len(result.failed)
        )
        started = time.perf_counter()
        rows = load()
        base.append(time.perf_counter() - started)
        print(f"  rebuild {work[-1]:.1f} s vs load {base[-1]:.1f} s", file=sys.stderr)
    return {
        "rows_loaded": rows,
        "rebuild_seconds": [round(s, 2) for s in work],
        "load_seconds": [round(s, 2) for s in base],
        "rows_changed": changed,
        "rebuild_median_s": round(_median(work), 2),
        "load_median_s": round(_median(base), 2),
        "ratio": _ratio(_median(work), _median(base)),
    }


# ------------------------------------------------------------------------------
# Judging from empty: one worker process vs several at once
# ------------------------------------------------------------------------------
def judged_reset(*, shop) -> None:
    """Make the shop's year unjudged again: no checks, findings, commitments; every action
    waiting (`generate.actions_wait`).

    On PostgreSQL the tables are vacuumed and analysed after the deletes, so every run starts
    from the same tables a shop judged from empty has: no dead rows, statistics of empty
    tables. Vacuumed alone, their row estimate became the few rows a vacuum of the emptied
    pages counts against the year's pages, and a worker's batch reads were planned as
    parallel sequential scans (at 1.0: 787 s instead of 165 s, docs/PERFORMANCE.md).
    """
    from django.db import connection

    from commitments.models import Check, Commitment, Customer, Finding, UnjudgedAction

    Finding.objects.filter(shop=shop).delete()
    Check.objects.filter(shop=shop).delete()
    Commitment.objects.filter(shop=shop).delete()
    Customer.objects.filter(shop=shop).update(judged_at=None)
    generate.actions_wait(shop=shop)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Check, Finding, Commitment, UnjudgedAction, Customer):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _backend_cpu(pid: int | None) -> float | None:
    """Return the CPU seconds the database backend `pid` has used (a server on this Linux
    machine: /proc), or None when it cannot be read."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _worker(shop_id: int, part: int, parts: int, barrier, results) -> None:
    """One worker process: connect, find its part, wait for the others, judge the part.

    Reports the actions judged, failures, its own CPU seconds and its database backend's
    (None when the server is not on this machine or not PostgreSQL)."""
    from django.db import connection

    from bench import targets
    from policies.models import Shop

    try:
        shop = Shop.objects.get(pk=shop_id)  # the connection opens here, before the clock
        ids = targets.customer_part(shop=shop, part=part, parts=parts)
        backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
        barrier.wait(timeout=120)
        cpu, backend_cpu = time.process_time(), _backend_cpu(backend)
        judged = targets.judge_shop(shop=shop, ids=ids)
        cpu, after = time.process_time() - cpu, _backend_cpu(backend)
        spent = None if after is None or backend_cpu is None else after - backend_cpu
        results.put((part, judged.actions, len(judged.failed), cpu, spent, None))
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        results.put((part, 0, 0, 0.0, None, f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def workers_run(*, shop, workers: int) -> dict:
    """Judge the unjudged shop with `workers` processes at once, each its `customer_part`
    (what `rebuild_commitments --part K/N` judges); return the seconds and actions.

    The processes are forked with Django set up and their connection open; the clock starts
    when all of them (and this process) have passed a barrier and stops when the last one
    has reported: process start and Django's setup are not in the time.
    """
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    connections.close_all()  # no connection shared with the children
    processes = [
        context.Process(target=_worker, args=(shop.pk, part, workers, barrier, results))
        for part in range(1, workers + 1)
    ]
    for process in processes:
        process.start()
    try:
        barrier.wait(timeout=120)
        started = time.perf_counter()
        reports = [results.get(timeout=3600) for _ in processes]
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.join(timeout=60)
    errors = [report[5] for report in reports if report[5]]
    if errors:
        raise RuntimeError(f"A judging worker failed: {errors}")
    actions = sum(report[1] for report in reports)
    database = [report[4] for report in sorted(reports)]
    cpu = sum(report[3] for report in reports) + sum(value or 0 for value in database)
    return {
        "seconds": seconds,
        "actions": actions,
        "failed": sum(report[2] for report in reports),
        "python_cpu_seconds": [round(report[3], 2) for report in sorted(reports)],
        "database_cpu_seconds": [None if value is None else round(value, 2) for value in database],
        # CPU of the workers and their backends over the wall clock: the cores they got.
        "cores_used": round(cpu / seconds, 2) if None not in database else None,
    }


def _stored_counts(*, shop) -> dict:
    from commitments.models import Action, Check, Commitment, Finding

    return {
        "actions": Action.objects.filter(shop=shop).count(),
        "checks": Check.objects.filter(shop=shop).count(),
        "findings": Finding.objects.filter(shop=shop).count(),
        "commitments": Commitment.objects.filter(shop=shop).count(),
    }


def workers_measure(*, shop, reps: int, workers: int = 2) -> dict:
    """Return the judging throughput of the year from empty with one worker process and with
    `workers` at once, interleaved (1, N, 1, N, ...), median of `reps`, and the speed-up.

    PostgreSQL only: SQLite takes one writer at a time.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return {"status": "skipped: needs PostgreSQL (SQLite takes one writer at a time)"}
    expected = _stored_counts(shop=shop)
    seconds: dict[int, list[float]] = {1: [], workers: []}
    cpu: dict[int, list] = {1: [], workers: []}
    database: dict[int, list] = {1: [], workers: []}
    cores: dict[int, list] = {1: [], workers: []}
    loads, same_rows, actions = [], True, 0
    for _rep in range(reps):
        for count in (1, workers):
            judged_reset(shop=shop)
            loads.append(round(os.getloadavg()[0], 2))
            run = workers_run(shop=shop, workers=count)
            seconds[count].append(run["seconds"])
            cpu[count].append(run["python_cpu_seconds"])
            database[count].append(run["database_cpu_seconds"])
            cores[count].append(run["cores_used"])
            actions = run["actions"]
            same_rows = same_rows and not run["failed"] and _stored_counts(shop=shop) == expected
            print(f"  judging from empty, {count} worker(s): {run['seconds']:.1f} s, "
                  f"{run['actions'] / run['seconds']:,.0f} actions/s", file=sys.stderr)  # fmt: skip
    one, many = _median(seconds[1]), _median(seconds[workers])
    return {
        "workers": workers,
        "actions": actions,
        "seconds_1": [round(s, 2) for s in seconds[1]],
        f"seconds_{workers}": [round(s, 2) for s in seconds[workers]],
        "python_cpu_seconds_1": cpu[1],
        f"python_cpu_seconds_{workers}": cpu[workers],
        # The CPU seconds of each worker's database backend (PostgreSQL on this machine).
        "database_cpu_seconds_1": database[1],
        f"database_cpu_seconds_{workers}": database[workers],
        # (Python + database CPU) / wall clock of each run: 1 worker can use about one core
        # (it and its backend take turns); N workers use N only if the cores are free.
        "cores_used_1": cores[1],
        f"cores_used_{workers}": cores[workers],
        "actions_per_second_1": round(actions / one, 1),
        f"actions_per_second_{workers}": round(actions / many, 1),
        "speed_up": _ratio(one, many),
        "load_average_at_starts": loads,
        # The checks, findings and commitments stored after every run equal the year's.
        "same_rows": same_rows,
        "rows": expected,
    }


# ------------------------------------------------------------------------------
# The plans of a judging batch's reads
# ------------------------------------------------------------------------------
def explain_judging(*, shop) -> list[dict]:
    """Return EXPLAIN ANALYZE of each read of judging one batch (PostgreSQL), else []."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import targets
    from commitments.models import Customer

    if connection.vendor != "postgresql":
        return []
    ids = list(
        Customer.objects.filter(shop=shop)
        .order_by("?")
        .values_list("id", flat=True)[: targets.BATCH_SIZE]
    )
    with CaptureQueriesContext(connection) as captured:
        targets.judge_customers(shop=shop, customer_ids=ids)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or " FOR UPDATE" in sql:
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            plans.append({"sql": sql[:300], "plan": plan})
    return plans


# ------------------------------------------------------------------------------
# The whole table
# ------------------------------------------------------------------------------
def run(*, scale: float, reps: int, runs: int, shop_make) -> dict:
    """Generate the year at the scale and measure every row; return the results."""
    timings = {}
    started = time.perf_counter()
    print(f"Scale {scale}: generating and judging the year...", file=sys.stderr)
    year = year_load(scale=scale, shop_make=shop_make)
    shop = year.pop("shop")
    timings["year"] = time.perf_counter() - started
    print("CSV import with judging (sequential; by worker processes) vs bulk_create...",
          file=sys.stderr)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="tsuzuku-bench-") as folder:
        imports = import_measure(scale=scale, reps=reps, shop_make=shop_make, folder=Path(folder))
    print("Weekly report vs GROUP BYs...", file=sys.stderr)
    report = report_measure(shop=shop, reps=reps)
    print("Pre-check, lists vs trivial GET...", file=sys.stderr)
    requests = requests_measure(shop=shop, runs=runs)
    print("rebuild_commitments vs loading the rows...", file=sys.stderr)
    rebuild = rebuild_measure(shop=shop, reps=reps)
    print("Judging from empty, 1 worker process vs 2 at once...", file=sys.stderr)
    workers = workers_measure(shop=shop, reps=reps)
    explain = explain_judging(shop=shop)
    return {
        "scale": scale,
        "reps": reps,
        "year": year,
        "import": imports,
        "report": report,
        "requests": requests,
        "rebuild": rebuild,
        "workers": workers,
        "explain_judging_batch": explain,
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def table(results: dict) -> str:
    """Return the scale run as a Markdown table (README "Performance")."""
    year, imp, rep, req, reb = (results[k] for k in ("year", "import", "report", "requests",
                                                     "rebuild"))  # fmt: skip

    def lat(one: dict, label: str) -> str:
        figures = one[label]
        return f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms"

    rows = [
        ("CSV import with judging, sequential in one process (import, then `judge_shop`), "
         f"{imp['rows']:,} rows", f"{imp['import_median_s']} s",
         f"plain `bulk_create`: {imp['bulk_create_median_s']} s",
         f"{imp['speed_vs_bulk_create']}× the speed"),
    ]  # fmt: skip
    piped = imp.get("pipelined", {"status": "not measured"})
    if "median_s" in piped:
        rows.append(
            (f"CSV import by a process of its own (as `import_log`) with judging by "
             f"{piped['workers']} worker processes (queued as its batches commit), "
             f"{imp['rows']:,} rows, until all "
             f"{piped['actions']:,} actions are judged",
             f"{piped['median_s']} s ({piped['actions_per_second']:,} actions/s; "
             f"the import's own part {piped['import_median_s']} s)",
             f"plain `bulk_create`: {imp['bulk_create_median_s']} s",
             f"{piped['speed_vs_bulk_create']}× the speed")
        )  # fmt: skip
    else:
        rows.append(("CSV import with judging by worker processes", piped["status"], "", ""))
    queued = imp.get("queued", {"status": "not measured"})
    if "median_s" in queued:
        rows.append(
            (f"CSV import uploaded as the import page does, imported and judged by "
             f"{queued['workers']} worker processes (one runs the import, the others judge "
             f"its batches as they commit), {imp['rows']:,} rows, until all judged",
             f"{queued['median_s']} s ({queued['actions_per_second']:,} actions/s; "
             f"imported after {queued['import_median_s']} s)",
             f"plain `bulk_create`: {imp['bulk_create_median_s']} s",
             f"{queued['speed_vs_bulk_create']}× the speed")
        )  # fmt: skip
    rows += [
        (f"weekly report {rep['week']} ({rep['week_actions']:,} actions), 8-week trends",
         f"{rep['report_median_s']} s, {rep['queries']} queries",
         f"GROUP BYs of the week's findings and the 8 weeks' checks: {rep['group_by_median_s']} s",
         f"{rep['ratio']}×"),
    ]  # fmt: skip
    for key, label in (("precheck", "random customers"), ("precheck_top1", "top 1 % history")):
        one = req[key]
        rows.append(
            (f"pre-check API in-process, {one['precheck']['n']} {label}",
             lat(one, "precheck"), f"trivial authenticated GET: {lat(one, 'trivial_get')}",
             f"{one['ratio_p50']}× (p50), {one['ratio_p99']}× (p99)")
        )  # fmt: skip
    http = req["http"]
    if "precheck" in http:
        for one, label in ((http, "random customers"), (http["precheck_top1"], "top 1 % history")):
            rows.append(
                (f"pre-check over HTTP (gunicorn, 127.0.0.1), {one['precheck']['n']} {label}",
                 lat(one, "precheck"), f"trivial GET over HTTP: {lat(one, 'trivial_get')}",
                 f"{one['ratio_p50']}× (p50), {one['ratio_p99']}× (p99)")
            )  # fmt: skip
    else:
        rows.append(("pre-check over HTTP", http["status"], "", ""))
    for key, label in (("findings_list", "findings list page"), ("worklist", "today's worklist")):
        one = req[key]
        if key in one:
            rows.append(
                (label, lat(one, key), f"trivial GET: {lat(one, 'trivial_get')}",
                 f"{one['ratio_p50']}× (p50)")
            )  # fmt: skip
        else:
            rows.append((label, one.get("status", "?"), "", ""))
    rows += [
        (f"`rebuild_commitments`, {year['actions']:,} actions (rows it changed: "
         f"{reb.get('rows_changed', '?')})",
         f"{reb['rebuild_median_s']} s", f"loading the same rows alone: {reb['load_median_s']} s",
         f"{reb['ratio']}×"),
        ("first judging of the year (from empty)", f"{year['judge_seconds']} s",
         f"bulk insert of the year: {year['store_seconds']} s",
         f"{year['actions_per_second_judging']:,} actions/s"),
    ]  # fmt: skip
    workers = results.get("workers", {"status": "not measured"})
    if "speed_up" in workers:
        n = workers["workers"]
        rows.append(
            (f"judging the year from empty, {n} worker processes at once "
             f"({workers['actions']:,} actions)",
             f"{workers[f'actions_per_second_{n}']:,} actions/s",
             f"1 worker process: {workers['actions_per_second_1']:,} actions/s",
             f"{workers['speed_up']}× one")
        )  # fmt: skip
    else:
        rows.append(("judging from empty, worker processes", workers["status"], "", ""))
    rows += [
        (f"import peak RSS, {imp['rows']:,}-row file",
         f"{imp.get('rss_peak_mib', '?')} MiB (grew {imp.get('rss_growth_mib', '?')} MiB)",
         "—", ""),
    ]  # fmt: skip
    head = (
        f"Scale {results['scale']}: {year['customers']:,} customers, {year['actions']:,} "
        f"actions, {year['occasions']:,} occasions; median of {results['reps']}"
    )
    lines = [head, "", "| work | Tsuzuku | baseline in the same run | ratio |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)
