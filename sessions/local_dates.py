"""A clinic's calendar: today, the local date of a moment, and the bounds of a run of local days.

Everything a person sees by day (strips, adherence weeks, charts) is counted in the clinic's
time zone, never the server's.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from clinic.models import Clinic


def clinic_today(clinic: Clinic) -> date:
    """Today's date in the clinic's time zone."""
    return timezone.localtime(timezone.now(), clinic.tz).date()


def local_date(moment: datetime, clinic: Clinic) -> date:
    """The clinic-local calendar date of an aware datetime."""
    return timezone.localtime(moment, clinic.tz).date()


def day_bounds(first: date, last: date, clinic: Clinic) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) as aware datetimes in clinic time."""
    tz = clinic.tz
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )
