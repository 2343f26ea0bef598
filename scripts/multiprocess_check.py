"""The multi-process check of scripts/multiprocess_check (see there); run it through that."""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
SWEEP_SECONDS = 20


def say(message: str) -> None:
    # UTC: django.setup() sets TZ to the project's time zone midway.
    print(f"[multiprocess] {time.strftime('%H:%M:%S', time.gmtime())} UTC {message}", flush=True)


def psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-q", "-c", sql], check=True)


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"timed out waiting for {what}")


def csv_file(prefix: str, orders: int, now: datetime) -> bytes:
    lines = ["type,external_id,customer,kind,occurred_at,occasion,lines"]
    for n in range(orders):
        when = (now - timedelta(days=20, minutes=n)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        later = (now - timedelta(days=19, minutes=n)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        customer = f"{prefix}-C-{n % 400}"
        lines.append(f"occasion,{prefix}-O-{n},{customer},order_placed,{when},,")
        lines.append(
            f"action,{prefix}-N-{n},{customer},note_enclosed,{later},{prefix}-O-{n},{8 + n % 5}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000, help="API records (half actions)")
    parser.add_argument(
        "--single-records", type=int, default=1000, help="of them sent one per POST"
    )
    parser.add_argument(
        "--bulk-size", type=int, default=100, help="records per POST log/ for the rest"
    )
    parser.add_argument("--import-orders", type=int, default=3000, help="orders per CSV file")
    parser.add_argument(
        "--load-seconds", type=int, default=150, help="stop sending after this (slow machine)"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("MP_WEB_PORT", 8502)))
    parser.add_argument(
        "--redis-port", type=int, default=int(os.environ.get("MP_REDIS_PORT", 6397))
    )
    options = parser.parse_args()
    started = time.monotonic()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database this check may drop and create."
        )
    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = database_url.replace(f"/{name}", "/postgres", 1)
    base = f"http://127.0.0.1:{options.port}"
    log_dir = ROOT / "run" / "multiprocess"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "multiprocess-check-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": f"redis://127.0.0.1:{options.redis_port}/0",
        "SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
        "SCHEDULER_LOCK_SECONDS": "15",
        "IMPORT_DEAD_AFTER_SECONDS": "30",
        "IMPORT_QUEUED_STALE_SECONDS": "30",
        "LOG_LEVEL": "WARNING",
        "PY": PY,
    }
    os.environ.update(env)

    say(f"fresh database {name}, redis-server on port {options.redis_port}")
    psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(admin_url, f'CREATE DATABASE "{name}"')
    redis_server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(options.redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=open(log_dir / "redis.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    serve = None
    try:
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], check=True, cwd=ROOT)
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], check=True, cwd=ROOT)
        import django

        sys.path.insert(0, str(ROOT))
        django.setup()
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from accounts.models import Membership, Role
        from accounts.tokens import api_token_create
        from policies.models import Shop
        from policies.services import promise_create

        shop = Shop.objects.create(slug="mp", name="Multiprocess")
        user = get_user_model().objects.create_user("mp-manager", password=uuid.uuid4().hex)
        Membership.objects.create(user=user, shop=shop, role=Role.MANAGER)
        long_ago = timezone.now() - timedelta(days=365)
        promise_create(
            shop=shop,
            kind="handwritten_note",
            name="note",
            params={"min_lines": 10},
            author=user,
            effective_from=long_ago,
        )
        promise_create(
            shop=shop,
            kind="shipping_cutoff",
            name="cutoff",
            params=None,
            author=user,
            effective_from=long_ago,
        )
        _token, key = api_token_create(user=user, name="multiprocess")

        say("starting scripts/serve: 2 web processes, 3 workers, 2 schedulers")
        serve = subprocess.Popen(
            ["scripts/serve"],
            cwd=ROOT,
            env={
                **env,
                "BIND": f"127.0.0.1:{options.port}",
                "WEB_PROCESSES": "2",
                "WORKERS": "3",
                "SCHEDULERS": "2",
                "LOG_DIR": str(log_dir),
                "SERVE_MIGRATE": "0",
            },
            stdout=open(log_dir / "serve.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def get(path):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return json.loads(response.read())

        def ready():
            try:
                return get("/healthz/ready")["status"] == "ok"
            except (OSError, urllib.error.URLError):
                return False

        wait_for("the web processes", ready, timeout=90)
        serve_up = time.monotonic()
        say(f"serving after {serve_up - started:.0f} s")

        headers = {"Authorization": f"Token {key}"}

        def post(path, payload=None, body=None, content_type="application/json"):
            data = body if body is not None else json.dumps(payload).encode()
            request = urllib.request.Request(
                base + path,
                data=data,
                method="POST",
                headers={**headers, "Content-Type": content_type},
            )
            for attempt in range(5):
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        return response.status, json.loads(response.read())
                except urllib.error.HTTPError as error:
                    if error.code < 500:
                        return error.code, json.loads(error.read() or b"{}")
                except (OSError, urllib.error.URLError):
                    pass
                # API.md: retry on 5xx/503 with the same body.
                time.sleep(0.5 * (attempt + 1))
            return 599, {}

        now = datetime.now(UTC)
        pairs = options.records // 2
        single_pairs = min(pairs, options.single_records // 2)
        per_request = max(1, options.bulk_size // 2)

        def pair_records(n):
            customer = f"API-C-{n % 500}"
            at = now - timedelta(days=10, minutes=n)
            occasion = {
                "external_id": f"API-O-{n}",
                "customer": customer,
                "kind": "order_placed",
                "occurred_at": at.isoformat(),
                "attributes": {"total": 4000},
            }
            action = {
                "external_id": f"API-N-{n}",
                "customer": customer,
                "kind": "note_enclosed",
                "occurred_at": (at + timedelta(hours=3)).isoformat(),
                "occasion": f"API-O-{n}",
                "attributes": {"lines": 7 + n % 6},
            }
            return occasion, action

        def send_pair(n):
            occasion, action = pair_records(n)
            first = post("/api/v1/shops/mp/occasions/", occasion)
            second = post("/api/v1/shops/mp/actions/", action)
            return [(occasion["external_id"], first[0]), (action["external_id"], second[0])]

        def send_bulk(numbers):
            # The occasions first, then their actions: POST log/ records them in that order.
            pairs_sent = [pair_records(n) for n in numbers]
            records = [{"type": "occasion", **occasion} for occasion, _ in pairs_sent]
            records += [{"type": "action", **action} for _, action in pairs_sent]
            code, answer = post("/api/v1/shops/mp/log/", {"records": records})
            if code != 200:
                return [(record["external_id"], code) for record in records]
            # created or duplicate (a retry after a 5xx) is stored; conflict/invalid is refused.
            stored = ("created", "duplicate")
            return [
                (result["external_id"], 201 if result["status"] in stored else 400)
                for result in answer["results"]
            ]

        # Single-record POSTs and bulk requests interleaved, so both run while the worker dies.
        singles = [(send_pair, n) for n in range(single_pairs)]
        bulks = [
            (send_bulk, range(start, min(start + per_request, pairs)))
            for start in range(single_pairs, pairs, per_request)
        ]
        tasks = sorted(
            [(i / max(1, len(singles)), t) for i, t in enumerate(singles)]
            + [(i / max(1, len(bulks)), t) for i, t in enumerate(bulks)],
            key=lambda item: item[0],
        )

        say(
            f"sending {pairs * 2} API records ({single_pairs * 2} one per POST, "
            f"{(pairs - single_pairs) * 2} in {len(bulks)} bulk requests of up to "
            f"{per_request * 2}) and 2 CSV imports of {options.import_orders * 2} rows"
        )
        imports = []

        def upload_imports():
            for index in (1, 2):
                body, content_type = multipart(
                    f"mp-{index}.csv", csv_file(f"CSV{index}", options.import_orders, now)
                )
                code, answer = post(
                    "/api/v1/shops/mp/imports/", body=body, content_type=content_type
                )
                if code != 202:
                    raise SystemExit(f"import upload answered {code}: {answer}")
                imports.append(answer["id"])

        accepted, refused, killed, sent = {}, 0, None, 0
        load_deadline = time.monotonic() + options.load_seconds
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(send, argument) for _position, (send, argument) in tasks]
            for done, future in enumerate(futures, start=1):
                for external_id, code in future.result():
                    sent += 1
                    if code in (200, 201):
                        accepted[external_id] = code
                    else:
                        refused += 1
                if not imports and sent >= pairs // 2:
                    upload_imports()
                if killed is None and imports:
                    # Midway: preferably the worker running an import (it is resumed).
                    killed = kill_a_worker(wait_for_import=10)
                if time.monotonic() > load_deadline:
                    for rest in futures:
                        rest.cancel()
                    say(
                        f"load time is up ({options.load_seconds} s): stopped after {done} of "
                        f"{len(futures)} requests"
                    )
                    break
        if not imports:
            upload_imports()
        if killed is None:
            killed = kill_a_worker(wait_for_import=10)
        load_seconds = time.monotonic() - serve_up
        say(
            f"load sent in {load_seconds:.0f} s: {len(accepted)} accepted, {refused} refused; "
            f"killed {killed}"
        )

        from django.db import connection
        from django.db.models import Count

        from commitments.models import (
            Action,
            Check,
            Finding,
            Import,
            ImportStatus,
            Occasion,
            UnjudgedAction,
        )

        def settled():
            connection.close()
            pending = Import.objects.exclude(status__in=(ImportStatus.DONE, ImportStatus.FAILED))
            unjudged = UnjudgedAction.objects.count()
            return not pending.exists() and unjudged == 0

        wait_for("every import to end and every action to be judged", settled, timeout=200, every=2)
        # One more sweep period, so the sweeps are counted over a settled system.
        time.sleep(SWEEP_SECONDS + 2)
        settle_seconds = time.monotonic() - serve_up - load_seconds

        failures = []
        api_ids = set(accepted)
        stored = set(
            Occasion.objects.filter(shop=shop, external_id__in=api_ids).values_list(
                "external_id", flat=True
            )
        )
        stored |= set(
            Action.objects.filter(shop=shop, external_id__in=api_ids).values_list(
                "external_id", flat=True
            )
        )
        if stored != api_ids:
            failures.append(f"accepted records missing: {len(api_ids - stored)}")
        twice = (
            Check.objects.values("action_id", "promise_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        finding_twice = (
            Finding.objects.filter(action__isnull=False)
            .values("action_id", "promise_id", "type")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        overdue_twice = (
            Finding.objects.filter(type="overdue")
            .values("occasion_id", "promise_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        if twice or finding_twice or overdue_twice:
            failures.append(
                f"duplicated judgements: checks {twice}, findings {finding_twice}, "
                f"overdue {overdue_twice}"
            )
        unjudged = UnjudgedAction.objects.count()
        if unjudged:
            failures.append(f"{unjudged} actions not judged")
        import_rows = []
        for imp in Import.objects.filter(pk__in=imports).order_by("pk"):
            import_rows.append(
                f"import {imp.pk}: {imp.status}, rows {imp.rows} = stored {imp.stored} + "
                f"duplicates {imp.duplicates} + rejected {imp.rejected}, resumed {imp.resumes}x"
            )
            if imp.status not in (ImportStatus.DONE, ImportStatus.FAILED):
                failures.append(f"import {imp.pk} is {imp.status}")
            if imp.rows != imp.stored + imp.duplicates + imp.rejected:
                failures.append(f"import {imp.pk} counts do not add up")
            if imp.status == ImportStatus.DONE and imp.rows != options.import_orders * 2:
                failures.append(f"import {imp.pk} read {imp.rows} rows")
            if imp.chunks.exists():
                failures.append(f"import {imp.pk} kept its file")
        import django_rq

        redis = django_rq.get_connection("default")
        history = redis.zrange("rq:cron_job:commitments.jobs.sweep:jobs", 0, -1, withscores=True)
        times = sorted(score for _job, score in history)
        gaps = [round(b - a, 1) for a, b in zip(times, times[1:], strict=False)]
        running = time.monotonic() - serve_up
        expected = running / SWEEP_SECONDS
        if not times or min(gaps, default=SWEEP_SECONDS) < SWEEP_SECONDS * 0.9:
            failures.append(f"sweeps enqueued too often: gaps {gaps}")
        if len(times) < expected - 2 or len(times) > expected + 1:
            failures.append(f"{len(times)} sweeps in {running:.0f} s (every {SWEEP_SECONDS} s)")

        say("figures:")
        for line in [
            f"API records: {len(api_ids)} accepted and stored once, {refused} refused "
            f"({single_pairs * 2} sent one per POST, the rest {per_request * 2} per POST log/)",
            f"actions: {Action.objects.filter(shop=shop).count()} stored, {unjudged} unjudged; "
            f"checks {Check.objects.count()}, findings {Finding.objects.count()} (0 duplicated)",
            *import_rows,
            f"sweeps: {len(times)} in {running:.0f} s, gaps {gaps}",
            f"worker killed with SIGKILL: {killed}",
            f"times: start {serve_up - started:.0f} s, load {load_seconds:.0f} s, "
            f"settle {settle_seconds:.0f} s, total {time.monotonic() - started:.0f} s",
        ]:
            print(f"  {line}")
        if failures:
            for failure in failures:
                print(f"  FAILED: {failure}")
            return 1
        say("all checks passed")
        return 0
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
        redis_server.terminate()
        redis_server.wait(timeout=10)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
            pass


def kill_a_worker(*, wait_for_import: float) -> str:
    """SIGKILL one RQ worker and its work horse: the one running an import if one does soon."""
    import django_rq
    from rq import Worker

    connection = django_rq.get_connection("default")
    deadline = time.monotonic() + wait_for_import
    chosen = None
    while chosen is None:
        workers = Worker.all(connection=connection)
        for worker in workers:
            job = worker.get_current_job()
            if job is not None and job.func_name.endswith("import_process"):
                chosen = worker
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    chosen = chosen or (workers[0] if workers else None)
    if chosen is None:
        return "no worker found"
    job = chosen.get_current_job()
    # As if its machine died: the worker and its work horse (RQ puts the horse in a process
    # group of its own, so it is found as the worker's child).
    victims = [*children_of(chosen.pid), chosen.pid]
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return f"pids {victims} while running {job.func_name if job else 'nothing'}"


def children_of(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is pid (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces, so split after ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


if __name__ == "__main__":
    sys.exit(main())
