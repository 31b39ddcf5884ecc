"""What the therapy side adds to the clinic app through its extension points: the caseload's
next and last session per couple, and the couple page's Sessions and Confidentiality panels."""

from clinic.date_style import format_when
from clinic.extensions import (
    CaseloadEnricher,
    CouplePanel,
    PortalSection,
    register_caseload_enricher,
    register_couple_panel,
    register_portal_section,
)
from sessions.therapy.selectors import (
    latest_note_has_risk,
    next_and_last_session_briefs,
    open_note_risk,
)

CASELOAD_KEY = "sessions"


def _brief(row: dict | None, tz) -> dict | None:
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "starts_at": row["starts_at"].isoformat(),
        "label": format_when(row["starts_at"], "day_datetime", tz=tz),
        "kind": row["kind"],
        "modality": row["modality"],
    }


def load_caseload_sessions(*, clinic, membership, couples) -> dict:
    """{couple_id: {"next": brief|None, "last": brief|None}} in two queries for any page size."""
    found = next_and_last_session_briefs(clinic=clinic, couple_ids=[c.pk for c in couples])
    tz = clinic.tz
    return {
        cid: {"next": _brief(v["next"], tz), "last": _brief(v["last"], tz)}
        for cid, v in found.items()
    }


def load_note_risk(*, clinic, membership, couples) -> dict:
    """Caseload enricher (urgent): the couple's latest signed note records risk concerns."""
    return open_note_risk(clinic=clinic, couple_ids=[c.pk for c in couples])


def portal_sharing_context(*, request) -> dict:
    """Portal section: what of the partner's own material the other partner sees (and never)."""
    from clinic.confidentiality import couple_sharing, sharing_summary

    if request.couple is None:
        return {"couple": None}
    shared, never, since = sharing_summary(couple_sharing(request.couple))
    return {"couple": request.couple, "shared": shared, "never": never, "since": since}


def register() -> None:
    """Called from the app's ready()."""
    from sessions.therapy.pages import confidentiality_panel_context, sessions_panel_context

    register_caseload_enricher(
        CaseloadEnricher(
            key=CASELOAD_KEY,
            load=load_caseload_sessions,
            template="sessions/session_caseload.html",
        )
    )
    # Risk concerns in a signed note float the couple to the top like a questionnaire alert.
    register_portal_section(
        PortalSection(
            key="sharing",
            order=95,
            template="sessions/portal_sharing.html",
            context=portal_sharing_context,
        )
    )
    register_caseload_enricher(
        CaseloadEnricher(
            key="note_risk",
            load=load_note_risk,
            template="sessions/note_risk_caseload.html",
            urgent=True,
            urgent_when=latest_note_has_risk,
        )
    )
    register_couple_panel(
        CouplePanel(
            key="sessions",
            order=20,
            template="sessions/session_panel.html",
            context=sessions_panel_context,
        )
    )
    register_couple_panel(
        CouplePanel(
            key="confidentiality",
            order=90,
            template="sessions/session_confidentiality_panel.html",
            context=confidentiality_panel_context,
        )
    )
