"""A therapist's calendar pages: the week, one day's agenda, booking from a day, and the
private iCalendar feed (made, replaced and revoked here; fetched without a login by its secret
link). Times are the clinic's."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clinic.audit import record_read
from clinic.audit_channel import Channel, enters_by
from clinic.models import Clinic
from clinic.page_access import clinic_member_required
from clinic.selectors import couples_visible_to
from clinic.tenancy import scope
from sessions.calendar import services
from sessions.calendar.forms import BookFromCalendarForm, FeedForm
from sessions.calendar.ical import CalendarEntry, event_title, ics_bytes, week_days
from sessions.calendar.selectors import feed_for_token, live_feed_of, sessions_of_therapist
from sessions.local_dates import clinic_today, day_bounds
from sessions.therapy.pages import in_clinic_time

# What the feed carries: recent history and the year ahead.
FEED_PAST_DAYS = 60
FEED_AHEAD_DAYS = 365


def _day_from(request, clinic: Clinic) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return clinic_today(clinic)


def _names(session) -> str:
    if session.partner is not None:
        return session.partner.display_name
    return session.couple.label


def _rows(request, sessions) -> list[dict]:
    slug = request.clinic.slug
    rows = []
    for session in sessions:
        entry = CalendarEntry(
            uid=str(session.pk),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            kind=session.kind,
            modality=session.modality,
            status=session.status,
        )
        rows.append(
            {
                "session": session,
                "title": event_title(entry),
                "names": _names(session),
                "start": timezone.localtime(session.starts_at, request.clinic.tz),
                "end": timezone.localtime(session.ends_at, request.clinic.tz),
                "url": reverse("session-page", args=[slug, session.pk]),
            }
        )
    return rows


def _sessions(request, first: date, last: date) -> list:
    start, end = day_bounds(first, last, request.clinic)
    sessions = list(
        sessions_of_therapist(
            clinic=request.clinic, membership=request.membership, start=start, end=end
        )
    )
    record_read(request, sessions)
    return sessions


def _book_form(request, day: date) -> BookFromCalendarForm:
    couples = couples_visible_to(clinic=request.clinic, membership=request.membership)
    return BookFromCalendarForm(
        couples=couples, initial={"date": day}, auto_id=f"id_book_{day:%Y%m%d}_%s"
    )


@clinic_member_required
@in_clinic_time
@require_GET
def week_page(request):
    """The week holding ?date= (default today), Monday to Sunday, one list per day."""
    clinic = request.clinic
    days = week_days(_day_from(request, clinic))
    rows = _rows(request, _sessions(request, days[0], days[-1]))
    today = clinic_today(clinic)
    by_day = {d: [] for d in days}
    for row in rows:
        by_day[row["start"].date()].append(row)
    return render(
        request,
        "sessions/calendar_week.html",
        {
            "days": [{"date": d, "rows": by_day[d], "is_today": d == today} for d in days],
            "first": days[0],
            "last": days[-1],
            "previous": days[0] - timedelta(days=7),
            "next": days[0] + timedelta(days=7),
            "today": today,
        },
    )


@clinic_member_required
@in_clinic_time
@require_GET
def day_page(request):
    """One day's agenda: each session with its time, couple, kind, place and status."""
    day = _day_from(request, request.clinic)
    rows = _rows(request, _sessions(request, day, day))
    return render(
        request,
        "sessions/calendar_day.html",
        {
            "day": day,
            "rows": rows,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "book_form": _book_form(request, day),
        },
    )


@clinic_member_required
@require_GET
def book_page(request):
    """Book on a day chosen in the calendar: off to the couple's booking form, that day set."""
    couples = couples_visible_to(clinic=request.clinic, membership=request.membership)
    form = BookFromCalendarForm(request.GET, couples=couples)
    if not form.is_valid():
        day = _day_from(request, request.clinic)
        messages.error(request, "Choose a couple to book a session for.")
        return redirect(f"{reverse('calendar-day', args=[request.clinic.slug])}?date={day}")
    couple, day = form.cleaned_data["couple"], form.cleaned_data["date"]
    query = urlencode({"date": day.isoformat()})
    return redirect(f"{reverse('session-new', args=[request.clinic.slug, couple.pk])}?{query}")


@clinic_member_required
@in_clinic_time
@require_http_methods(["GET", "POST"])
def feed_page(request):
    """Make, replace or revoke the member's private calendar link."""
    clinic = request.clinic
    feed = live_feed_of(clinic=clinic, user=request.user)
    form = FeedForm(
        request.POST or None,
        initial={"show_client_names": feed.show_client_names if feed else False},
    )
    new_link = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke" and feed is not None:
            services.calendar_feed_revoke(feed=feed, by=request.user, request=request)
            messages.success(request, "Your calendar link was revoked; it no longer works.")
            return redirect("calendar-feed", clinic_slug=clinic.slug)
        if action == "create" and form.is_valid():
            feed, token = services.calendar_feed_create(
                clinic=clinic,
                by=request.user,
                show_client_names=form.cleaned_data["show_client_names"],
                request=request,
            )
            new_link = request.build_absolute_uri(
                reverse("calendar-ics", args=[clinic.slug, token])
            )
    return render(
        request, "sessions/calendar_feed.html", {"feed": feed, "form": form, "new_link": new_link}
    )


@enters_by(Channel.FEED)
@require_GET
def feed_ics(request, clinic_slug, token):
    """The feed itself, fetched by a calendar app without a login: the secret link is the key.
    An unknown, revoked or orphaned link answers 404 like any other missing page."""
    clinic = Clinic.objects.filter(slug=clinic_slug).first()
    if clinic is None:
        raise Http404
    with scope(clinic=clinic):
        found = feed_for_token(clinic=clinic, token=token)
        if found is None:
            raise Http404
        feed, membership = found
        today = clinic_today(clinic)
        start, end = day_bounds(
            today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_AHEAD_DAYS), clinic
        )
        sessions = list(
            sessions_of_therapist(clinic=clinic, membership=membership, start=start, end=end)
        )
        entries = [
            CalendarEntry(
                uid=str(s.pk),
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                kind=s.kind,
                modality=s.modality,
                status=s.status,
                names=_names(s) if feed.show_client_names else "",
                url=request.build_absolute_uri(reverse("session-page", args=[clinic.slug, s.pk])),
            )
            for s in sessions
        ]
        services.calendar_feed_fetched(feed=feed, sessions=len(sessions), request=request)
    body = ics_bytes(entries, calendar_name=f"Attune · {clinic.name}", stamp=_now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _now() -> datetime:
    return timezone.now().replace(microsecond=0)
