"""A therapist's calendar as plain data: the week around a day, and the iCalendar text of a
run of sessions. No ORM here: the page and the feed hand in plain entries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//Attune//Therapist calendar//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """One session as a calendar shows it."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    kind: str  # "joint" or "individual"
    modality: str  # "in_person" or "telehealth"
    status: str  # "scheduled", "held", "cancelled", "no_show"
    names: str = ""  # the couple's (or the partner's) names; empty unless they may be shown
    url: str = ""


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def week_days(day: date) -> list[date]:
    """The seven days, Monday to Sunday, of the week holding `day`."""
    first = week_start(day)
    return [first + timedelta(days=n) for n in range(7)]


def event_title(entry: CalendarEntry) -> str:
    """'Joint session' / 'Individual session (telehealth)', with names only when given."""
    title = "Joint session" if entry.kind == "joint" else "Individual session"
    if entry.modality == "telehealth":
        title += " (telehealth)"
    if entry.names:
        title += f": {entry.names}"
    return title


_ICS_STATUS = {"scheduled": "CONFIRMED", "held": "CONFIRMED", "cancelled": "CANCELLED"}


def ics_bytes(entries: list[CalendarEntry], *, calendar_name: str, stamp: datetime) -> bytes:
    """An RFC 5545 calendar of the entries. No clinical content: kind, place and time only (and
    names when the entry carries them)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.uid}@attune")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.starts_at)
        event.add("dtend", entry.ends_at)
        summary = event_title(entry)
        if entry.status == "no_show":
            summary += " (no-show)"
        event.add("summary", summary)
        event.add("status", _ICS_STATUS.get(entry.status, "CONFIRMED"))
        event.add("transp", "OPAQUE")
        if entry.url:
            event.add("url", entry.url)
        cal.add_component(event)
    return cal.to_ical()
