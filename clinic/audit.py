"""Writing the audit trail: who read or changed which clinical record, when, from where."""

import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connection, models

from clinic.audit_channel import current_channel
from clinic.audit_subject import Subject, subject_of
from clinic.audit_trail import ACTIONS
from clinic.models import AuditEvent, Clinic

READ = "read"

# The reads a request has shown so far, while it collects them (see reads_written_together).
_pending_reads: ContextVar[list[AuditEvent] | None] = ContextVar("pending_reads", default=None)


def client_ip(request, credentials=None) -> str | None:
    """The client's address: the peer, or behind NUM_PROXIES trusted proxies the entry the
    first of them appended to X-Forwarded-For. Entries left of it are whatever the client sent,
    so they are never used (they would let anyone pick their address for the lockout).

    Used by the audit trail, the lockout and allauth's rate limits alike."""
    if request is None:
        return None
    meta = request.META
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = [p.strip() for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return meta.get("REMOTE_ADDR") or None


def _object_type(obj: models.Model) -> str:
    return obj._meta.label_lower


def record_event(
    *,
    clinic: Clinic,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    request=None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit event; call it inside the transaction of the change it records.

    The channel is the one the request or task came in by (clinic.audit_channel), never an
    argument: a value passed by hand at each call site ends up wrong."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not an audit action (clinic.audit_trail.ACTIONS)")
    subject = subject_of(obj) if obj is not None else Subject()
    if obj is not None:
        object_type, object_id = _object_type(obj), str(obj.pk)
    return AuditEvent.objects.with_scopes_disabled().create(
        clinic=clinic,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        couple_id=subject.couple_id,
        client_id=subject.client_id,
        ip=client_ip(request),
        channel=current_channel(),
        detail=detail or {},
    )


def record_read(
    request,
    shown: models.Model | Iterable[models.Model],
    *,
    detail: dict | None = None,
    clinic: Clinic | None = None,
    actor=None,
) -> None:
    """Audit that a request showed one record or each of several (one INSERT however many).

    The one helper for every read, on the API, the pages and the portal alike: the clinic and
    the reader are the request's own (`clinic`/`actor` only where the request carries neither,
    as for a calendar feed fetched by its link)."""
    clinic = clinic or request.clinic
    actor = actor if actor is not None else getattr(request, "user", None)
    objects = [shown] if isinstance(shown, models.Model) else list(shown)
    if not objects:
        return
    ip, channel = client_ip(request), current_channel()
    actor = actor if getattr(actor, "is_authenticated", False) else None
    events = []
    for obj in objects:
        subject = subject_of(obj)
        events.append(
            AuditEvent(
                clinic=clinic,
                actor=actor,
                action=READ,
                object_type=_object_type(obj),
                object_id=str(obj.pk),
                couple_id=subject.couple_id,
                client_id=subject.client_id,
                ip=ip,
                channel=channel,
                detail=detail or {},
            )
        )
    pending = _pending_reads.get()
    if pending is not None:
        pending.extend(events)
    else:
        AuditEvent.objects.with_scopes_disabled().bulk_create(events)


@contextmanager
def reads_written_together() -> Iterator[None]:
    """Collect the reads a request records and write them in one INSERT when its work is done.

    A couple page shows five panels, each auditing what it shows: written as they come, that was
    an INSERT (and a turn of the clinic's chain lock) per panel. Entered inside the request's
    transaction and clinic scope, and left before either: the events are written in the same
    transaction as everything else the request did, with the clinic's row security. When the
    request fails its transaction rolls back, so the reads were never written either way."""
    pending: list[AuditEvent] = []
    token = _pending_reads.set(pending)
    try:
        yield
    finally:
        _pending_reads.reset(token)
    # Not reached when the request raised. A transaction already marked for rollback (an
    # error caught inside it) cannot take the INSERT and will write nothing at all.
    if pending and not connection.needs_rollback:
        AuditEvent.objects.with_scopes_disabled().bulk_create(pending)
