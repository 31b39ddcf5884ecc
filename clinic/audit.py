"""Writing the audit trail: who read or changed which clinical record, when, from where."""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.db import models

from clinic.models import AuditEvent, Clinic


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


def _channel(request, channel: str) -> str:
    # The page and portal decorators mark the request where it enters, so a service called from
    # a page is audited as a page event without every call site passing it by hand.
    return getattr(request, "audit_channel", None) or channel


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
    channel: str = "api",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit event; call it inside the transaction of the change it records."""
    if obj is not None:
        object_type, object_id = _object_type(obj), str(obj.pk)
    return AuditEvent.objects.with_scopes_disabled().create(
        clinic=clinic,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=client_ip(request),
        channel=_channel(request, channel),
        detail=detail or {},
    )


def record_reads(
    *, clinic: Clinic, actor, objects: Iterable[models.Model], request=None, channel: str = "api"
) -> None:
    """Audit a read of each record shown (one INSERT however many rows a page lists)."""
    ip = client_ip(request)
    channel = _channel(request, channel)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    events = [
        AuditEvent(
            clinic=clinic,
            actor=actor,
            action="read",
            object_type=_object_type(obj),
            object_id=str(obj.pk),
            ip=ip,
            channel=channel,
        )
        for obj in objects
    ]
    if events:
        AuditEvent.objects.with_scopes_disabled().bulk_create(events)
