"""Where report files live: Django's default storage (private, never under a public URL),
at a key derived from the row's id so a rerun overwrites instead of duplicating."""

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


def report_key(report) -> str:
    return f"reports/{report.clinic_id}/{report.pk}.pdf"


def export_key(export) -> str:
    return f"exports/{export.clinic_id}/{export.pk}.zip"


def store_bytes(key: str, data: bytes) -> StoredFile:
    """Write `data` at exactly `key`, replacing any earlier file there."""
    if default_storage.exists(key):
        default_storage.delete(key)
    saved = default_storage.save(key, ContentFile(data))
    if saved != key:  # another writer raced us; never keep two files for one report
        default_storage.delete(saved)
        raise RuntimeError(f"storage refused to write at {key}")
    return StoredFile(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def store_file(key: str, fh: BinaryIO) -> StoredFile:
    """Write the open file `fh` at exactly `key`, reading it in chunks (never whole)."""
    digest, size = hashlib.sha256(), 0
    fh.seek(0)
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    fh.seek(0)
    if default_storage.exists(key):
        default_storage.delete(key)
    saved = default_storage.save(key, File(fh, name=key.rsplit("/", 1)[-1]))
    if saved != key:  # another writer raced us; never keep two files for one export
        default_storage.delete(saved)
        raise RuntimeError(f"storage refused to write at {key}")
    return StoredFile(key=key, sha256=digest.hexdigest(), size=size)


def open_file(key: str):
    return default_storage.open(key, "rb")


def remove(key: str) -> None:
    if key and default_storage.exists(key):
        default_storage.delete(key)
