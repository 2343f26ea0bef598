"""RQ cron schedule, loaded by `manage.py rqcron config.cron`.

RQ's cron strings are read in UTC: jobs tied to a shop's local time run often and pick
the shops whose local time has come.
"""

from rq import cron  # noqa: F401 - jobs are registered below as the apps provide them
