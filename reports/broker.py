"""Is the Celery broker reachable? Asked before creating report rows, so that with Redis down
a request answers 503 at once instead of hanging or leaving rows nobody will process."""

from django.conf import settings

from clinic.celery import app


class BrokerUnavailable(Exception):
    pass


def ensure_broker(timeout: float = 2.0) -> None:
    """Raise BrokerUnavailable unless tasks run in-process or the broker answers within `timeout`."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
    except Exception as exc:  # kombu raises several families; all mean "not reachable now"
        raise BrokerUnavailable(str(exc)) from exc
