from celery import shared_task


@shared_task(name="jiedao.ping_task")
def ping_task(payload: str) -> str:
    """Round trip through the broker: used by the health check and the real-worker test."""
    return f"pong:{payload}"
