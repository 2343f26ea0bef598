"""django-rq jobs of the platforms app: process webhook deliveries in the background."""

from commitments.jobs import enqueue_on_commit

from . import services


def delivery_process_job(delivery_id: int) -> str | None:
    """Record one webhook delivery into the log; return its status."""
    delivery = services.delivery_process(delivery_id=delivery_id)
    return None if delivery is None else delivery.status


def deliveries_retry() -> int:
    """Process deliveries whose job was lost or whose order had not arrived yet."""
    return services.deliveries_retry()


def delivery_process_enqueue(delivery_id: int) -> None:
    """Queue a delivery's processing once the transaction commits."""
    enqueue_on_commit(delivery_process_job, delivery_id)
