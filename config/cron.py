"""RQ cron schedule, loaded by `manage.py rqcron config.cron`.

RQ's cron strings are read in UTC: jobs tied to a shop's local time run often and pick
the shops whose local time has come.
"""

from django.conf import settings
from rq import cron

from alerts import jobs as alert_jobs
from commitments import jobs as commitment_jobs
from platforms import jobs as platform_jobs
from reports import jobs as reports_jobs

# Hourly: each shop's report of the week just ended goes out from Monday 09:00 shop time.
cron.register(
    reports_jobs.weekly_reports_due, queue_name=settings.JOB_QUEUES["reports"], cron="0 * * * *"
)
# Every 5 minutes (SWEEP_INTERVAL_SECONDS): re-queue unjudged actions and stale imports,
# resume imports whose worker died, raise overdue findings.
cron.register(commitment_jobs.sweep, queue_name="default", interval=settings.SWEEP_INTERVAL_SECONDS)
# Every 5 minutes: webhook deliveries whose job was lost or whose order came late.
cron.register(platform_jobs.deliveries_retry, queue_name="default", interval=300)
# Every 15 minutes: new breaches and overdue findings to the subscribers of shops that are
# in business hours now (the others wait for their morning).
cron.register(alert_jobs.alerts_send, queue_name="default", interval=900)
