"""Reads that need care in the sessions app. Every selector takes the clinic.

Therapy part: sessions and notes a clinic member may reach, the caseload's next and last
session, and what a partner may see of the couple's sessions (never any note).
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from clinic.confidentiality import Material, Viewer, ViewerKind, couple_sharing, may_view
from clinic.date_style import format_for_clinic
from clinic.models import Clinic, Couple, Membership
from clinic.queries import first_rows_per
from clinic.selectors import couples_visible_to
from sessions.models import (
    NoteAddendum,
    RiskLevel,
    SessionKind,
    SessionNote,
    SessionStatus,
    TherapySession,
)

# --- therapy sessions and notes -------------------------------------------------------------

STAFF = Viewer(ViewerKind.STAFF)


def note_material(session: TherapySession) -> Material:
    """The confidentiality class of a session's note: individual-session notes are never shared."""
    return (
        Material.INDIVIDUAL_SESSION_NOTE
        if session.kind == SessionKind.INDIVIDUAL
        else Material.SESSION_NOTE
    )


def sessions_for_couple(*, clinic: Clinic, couple: Couple) -> QuerySet[TherapySession]:
    """The couple's sessions, newest first, with therapist, partner and note loaded (one query)."""
    return (
        TherapySession.objects.for_clinic(clinic)
        .filter(couple=couple)
        .select_related("therapist", "partner", "note")
        .order_by("-starts_at")
    )


#: the couple page's Sessions panel: the next sessions booked and the last ones held or missed;
#: the rest of a long history is a link away (couple_sessions_page)
PANEL_UPCOMING = 5
PANEL_RECENT = 10


def sessions_for_couple_panel(
    *, clinic: Clinic, couple: Couple, now: datetime | None = None
) -> tuple[list[TherapySession], int]:
    """The couple page's sessions, newest first: the next PANEL_UPCOMING from now, the last
    PANEL_RECENT before it, and any older one still waiting for the therapist (held without a
    note, or never marked held or cancelled); with the number of all the couple's sessions.
    One query, however long the history."""
    now = now or timezone.now()
    ahead = Q(starts_at__gte=now)
    rows = (
        sessions_for_couple(clinic=clinic, couple=couple)
        .annotate(
            ahead=ExpressionWrapper(ahead, output_field=BooleanField()),
            # Nearest first on each side of now: ascending ahead, descending before.
            nth=Window(
                RowNumber(),
                partition_by=[F("ahead")],
                order_by=[
                    Case(When(ahead, then=F("starts_at"))).asc(),
                    F("starts_at").desc(),
                ],
            ),
            total=Window(Count("pk")),
        )
        .filter(
            Q(ahead=True, nth__lte=PANEL_UPCOMING)
            | Q(ahead=False, nth__lte=PANEL_RECENT)
            | Q(ahead=False, status=SessionStatus.SCHEDULED)
            | Q(ahead=False, status=SessionStatus.HELD, note__isnull=True)
        )
    )
    shown: list[TherapySession] = sorted(rows, key=lambda session: session.starts_at, reverse=True)
    total: int = getattr(shown[0], "total", 0) if shown else 0
    return shown, total


def sessions_visible_to(*, clinic: Clinic, membership: Membership) -> QuerySet[TherapySession]:
    """Sessions of the couples this member may see (admins: the whole clinic)."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return (
        TherapySession.objects.for_clinic(clinic)
        .filter(couple__in=couples.values("pk"))
        .select_related("therapist", "partner", "note", "couple__partner_a", "couple__partner_b")
    )


def get_session_for_member(*, clinic: Clinic, membership: Membership, session_id) -> TherapySession:
    """The session if the member may see its couple, else Http404."""
    session = (
        sessions_visible_to(clinic=clinic, membership=membership).filter(pk=session_id).first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def notes_visible_to(*, clinic: Clinic, membership: Membership) -> QuerySet[SessionNote]:
    """Notes of the member's couples, plus notes awaiting their co-signature (a supervisor need
    not be assigned to the supervisee's couples to co-sign)."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return (
        SessionNote.objects.for_clinic(clinic)
        .filter(Q(session__couple__in=couples.values("pk")) | Q(cosigner_required=membership.user))
        .select_related(
            "session__couple__partner_a",
            "session__couple__partner_b",
            "session__couple__clinic",
            "session__partner",
            "author",
            "signed_by",
            "cosigner_required",
            "cosigned_by",
        )
    )


def staff_may_read_note(note: SessionNote) -> bool:
    """Ask the confidentiality module, as every reader of a note must (staff: always)."""
    session = note.session
    return may_view(
        viewer=STAFF,
        material=note_material(session),
        owner_id=session.partner_id,
        sharing=couple_sharing(session.couple),
        item_at=session.starts_at,
    )


def get_note_for_member(*, clinic: Clinic, membership: Membership, note_id) -> SessionNote:
    """The note if the member may read it, else Http404."""
    note = notes_visible_to(clinic=clinic, membership=membership).filter(pk=note_id).first()
    if note is None or not staff_may_read_note(note):
        raise Http404("No such note.")
    return note


def addenda_of(note: SessionNote) -> QuerySet[NoteAddendum]:
    """A note's addenda, oldest first, with their authors."""
    return (
        NoteAddendum.objects.for_clinic(note.clinic)
        .filter(note=note)
        .select_related("author")
        .order_by("created_at")
    )


def _first_per_couple(qs: QuerySet[TherapySession], order) -> dict:
    ranked = qs.annotate(
        rank=Window(RowNumber(), partition_by=[F("couple_id")], order_by=order)
    ).filter(rank=1)
    return {s.couple_id: s for s in ranked}


def next_and_last_sessions(
    *, clinic: Clinic, couple_ids: Iterable, now: datetime | None = None
) -> dict:
    """{couple_id: {"next": session|None, "last": session|None}} in two queries.

    Next: the earliest scheduled session not yet started; last: the most recent held one.
    """
    now = now or timezone.now()
    ids = list(couple_ids)
    base = (
        TherapySession.objects.for_clinic(clinic)
        .filter(couple_id__in=ids)
        .select_related("therapist", "partner", "note")
    )
    upcoming = _first_per_couple(
        base.filter(status=SessionStatus.SCHEDULED, starts_at__gte=now), F("starts_at").asc()
    )
    held = _first_per_couple(
        base.filter(status=SessionStatus.HELD, starts_at__lt=now), F("starts_at").desc()
    )
    return {cid: {"next": upcoming.get(cid), "last": held.get(cid)} for cid in ids}


#: what the caseload shows of a session
BRIEF_FIELDS = ("id", "couple_id", "starts_at", "kind", "modality")


def next_and_last_session_briefs(
    *, clinic: Clinic, couple_ids: Iterable, now: datetime | None = None
) -> dict:
    """{couple_id: {"next": row|None, "last": row|None}} for a page of couples in two queries,
    each row a dict of BRIEF_FIELDS. Next: the earliest scheduled session not yet started;
    last: the most recent held one.

    The caseload needs five columns, not full sessions with their therapist, partner and note;
    DISTINCT ON walks the (clinic, couple, starts_at) index and keeps one row per couple.
    """
    now = now or timezone.now()
    ids = list(couple_ids)
    base = TherapySession.objects.for_clinic(clinic).filter(couple_id__any_of=ids)
    queries = {
        "next": base.filter(status=SessionStatus.SCHEDULED, starts_at__gte=now).order_by(
            "couple_id", "starts_at"
        ),
        "last": base.filter(status=SessionStatus.HELD, starts_at__lt=now).order_by(
            "couple_id", "-starts_at"
        ),
    }
    found: dict = {cid: {"next": None, "last": None} for cid in ids}
    for key, qs in queries.items():
        for row in first_rows_per(qs, ("couple_id",), *BRIEF_FIELDS):
            found[row["couple_id"]][key] = row
    return found


def notes_flagging_risk(*, clinic: Clinic) -> QuerySet[SessionNote]:
    """Signed notes that record risk concerns and are their couple's latest signed note (by
    session time, then signing time): each flags its couple until a later signed note.

    Read from the few notes with concerns (a partial index) and, for each, whether a later
    signed note exists (the sessions' clinic, couple, time index), so the cost follows the
    flagged notes, not every couple's whole history of notes."""
    later = SessionNote.objects.for_clinic(clinic).filter(
        Q(session__starts_at__gt=OuterRef("session__starts_at"))
        | Q(session__starts_at=OuterRef("session__starts_at"), signed_at__gt=OuterRef("signed_at")),
        session__couple_id=OuterRef("session__couple_id"),
        signed_at__isnull=False,
    )
    return (
        SessionNote.objects.for_clinic(clinic)
        .filter(signed_at__isnull=False, risk_level=RiskLevel.CONCERNS)
        .filter(~Exists(later))
    )


def open_note_risk(*, clinic: Clinic, couple_ids: Iterable) -> dict:
    """{couple_id: {"note", "on"}} for couples whose latest signed note (by session time) records
    risk concerns: the caseload flags them until a later signed note records none. One query."""
    flagged = (
        notes_flagging_risk(clinic=clinic)
        .filter(session__couple_id__any_of=list(couple_ids))
        .values("id", couple_id=F("session__couple_id"), starts_at=F("session__starts_at"))
    )
    # The clinic's date style, not strftime: "%b" follows the process's C locale, so the same
    # note read "22 Nov 2026" or "Nov 22, 2026" depending on the server it was served from.
    return {
        row["couple_id"]: {
            "note": str(row["id"]),
            "on": format_for_clinic(row["starts_at"], "date", clinic),
        }
        for row in flagged
    }


def latest_note_has_risk(*, clinic: Clinic) -> Q:
    """True for a couple whose latest signed note records risk concerns (what `open_note_risk`
    finds), as a condition over Couple rows, so the caseload orders them first on every page.

    A set of couple ids the database builds once (a hashed subplan), not a look-up of each
    listed couple's latest note: ordering a page of 50 would otherwise read every couple's."""
    return Q(pk__in=notes_flagging_risk(clinic=clinic).values("session__couple_id"))
