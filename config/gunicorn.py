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


def post_worker_init(worker):
    """Move what the web process loaded at start out of the cyclic garbage collector's reach.

    Python's collector walks every object it tracks in a full collection: about 140,000
    after Django, the URLs, views and serializers are loaded, 20 ms on a 2-core shared
    machine, paid by whichever request triggers it (it showed as the tail of the pre-check's
    p99). Those objects live as long as the process; `gc.freeze()` puts them in a permanent
    generation, so a full collection walks only what requests created since.
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and, with it, the views
    gc.collect()
    gc.freeze()
