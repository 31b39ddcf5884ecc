"""How a change or a read reached Attune (the audit trail's "channel"), decided once.

A request's channel comes from where it entered (the middleware below: a staff page, the staff
API, the partner's portal pages or portal API, a calendar app fetching its feed link); a Celery
task's from the task itself (clinic.celery); anything else is an operator's command (manage.py,
the seed). Nothing downstream passes a channel by hand: `record_event` and `record_read` read
it from here, so a service called from a page is audited as a page event and the same service
called from the API as an API event.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models


class Channel(models.TextChoices):
    PAGE = "page", "Staff pages"
    API = "api", "Staff API"
    PORTAL = "portal", "Client portal"
    FEED = "feed", "Calendar feed"
    TASK = "task", "Background task"
    COMMAND = "command", "Operator command"


_current: ContextVar[str] = ContextVar("attune_audit_channel", default=Channel.COMMAND)


def current_channel() -> str:
    """The channel of the request or task being served (an operator's command otherwise)."""
    return _current.get()


@contextmanager
def channel_as(channel: str) -> Iterator[None]:
    """Record everything inside as having come in by `channel` (for the entry points only)."""
    token = _current.set(channel)
    try:
        yield
    finally:
        _current.reset(token)


def channel_for_path(path: str) -> str:
    """The channel a URL path belongs to (the URL layout is clinic/urls.py)."""
    if path.startswith(("/api/v1/portal/", "/portal/")):
        return Channel.PORTAL
    if path.startswith("/api/"):
        return Channel.API
    return Channel.PAGE


def enters_by(channel: str):
    """Mark a view that is its own way in (a calendar feed link), whatever its path."""

    def mark(view):
        view.audit_channel = channel
        return view

    return mark


class AuditChannelMiddleware:
    """Sets the channel of every request from its path (a marked view refines it) for as long
    as the request is served, including the login and lockout events of the middleware after
    it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with channel_as(channel_for_path(request.path_info)):
            request.audit_channel = current_channel()
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = getattr(view_func, "audit_channel", None)
        if declared:
            # Inside the request's own context, reset when __call__ leaves it.
            _current.set(declared)
            request.audit_channel = declared
