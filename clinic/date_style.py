"""How a clinic writes dates and times: one table of styles per locale, one function.

Every date a person reads (pages, PDFs, emails, the API's human-readable strings) goes
through `format_when`, in the clinic's time zone and in the clinic's locale (a UK clinic reads
"6 Sep 2026, 14:05", a US clinic "Sep 6, 2026, 2:05 PM"). Requests and tasks enter a clinic
with `clinic_locale`, which activates both the time zone and the language; Django's format
modules (clinic/formats) are generated from the same table, so a bare `{{ value }}` in a
template reads the same as `{{ value|when }}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils import dateformat, timezone, translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from clinic.models import Clinic

UK = "en-gb"
US = "en-us"
DEFAULT_LOCALE = UK

LOCALE_CHOICES = [
    (UK, "UK: 6 Sep 2026, 14:05"),
    (US, "US: Sep 6, 2026, 2:05 PM"),
]

# Django date-format strings (docs: "date" template filter). "M" is the three-letter month
# without a full stop; "N" ("Sept.") is never used.
STYLES: dict[str, dict[str, str]] = {
    UK: {
        "date": "j M Y",  # 6 Sep 2026
        "short": "j M",  # 6 Sep
        "day": "D j M",  # Sun 6 Sep
        "day_year": "D j M Y",  # Sun 6 Sep 2026
        "weekday": "l j F",  # Sunday 6 September
        "long": "l j F Y",  # Sunday 6 September 2026
        "month": "F Y",  # September 2026
        "time": "H:i",  # 14:05
        "datetime": "j M Y, H:i",  # 6 Sep 2026, 14:05
        "day_time": "D j M, H:i",  # Sun 6 Sep, 14:05
        "day_datetime": "D j M Y, H:i",  # Sun 6 Sep 2026, 14:05
        "weekday_time": "l j F, H:i",  # Sunday 6 September, 14:05
        "long_datetime": "l j F Y, H:i",  # Sunday 6 September 2026, 14:05
        "numeric": "d/m/Y",  # 06/09/2026
    },
    US: {
        "date": "M j, Y",
        "short": "M j",
        "day": "D, M j",
        "day_year": "D, M j, Y",
        "weekday": "l, F j",
        "long": "l, F j, Y",
        "month": "F Y",
        "time": "g:i A",
        "datetime": "M j, Y, g:i A",
        "day_time": "D, M j, g:i A",
        "day_datetime": "D, M j, Y, g:i A",
        "weekday_time": "l, F j, g:i A",
        "long_datetime": "l, F j, Y, g:i A",
        "numeric": "m/d/Y",
    },
}

#: The names a caller may pass as `style`.
STYLE_NAMES = frozenset(STYLES[UK])


def locale_of(language: str | None) -> str:
    """The table's locale for a language code ("en-GB", "en_gb", "en-us"...); UK otherwise."""
    code = (language or "").replace("_", "-").lower()
    return code if code in STYLES else DEFAULT_LOCALE


def format_when(
    value: date | datetime | None,
    style: str = "date",
    *,
    locale: str | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    """`value` written in `style` ("date", "datetime", "time", "day", "long", ...).

    An aware datetime is first moved into `tz` (default: the active time zone, the clinic's
    inside `clinic_locale`); the locale defaults to the active language. None gives "".
    """
    if value is None:
        return ""
    if style not in STYLE_NAMES:
        raise ValueError(f"unknown date style {style!r}")
    language = translation.get_language()
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, tz)
    return compiled_format(language, STYLES[locale_of(locale or language)][style])(value)


#: Django's format characters the styles use (see dateformat.DateFormat), each as a function of
#: the value and the active language's names; the time fields are those a bare date lacks.
_DATE_FIELDS: dict[str, Callable[[date, dict], str]] = {
    "d": lambda v, names: f"{v.day:02d}",
    "j": lambda v, names: str(v.day),
    "D": lambda v, names: names["D"][v.weekday()],
    "l": lambda v, names: names["l"][v.weekday()],
    "m": lambda v, names: f"{v.month:02d}",
    "M": lambda v, names: names["M"][v.month],
    "F": lambda v, names: names["F"][v.month],
    "Y": lambda v, names: f"{v.year:04d}",
}
_TIME_FIELDS: dict[str, Callable[[datetime, dict], str]] = {
    "H": lambda v, names: f"{v.hour:02d}",
    "i": lambda v, names: f"{v.minute:02d}",
    "g": lambda v, names: str(v.hour % 12 or 12),
    "A": lambda v, names: names["A"][v.hour > 11],
}


@lru_cache(maxsize=256)
def compiled_format(language: str | None, format_string: str) -> Callable[[date], str]:
    """Django's `dateformat.format(value, format_string)` in the active `language`, with the
    format parsed and the month and day names translated once instead of on every call: a
    couple's page writes some 350 dates. A format using characters beyond the styles' own
    (or a time style given a bare date, which Django refuses) is left to Django itself."""
    from django.utils.translation import gettext

    with translation.override(language):
        names = {
            "D": [str(WEEKDAYS_ABBR[day]) for day in range(7)],
            "l": [str(WEEKDAYS[day]) for day in range(7)],
            "M": {month: MONTHS_3[month].title() for month in MONTHS_3},
            "F": {month: str(MONTHS[month]) for month in MONTHS},
            "A": (gettext("AM"), gettext("PM")),
        }
    pieces: list[Callable[[date], str]] = []
    has_time = False
    for i, piece in enumerate(dateformat.re_formatchars.split(format_string)):
        if i % 2:
            field = _DATE_FIELDS.get(piece) or _TIME_FIELDS.get(piece)
            if field is None:
                return lambda value: str(dateformat.format(value, format_string))
            has_time = has_time or piece in _TIME_FIELDS
            pieces.append(lambda value, field=field: field(value, names))
        elif piece:
            text = dateformat.re_escaped.sub(r"\1", piece)
            pieces.append(lambda value, text=text: text)

    def written(value: date) -> str:
        if has_time and not isinstance(value, datetime):
            return str(dateformat.format(value, format_string))  # raises Django's TypeError
        return "".join([piece(value) for piece in pieces])

    return written


def format_for_clinic(value: date | datetime | None, style: str, clinic: Clinic) -> str:
    """`format_when` in a clinic's zone and locale, wherever that clinic is not the active one
    (tasks, PDFs, emails built outside a request)."""
    return format_when(value, style, locale=clinic.locale, tz=clinic.tz)


@contextmanager
def clinic_locale(clinic: Clinic, *, time_zone: bool = True) -> Iterator[None]:
    """Within: the clinic's language (and time zone) are active; every page, API call and task
    that reads or writes for one clinic runs inside this.

    The API keeps `time_zone=False`: its timestamps stay UTC ISO 8601 for programs, and its few
    human-readable strings name the clinic's zone themselves (`format_for_clinic`).
    """
    with translation.override(locale_of(clinic.locale)):
        if not time_zone:
            yield
            return
        with timezone.override(clinic.tz):
            yield


def django_formats(locale: str) -> dict[str, object]:
    """The settings for a Django format module (clinic/formats/<lang>/formats.py), from the
    table, so that a bare `{{ value }}` and the form widgets agree with `format_when`."""
    styles = STYLES[locale]
    day_first = locale == UK
    return {
        "DATE_FORMAT": styles["date"],
        "DATETIME_FORMAT": styles["datetime"],
        "TIME_FORMAT": styles["time"],
        "MONTH_DAY_FORMAT": styles["short"],
        "YEAR_MONTH_FORMAT": styles["month"],
        "SHORT_DATE_FORMAT": styles["numeric"],
        "SHORT_DATETIME_FORMAT": f"{styles['numeric']} {styles['time']}",
        "FIRST_DAY_OF_WEEK": 1 if day_first else 0,
        # ISO first: <input type="date"> and "datetime-local" only accept ISO values, and a
        # widget renders with the first input format.
        "DATE_INPUT_FORMATS": [
            "%Y-%m-%d",
            "%d/%m/%Y" if day_first else "%m/%d/%Y",
        ],
        "DATETIME_INPUT_FORMATS": [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M:%S.%f",
            "%Y-%m-%d %H:%M",
            "%d/%m/%Y %H:%M" if day_first else "%m/%d/%Y %H:%M",
        ],
    }
