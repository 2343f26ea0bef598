"""Settings for the test suite: real database and real Redis, on a Redis db of its own."""

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key"
# Tests use their own Redis db so they never touch data they did not create.
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in QUEUE_NAMES}  # noqa: F405
# One burst worker on "default" runs every job in the tests (tests/conftest.py); the routing to
# the named queues is tested with override_settings (tests/test_production.py).
JOB_QUEUES = dict.fromkeys(QUEUE_NAMES, "default")  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
# Uploaded files (CSV imports) of the tests go to a temporary folder, not the project's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="tsuzuku-test-media-")
