"""django-rq jobs of the alerts app."""

from . import services


def alerts_send() -> dict:
    """Send the new findings to each subscription whose shop is in business hours."""
    return services.alerts_send()
