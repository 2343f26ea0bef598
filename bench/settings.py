"""Settings for the benchmarks: a database of their own, quiet logs, DEBUG off.

SQLite file bench/results/bench.sqlite3 unless DATABASE_URL is set; with DATABASE_URL the
benchmarks create and drop a separate test database next to it (test_<name>), so they never
touch real data. Queued jobs go to BENCH_REDIS_URL (default db 14), emptied afterwards.
"""

import tempfile

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "bench-only-key"  # noqa: S105 - never serves requests
RESULTS = BASE_DIR / "bench" / "results"
RESULTS.mkdir(parents=True, exist_ok=True)
if not env("DATABASE_URL", default=""):
    DATABASES["default"]["NAME"] = str(RESULTS / "bench.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(RESULTS / "bench.sqlite3")}
REDIS_URL = env("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/14")
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in QUEUE_NAMES}  # noqa: F405
JOB_QUEUES = dict.fromkeys(QUEUE_NAMES, "default")  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="tsuzuku-bench-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
# The benchmarks' requests go through Django's test client (host "testserver") and, when
# gunicorn is installed, to 127.0.0.1.
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# As in production (config/settings/production.py): the server's connections are kept open
# between requests and checked before reuse, so a request does not pay for opening one.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
