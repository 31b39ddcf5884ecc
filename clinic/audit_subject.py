"""Whose record an audit event touched: the couple and, for one partner's own material, the
client. Stored on the event when it is written, so "who read this client's record?" is one
indexed filter (and the accounting of a client's access history is complete without guessing
from object types afterwards)."""

from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist
from django.db import models

# Where a record without a couple or partner of its own belongs: its parent, nearest first.
PARENTS = ("session", "note", "version", "homework", "response", "assignment")


@dataclass(frozen=True)
class Subject:
    couple_id: UUID | None = None
    client_id: UUID | None = None


def subject_of(obj: models.Model, depth: int = 0) -> Subject:
    """The couple and client `obj` is part of (either may be None: a joint record names no
    client, a clinic setting or a login neither)."""
    label = obj._meta.label_lower
    if label == "clinic.couple":
        return Subject(couple_id=obj.pk)
    if label == "clinic.client":
        return Subject(client_id=obj.pk)
    couple_id = getattr(obj, "couple_id", None)
    client_id = getattr(obj, "partner_id", None) or getattr(obj, "client_id", None)
    if couple_id or client_id or depth >= 3:
        return Subject(couple_id=couple_id, client_id=client_id)
    for name in PARENTS:
        field = _foreign_key(obj, name)
        if field is not None and getattr(obj, field.attname, None) is not None:
            parent = subject_of(getattr(obj, name), depth + 1)
            # A partner's answer to a shared agreement is theirs, within the couple's homework.
            return Subject(couple_id=parent.couple_id, client_id=client_id or parent.client_id)
    return Subject()


def _foreign_key(obj: models.Model, name: str):
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete and (field.many_to_one or field.one_to_one) else None
