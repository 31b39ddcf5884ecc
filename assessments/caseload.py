"""What assessments add to the caseload: open risk alerts (urgent: those couples float to the
top), overdue questionnaires, and each partner's latest headline scores.

Everything is loaded for the whole page of couples at once, in a fixed number of queries
whatever the number of couples (one per kind of figure).
"""

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef

from assessments.models import Response, RiskAlert
from assessments.risk import REVIEW, URGENT
from assessments.scoring import UnknownInstrument, get_instrument
from assessments.services import local_today
from clinic.queries import first_rows_per

#: instruments whose latest scores the caseload shows, in display order
HEADLINE_INSTRUMENTS = ("phq9", "gad7", "pcl5", "csi16", "csi4", "ecrr", "ecrs", "ders16")


def open_alert_counts(*, clinic, couple_ids) -> dict:
    """{couple id: {"urgent": n, "review": n}} of unacknowledged risk alerts by severity
    (couples without any are absent)."""
    rows = (
        RiskAlert.objects.for_clinic(clinic)
        .filter(couple_id__in=couple_ids, acknowledged_at__isnull=True)
        .values("couple_id", "severity")
        .annotate(n=Count("id"))
    )
    out: dict = {}
    for row in rows:
        counts = out.setdefault(row["couple_id"], {URGENT: 0, REVIEW: 0})
        counts[URGENT if row["severity"] == URGENT else REVIEW] += row["n"]
    return out


def overdue_counts(*, clinic, couple_ids) -> dict:
    """{couple id: number of open questionnaires past their due date}."""
    rows = (
        Response.objects.for_clinic(clinic)
        .filter(couple_id__in=couple_ids)
        .overdue(local_today(clinic))
        .values("couple_id")
        .annotate(n=Count("id"))
    )
    return {row["couple_id"]: row["n"] for row in rows}


def _headline_scales(code: str, version: int, scores: dict) -> list[dict]:
    """The total where the instrument has one, else its subscales (ECR: anxiety, avoidance)."""
    scales = scores.get("scales", [])
    chosen = [s for s in scales if s["id"] == "total"] or scales
    try:
        short = get_instrument(code, version).short_name
    except UnknownInstrument:
        short = code
    return [
        {
            "instrument": short,
            "code": code,
            "scale": s["id"],
            "label": short if s["id"] == "total" else f"{short} {s['name'].lower()}",
            "value": s["value"],
            "band": s.get("band"),
        }
        for s in chosen
    ]


def latest_headlines(*, clinic, couples) -> dict:
    """{couple id: [{partner, partner_name, instrument, label, value, band}, ...]} from each
    partner's latest submitted response per headline instrument (the stored snapshot).

    One query: DISTINCT ON keeps the newest row per (couple, partner, instrument) along the
    clinic's index of submitted responses, and only the scales leave the database."""
    ids = [c.pk for c in couples]
    latest = first_rows_per(
        Response.objects.for_clinic(clinic)
        .submitted()
        .filter(couple_id__in=ids, instrument_code__in=HEADLINE_INSTRUMENTS)
        .order_by("couple_id", "partner_id", "instrument_code", "-submitted_at"),
        ("couple_id", "partner_id", "instrument_code"),
        "couple_id",
        "partner_id",
        "instrument_code",
        "instrument_version",
        "due_on",
        scales=F("scores__scales"),
    )
    names = {}
    for couple in couples:
        names[couple.partner_a_id] = couple.partner_a.display_name
        names[couple.partner_b_id] = couple.partner_b.display_name
    order = {code: i for i, code in enumerate(HEADLINE_INSTRUMENTS)}
    out: dict = defaultdict(list)
    for row in sorted(latest, key=lambda r: (order[r["instrument_code"]], str(r["partner_id"]))):
        for scale in _headline_scales(
            row["instrument_code"], row["instrument_version"], {"scales": row["scales"] or []}
        ):
            out[row["couple_id"]].append(
                {
                    **scale,
                    "partner": str(row["partner_id"]),
                    "partner_name": names.get(row["partner_id"], ""),
                    "on": row["due_on"].isoformat(),
                }
            )
    return dict(out)


def assessment_summaries(*, clinic, couples) -> dict:
    """{couple id: {"open_alerts", "overdue", "headlines"}} for a page of couples (3 queries)."""
    ids = [c.pk for c in couples]
    alerts = open_alert_counts(clinic=clinic, couple_ids=ids)
    overdue = overdue_counts(clinic=clinic, couple_ids=ids)
    headlines = latest_headlines(clinic=clinic, couples=couples)
    none = {URGENT: 0, REVIEW: 0}
    return {
        couple.pk: {
            "open_alerts": sum(alerts.get(couple.pk, none).values()),
            "urgent_alerts": alerts.get(couple.pk, none)[URGENT],
            "overdue": overdue.get(couple.pk, 0),
            "headlines": headlines.get(couple.pk, []),
        }
        for couple in couples
    }


def has_open_alert(*, clinic):
    """True for a couple with an unacknowledged risk alert (what `load_alerts` counts)."""
    return Exists(
        RiskAlert.objects.for_clinic(clinic).filter(
            couple_id=OuterRef("pk"), acknowledged_at__isnull=True
        )
    )


def load_alerts(*, clinic, membership, couples) -> dict:
    """Caseload enricher (urgent): open risk alerts per couple, counted by severity."""
    return open_alert_counts(clinic=clinic, couple_ids=[c.pk for c in couples])


def load_summary(*, clinic, membership, couples) -> dict:
    """Caseload enricher: overdue questionnaires and latest headline scores per couple."""
    ids = [c.pk for c in couples]
    overdue = overdue_counts(clinic=clinic, couple_ids=ids)
    headlines = latest_headlines(clinic=clinic, couples=couples)
    return {
        pk: {"overdue": overdue.get(pk, 0), "headlines": headlines.get(pk, [])}
        for pk in ids
        if overdue.get(pk) or headlines.get(pk)
    }
