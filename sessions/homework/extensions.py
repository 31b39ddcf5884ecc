"""What homework adds to the caseload: a flag on each couple where a partner asked to discuss
the current version of a time-out agreement before accepting it.

What homework, logs and measurements add to other pages through the clinic's extension points:
the therapist's couple page (a panel) and the partner's portal home (a section). Each context
loads its data in a fixed number of queries and audits every record it shows.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import dateformat

from clinic.addresses import address_of_each
from clinic.audit import record_read
from clinic.date_style import format_when
from clinic.extensions import CaseloadEnricher, CouplePanel, PortalSection
from clinic.models import Client, Couple
from sessions.homework.agreements import AgreementStatus
from sessions.homework.selectors import (
    PartnerAdherence,
    adherence_of,
    agreement_status_of,
    current_version,
    discussion_requests,
    homework_of_couple,
)
from sessions.local_dates import clinic_today, day_bounds
from sessions.logs.regulation import INTENSITY_SCALE, SELF_RATING_NOTE, ZONE_LABELS
from sessions.logs.selectors import (
    check_ins_of,
    practice_logs_of,
    regulation_from,
    regulation_window,
    time_out_logs_of,
)
from sessions.measurements.charts import couple_marker_charts
from sessions.models import CheckIn, Homework, HomeworkKind, PracticeLog, TimeOutLog
from sessions.portal.selectors import homework_for_portal, upcoming_sessions_for
from sessions.practice.selectors import pace_of

CASELOAD_KEY = "agreement_discussion"


def load_discussion_requests(*, clinic, membership, couples) -> dict:
    """{couple_id: [{"homework_id", "title", "version", "who"}...]} for couples where a
    partner asked to discuss the latest version of a running time-out agreement; one query
    whatever the number of couples."""
    by_id = {couple.pk: couple for couple in couples}
    asking: dict = {}  # couple id -> homework id -> (row, partner ids asking)
    for row in discussion_requests(clinic=clinic, couple_ids=list(by_id)):
        per_couple = asking.setdefault(row["couple_id"], {})
        per_couple.setdefault(row["homework_id"], (row, set()))[1].add(row["partner_id"])
    found: dict = {}
    for couple_id, per_couple in asking.items():
        couple = by_id[couple_id]
        for row, partner_ids in per_couple.values():
            # In the couple's order (partner A first); anyone no longer a partner is ignored.
            who = [p.display_name for p in couple.partners if p.pk in partner_ids]
            if not who:
                continue
            found.setdefault(couple_id, []).append(
                {
                    "homework_id": str(row["homework_id"]),
                    "title": row["title"],
                    "version": row["version_number"],
                    # Who and which version only: the note itself is read on the couple page,
                    # where reading it is audited.
                    "who": who,
                }
            )
    return found


CASELOAD_ENRICHER = CaseloadEnricher(
    key=CASELOAD_KEY,
    load=load_discussion_requests,
    template="sessions/agreement_caseload.html",
)

PANEL_KEY = "homework"
SECTION_KEY = "homework"


@dataclass(frozen=True)
class HomeworkRow:
    homework: Homework
    for_whom: str
    status: str
    attention: bool  # someone asked to discuss, or the agreement waits for acceptance
    adherence: list[tuple[str, PartnerAdherence]]


def describe_minutes(minutes: int) -> str:
    """A length of time as people say it: "20 minutes", "1 hour 30 minutes", "24 hours"."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _name_of(couple: Couple, partner_id) -> str:
    return next((p.display_name for p in couple.partners if p.pk == partner_id), "")


def agreement_summary(status: AgreementStatus, couple: Couple) -> tuple[str, bool]:
    """A therapist's one-line reading of an agreement's standing, and whether it needs them."""
    if status.in_force:
        return f"In force: both accepted version {status.version}", False
    parts = []
    for standing in status.partners:
        name = _name_of(couple, standing.partner)
        if standing.wants_to_discuss:
            note = f": “{standing.note}”" if standing.note else ""
            parts.append(f"{name} asked to discuss version {status.version}{note}")
        elif not standing.accepted:
            parts.append(f"waiting for {name} to accept version {status.version}")
    text = "; ".join(parts) or "Ended"
    return text[0].upper() + text[1:], True


def homework_rows(homework_list, couple: Couple) -> list[HomeworkRow]:
    """Rows of the couple page's homework table: who it is for, standing, adherence."""
    adherence = adherence_of(homework_list=homework_list, couple=couple)
    rows = []
    for homework in homework_list:
        status, attention = "", False
        if homework.ended_at:
            status = f"Ended {format_when(homework.end_date)}"
        elif homework.is_time_out:
            status, attention = agreement_summary(agreement_status_of(homework, couple), couple)
        rows.append(
            HomeworkRow(
                homework=homework,
                for_whom=homework.partner.display_name if homework.partner else "both partners",
                status=status,
                attention=attention,
                adherence=[
                    (_name_of(couple, row.partner_id), row)
                    for row in adherence.get(homework.pk, [])
                ],
            )
        )
    return rows


def strip_rows(regulation) -> dict:
    """The two-week strip as a table: one row per partner, both-out-of-window days flagged.
    Each day's words are written once and shared by its header and both partners' cells."""
    both = set(regulation.both_out)
    days = {
        day.on: {
            "on": day.on,
            "both_out": day.on in both,
            "weekday": format_when(day.on, "weekday"),
            "day": format_when(day.on, "day"),
            # The column heading: the weekday's first letter over the day of the month.
            "initial": dateformat.format(day.on, "D")[:1],
            "number": day.on.day,
        }
        for day in (regulation.strips[0].days if regulation.strips else [])
    }
    return {
        "days": list(days.values()),
        "rows": [
            {
                "partner": strip.partner,
                "cells": [
                    {
                        "day": days[day.on],
                        "zone": day.zone.value if day.zone else "",
                        "label": ZONE_LABELS[day.zone] if day.zone else "No rating",
                        "intensity": day.intensity,
                    }
                    for day in strip.days
                ],
            }
            for strip in regulation.strips
        ],
        "both_out": [days[on] for on in regulation.both_out],
    }


@dataclass(frozen=True)
class LogRow:
    """One entry in the panel's lists of the last two weeks' logs, with what a row needs
    written out once here rather than by a template tag per row."""

    log: PracticeLog | TimeOutLog | CheckIn
    when: str
    #: where the therapist takes the entry back ("" once it is taken back)
    void_url: str


def log_rows(logs, *, couple: Couple, kind: str, moment: str) -> list[LogRow]:
    """`logs` (one kind) as panel rows; `moment` names the field that dates an entry. The
    take-back address is reversed once for the list (a year-long couple has dozens)."""
    void_address = address_of_each(
        "staff-log-void",
        "log_id",
        clinic_slug=couple.clinic.slug,
        couple_id=couple.pk,
        kind=kind,
    )
    return [
        LogRow(
            log=log,
            when=format_when(getattr(log, moment), "day_time"),
            void_url="" if log.voided_at else void_address(log.pk),
        )
        for log in logs
    ]


def couple_panel_context(*, request, couple: Couple) -> dict:
    """The couple page's Homework and regulation panel (staff): homework with agreement standing
    and adherence, each partner's two-week regulation strip with the days both were out of
    their window, the last two weeks' logs and check-ins, and marker charts."""
    clinic = request.clinic
    homework = list(homework_of_couple(couple=couple))
    start, end = regulation_window(couple=couple)
    since, _ = day_bounds(start, end, clinic)
    practices = list(practice_logs_of(couple=couple).filter(practiced_at__gte=since))
    time_outs = list(time_out_logs_of(couple=couple).filter(started_at__gte=since))
    check_ins = list(check_ins_of(couple=couple).filter(checked_at__gte=since))
    # The strip is drawn from the entries listed below, not read a second time.
    regulation = regulation_from(
        couple=couple,
        start=start,
        end=end,
        check_ins=[
            (c.partner_id, c.checked_at, c.zone, c.intensity) for c in check_ins if not c.voided_at
        ],
        practices=[
            (
                p.partner_id,
                p.practiced_at,
                p.before_zone,
                p.before_intensity,
                p.after_zone,
                p.after_intensity,
            )
            for p in practices
            if not p.voided_at
        ],
    )
    charts, measurements = couple_marker_charts(couple=couple)
    record_read(
        request, [*homework, *practices, *time_outs, *check_ins, *measurements], clinic=clinic
    )
    return {
        "couple": couple,
        "homework": homework_rows(homework, couple),
        "strip": strip_rows(regulation),
        "practices": log_rows(practices, couple=couple, kind="practice", moment="practiced_at"),
        "time_outs": log_rows(time_outs, couple=couple, kind="time-out", moment="started_at"),
        "check_ins": log_rows(check_ins, couple=couple, kind="check-in", moment="checked_at"),
        "charts": charts,
        "scale": INTENSITY_SCALE,
        "self_rating": SELF_RATING_NOTE,
        "time_zone": clinic.time_zone,
        "kinds": HomeworkKind.choices,
    }


def _my_week(rows: list[PartnerAdherence], client: Client, today: date):
    mine = next((r for r in rows if r.partner_id == client.pk), None)
    if mine is None or not mine.weeks:
        return None
    week = mine.weeks[-1]
    return week if week.week_start <= today <= week.week_end else None


def portal_section_context(*, request) -> dict:
    """The partner's portal home: upcoming sessions, agreements waiting for them, their homework
    with this week's count, and the ways to log."""
    client, couple = request.client, request.couple
    if couple is None:
        return {"couple": None}
    homework = list(homework_for_portal(couple=couple, client=client))
    today = clinic_today(request.clinic)
    adherence = adherence_of(homework_list=homework, couple=couple, today=today)
    agreements, practices = [], []
    for h in homework:
        if h.is_time_out:
            status = agreement_status_of(h, couple)
            standing = status.standing_of(client.pk)
            agreements.append(
                {
                    "homework": h,
                    "status": status,
                    "version": current_version(h),
                    "i_accepted": bool(standing and standing.accepted),
                }
            )
        elif h.partner_id in (None, client.pk) and h.is_due_on(today):
            practices.append(
                {
                    "homework": h,
                    "week": _my_week(adherence.get(h.pk, []), client, today),
                    "guided": h.ended_at is None and pace_of(h) is not None,
                }
            )
    sessions = upcoming_sessions_for(couple=couple, client=client)
    record_read(request, [*homework, *sessions])
    return {
        "couple": couple,
        "agreements": agreements,
        "practices": practices,
        "sessions": sessions,
        "time_zone": request.clinic.time_zone,
    }


COUPLE_PANEL = CouplePanel(
    key=PANEL_KEY,
    order=30,
    template="sessions/homework_panel.html",
    context=couple_panel_context,
)
PORTAL_SECTION = PortalSection(
    key=SECTION_KEY,
    order=10,
    template="sessions/portal_section.html",
    context=portal_section_context,
)
