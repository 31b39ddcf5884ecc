"""JSON input is read as typed: where the API documents a string, a number or a boolean is a 400
("Not a valid string."), as the schema says, where DRF would quietly read 5 as "5". A field that
takes either a number or text (a reading's value: 61, or "120/80") is a `NumberOrTextField` and
its schema says so.

Dates and instants are read within years 1900-2199: nothing clinical lies outside, and an instant
in year 1 or 9999 overflows the first arithmetic done with it (a session's clash window).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import fields

_drf_to_internal_value = fields.CharField.to_internal_value
_drf_date = fields.DateField.to_internal_value
_drf_datetime = fields.DateTimeField.to_internal_value
FIRST_YEAR, LAST_YEAR = 1900, 2199
OUT_OF_RANGE = f"Give a date from {FIRST_YEAR} to {LAST_YEAR}."


def _text_only(self, data):
    if not isinstance(data, str) and not getattr(self, "accepts_numbers", False):
        self.fail("invalid")
    return _drf_to_internal_value(self, data)


def _date_in_range(self, data):
    value = _drf_date(self, data)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise fields.ValidationError(OUT_OF_RANGE)
    return value


def _datetime_in_range(self, data):
    value = _drf_datetime(self, data)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise fields.ValidationError(OUT_OF_RANGE)
    return value


def install() -> None:
    """Once, at start-up (clinic.apps): every CharField (and subclass: email, slug, regex, URL),
    DateField and DateTimeField of the API."""
    fields.CharField.to_internal_value = _text_only
    fields.DateField.to_internal_value = _date_in_range
    fields.DateTimeField.to_internal_value = _datetime_in_range


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}]})
class NumberOrTextField(fields.CharField):
    accepts_numbers = True
