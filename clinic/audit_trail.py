"""Reading the audit trail: narrowing it (client or couple, actor, action, dates), putting each
event into words a person can check ("Dana Reyes viewed the session note of 6 Sep, Sam & Alex
Reyes, on the staff pages") with links to what it touched, and a client's access history as
CSV (the HIPAA accounting of who read or changed their record: who, when, what, how).

Names are the ones the clinic sees today (a client's preferred name), looked up when the trail
is read; the event itself stores ids only, so a renamed client is found under their new name.
"""

import csv
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

from django.apps import apps
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.scoring import UnknownInstrument, get_instrument
from clinic.audit_channel import Channel
from clinic.date_style import format_when
from clinic.models import AuditEvent, Client, Clinic, Couple

# The fixed list of what an event can say was done, in words. `record_event` refuses any other
# action, so the filter's list is the whole list.
ACTIONS: dict[str, str] = {
    "read": "viewed",
    "create": "created",
    "update": "changed",
    "archive": "archived",
    "delete": "deleted",
    "status": "changed the status of",
    "confidentiality": "changed what partners may see of",
    "break_glass": "opened, stating a reason (break-glass),",
    "access_history_export": "exported the access history of",
    "download": "downloaded",
    "export": "exported",
    "export_request": "asked for an export of",
    "report_request": "asked for",
    "share": "shared with the client",
    "unshare": "stopped sharing",
    "held": "recorded as held",
    "no_show": "recorded a no-show for",
    "cancel": "cancelled",
    "reschedule": "rescheduled",
    "sign": "signed",
    "cosign": "co-signed",
    "reassign_cosigner": "changed the co-signer of",
    "addendum": "added an addendum to",
    "submit": "submitted",
    "decline": "declined",
    "acknowledge": "acknowledged",
    "raise": "raised",
    "remind": "sent a reminder to",
    "void": "took back",
    "correct": "corrected",
    "end": "ended",
    "retire": "retired",
    "stop_repeating": "stopped repeating",
    "agreement_accepted": "accepted",
    "agreement_discuss": "asked to discuss",
    "upload": "uploaded",
    "import_preview": "previewed",
    "import_confirm": "confirmed",
    "import_discard": "discarded",
    "ignore": "ignored",
    "revoke": "revoked",
    "portal_grant": "gave portal access to",
    "portal_revoke": "ended portal access of",
    "invitation_create": "invited",
    "invitation_resend": "sent again",
    "invitation_revoke": "withdrew",
    "invitation_accept": "accepted",
    "member_update": "changed the membership of",
    "member_deactivate": "deactivated",
    "member_unlock": "unlocked",
    "login": "logged in",
    "login_failed": "failed to log in",
    "login_locked": "was locked out",
    "logout": "logged out",
    "password_change": "changed their password",
    "password_reset": "reset their password",
    "mfa_added": "added a second factor",
    "mfa_removed": "removed a second factor",
}
ACCOUNT_ACTIONS = frozenset(
    {"login", "login_failed", "login_locked", "logout", "password_change", "password_reset"}
    | {"mfa_added", "mfa_removed"}
)

# What a record is, in the clinic's words; anything else uses the model's own name.
RECORD_WORDS: dict[str, str] = {
    "clinic.couple": "case",
    "clinic.client": "client record",
    "clinic.user": "login",
    "clinic.clinic": "clinic settings",
    "clinic.membership": "staff membership",
    "clinic.invitation": "invitation",
    "therapy_sessions.therapysession": "session",
    "therapy_sessions.sessionnote": "session note",
    "therapy_sessions.noteaddendum": "addendum",
    "therapy_sessions.homework": "homework",
    "therapy_sessions.agreementversion": "time-out agreement",
    "therapy_sessions.agreementresponse": "answer to a time-out agreement",
    "therapy_sessions.practicelog": "practice log",
    "therapy_sessions.timeoutlog": "time-out log",
    "therapy_sessions.checkin": "check-in",
    "therapy_sessions.measurement": "measurement",
    "therapy_sessions.measurementimport": "device import",
    "therapy_sessions.jointpractice": "joint practice",
    "therapy_sessions.calendarfeed": "calendar feed",
    "assessments.assignment": "questionnaire assignment",
    "assessments.response": "questionnaire",
    "assessments.riskalert": "risk alert",
    "reports.progressreport": "progress report",
    "reports.clinicexport": "clinic export",
}
# The date that tells a person which one it was ("session note of 6 Sep"): the record's own
# field, first found wins, or for a note and an addendum their session's (loaded with them).
DATED_BY = (
    "starts_at",
    "practiced_at",
    "checked_at",
    "started_at",
    "measured_at",
    "submitted_at",
    "raised_at",
    "period_end",
    "created_at",
)
DATED_THROUGH = {
    "therapy_sessions.sessionnote": "session.starts_at",
    "therapy_sessions.noteaddendum": "note.session.starts_at",
}
# Loaded with the record, so its words need no query per event.
RELATED = {
    "therapy_sessions.sessionnote": ("session",),
    "therapy_sessions.noteaddendum": ("note__session",),
    "assessments.riskalert": ("response",),
}


def _page_link(clinic: Clinic, name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs={"clinic_slug": clinic.slug, **kwargs})
    except NoReverseMatch:
        return ""


LINKS = {
    "clinic.couple": lambda c, o: _page_link(c, "couple-detail", couple_id=o.pk),
    "therapy_sessions.therapysession": lambda c, o: _page_link(c, "session-page", session_id=o.pk),
    "therapy_sessions.sessionnote": lambda c, o: _page_link(c, "note-page", note_id=o.pk),
    "therapy_sessions.noteaddendum": lambda c, o: _page_link(c, "note-page", note_id=o.note_id),
    "therapy_sessions.homework": lambda c, o: _page_link(
        c, "homework-page", couple_id=o.couple_id, homework_id=o.pk
    ),
    "assessments.response": lambda c, o: _page_link(c, "assessment-response", response_id=o.pk),
}


@dataclass(frozen=True)
class EventLine:
    """One event in words, with where to look (links are "" where there is no page)."""

    event: AuditEvent
    who: str
    who_email: str
    did: str
    record: str
    record_link: str
    subject: str
    subject_link: str
    channel: str

    @property
    def sentence(self) -> str:
        whose = f" ({self.subject})" if self.subject else ""
        record = f" the {self.record}" if self.record else ""
        return f"{self.who} {self.did}{record}{whose}"


# --- narrowing -----------------------------------------------------------------------------


def client_events_q(client: Client) -> Q:
    """Events about one client's record: theirs alone, and their couple's shared records (a
    joint session or note is part of each partner's record), but never the other partner's
    own material. Events older than the couple and client columns are matched by the record
    they name when it is the client themself."""
    couples = Couple.objects.for_clinic(client.clinic_id).filter(
        Q(partner_a=client) | Q(partner_b=client)
    )
    return (
        Q(client=client)
        | Q(couple__in=couples.values("pk"), client__isnull=True)
        | Q(object_type="clinic.client", object_id=str(client.pk))
    )


def couple_events_q(couple: Couple) -> Q:
    """Events about one couple's case: anything recorded under the couple (older events: the
    couple record itself)."""
    return Q(couple=couple) | Q(object_type="clinic.couple", object_id=str(couple.pk))


def clinic_day_start(day: date, clinic: Clinic) -> datetime:
    """The start of a clinic's day: "the 3rd" means the 3rd where the clinic is."""
    return datetime.combine(day, day_time.min, clinic.tz)


def audit_events(
    *,
    clinic: Clinic,
    client: Client | None = None,
    couple: Couple | None = None,
    actor: str = "",
    actor_id=None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The clinic's events, newest first, narrowed by whatever is given (dates are the clinic's
    days, both ends included; `actor` matches a name or email in part)."""
    events = AuditEvent.objects.for_clinic(clinic).select_related("actor").order_by("-at", "-pk")
    if client is not None:
        events = events.filter(client_events_q(client))
    if couple is not None:
        events = events.filter(couple_events_q(couple))
    if actor.strip():
        text = actor.strip()
        events = events.filter(
            Q(actor__email__icontains=text) | Q(actor__full_name__icontains=text)
        )
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__gte=clinic_day_start(date_from, clinic))
    if date_to:
        events = events.filter(at__lt=clinic_day_start(date_to + timedelta(days=1), clinic))
    return events


# --- words ---------------------------------------------------------------------------------


def _dated(label: str, obj) -> date | datetime | None:
    if label in DATED_THROUGH:
        value = obj
        for name in DATED_THROUGH[label].split("."):
            value = getattr(value, name, None)
        return value
    for name in DATED_BY:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _record_words(label: str, obj) -> str:
    model = _model(label)
    words = RECORD_WORDS.get(label) or (str(model._meta.verbose_name) if model else label)
    if obj is None:
        return words
    title = getattr(obj, "title", "") or _instrument_name(label, obj)
    if title:
        words = f"{words} \N{LEFT DOUBLE QUOTATION MARK}{title}\N{RIGHT DOUBLE QUOTATION MARK}"
    if label in ("clinic.couple", "clinic.client", "clinic.clinic", "clinic.user"):
        return words
    when = _dated(label, obj)
    if when is None:
        return words
    this_year = timezone.localdate().year
    style = "short" if when.year == this_year else "date"
    return f"{words} of {format_when(when, style)}"


def _instrument_name(label: str, obj) -> str:
    """The questionnaire's name as the clinic knows it ("ECR-S", not the code "ecrs"), from the
    instrument library in code, so naming it costs no query; a risk alert names its response's."""
    source = obj.response if label == "assessments.riskalert" else obj
    code = getattr(source, "instrument_code", "")
    if not code:
        return ""
    try:
        return get_instrument(code, getattr(source, "instrument_version", None)).short_name
    except UnknownInstrument:
        return code


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _load_records(clinic: Clinic, events: list[AuditEvent]) -> dict[tuple[str, str], object]:
    """The records the events name, one query per kind of record."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_id:
            wanted[event.object_type].add(event.object_id)
    found: dict[tuple[str, str], object] = {}
    for label, ids in wanted.items():
        model = _model(label)
        if model is None or label in ("clinic.clinic", "clinic.user"):
            continue
        manager = getattr(model, "objects", None)
        if not hasattr(manager, "for_clinic"):
            continue
        rows = manager.for_clinic(clinic)
        valid = [i for i in ids if _is_uuid(i)]
        for obj in rows.select_related(*RELATED.get(label, ())).filter(pk__in=valid):
            found[(label, str(obj.pk))] = obj
    return found


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def describe(events, *, clinic: Clinic) -> list[EventLine]:
    """Each event in words, with links; a fixed number of queries per kind of record shown."""
    events = list(events)
    records = _load_records(clinic, events)
    couple_ids = {e.couple_id for e in events if e.couple_id}
    client_ids = {e.client_id for e in events if e.client_id}
    couples = {
        c.pk: c
        for c in Couple.objects.for_clinic(clinic)
        .select_related("partner_a", "partner_b")
        .filter(pk__in=couple_ids)
    }
    clients = {c.pk: c for c in Client.objects.for_clinic(clinic).filter(pk__in=client_ids)}
    channels = dict(Channel.choices)
    lines = []
    for event in events:
        obj = records.get((event.object_type, event.object_id))
        couple = couples.get(event.couple_id) if event.couple_id else None
        client = clients.get(event.client_id) if event.client_id else None
        subject, subject_link = _subject(clinic, event, couple, client, obj)
        link = LINKS.get(event.object_type)
        lines.append(
            EventLine(
                event=event,
                who=_who(event),
                who_email=event.actor.email if event.actor else "",
                did=ACTIONS.get(event.action, event.action.replace("_", " ")),
                record=""
                if event.action in ACCOUNT_ACTIONS
                else _record_words(event.object_type, obj),
                record_link=link(clinic, obj) if (link and obj is not None) else "",
                subject=subject,
                subject_link=subject_link,
                channel=channels.get(event.channel, event.channel),
            )
        )
    return lines


def _who(event: AuditEvent) -> str:
    if event.actor is None:
        return "Attune (system)"
    return event.actor.full_name or event.actor.email


def _subject(clinic, event, couple, client, obj) -> tuple[str, str]:
    if isinstance(obj, Couple):
        return obj.label, _couple_link(clinic, obj)
    if isinstance(obj, Client):
        return obj.display_name, ""
    if client is not None and couple is not None:
        return f"{client.display_name}, of {couple.label}", _couple_link(clinic, couple)
    if couple is not None:
        return couple.label, _couple_link(clinic, couple)
    if client is not None:
        return client.display_name, ""
    return "", ""


def _couple_link(clinic: Clinic, couple: Couple) -> str:
    return _page_link(clinic, "couple-detail", couple_id=couple.pk)


# --- the accounting of one client's access ------------------------------------------------------

CSV_HEADER = ["When", "Who", "Email", "Did", "Record", "Whose record", "How", "From address"]


def access_history_csv(*, clinic: Clinic, client: Client, events) -> str:
    """One client's access history as CSV: a row per event, oldest first, in the clinic's time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for line in describe(events, clinic=clinic):
        writer.writerow(
            [
                timezone.localtime(line.event.at, clinic.tz).isoformat(timespec="seconds"),
                _safe(line.who),
                _safe(line.who_email),
                line.did,
                _safe(line.record),
                _safe(line.subject),
                line.channel,
                line.event.ip or "",
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    # A name typed as "=HYPERLINK(...)" must stay text when the file is opened in a spreadsheet.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
