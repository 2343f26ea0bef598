"""gunicorn settings (`gunicorn -c config/gunicorn.py config.wsgi`); flags override them."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_PROCESSES", "2"))
# Imports upload up to IMPORT_MAX_BYTES: give a slow client time, then drop it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Restart each web process now and then, so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# The app logs each request itself (JSON in production, with its request id); no access log.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
