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
        .filter(couple_id__any_of=couple_ids, acknowledged_at__isnull=True)
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
        .filter(couple_id__any_of=couple_ids)
        .overdue(local_today(clinic))
        .values("couple_id")
        .annotate(n=Count("id"))
    )
    return {row["couple_id"]: row["n"] for row in rows}


def _headline_scales(code: str, version: int, scores: dict) -> list[dict]:
    """The total where the instrument has one, else its subscales (ECR: anxiety, avoidance)."""
    return _scales_shown(_short_name(code, version), code, scores.get("scales") or [])


def _short_name(code: str, version: int) -> str:
    try:
        return get_instrument(code, version).short_name
    except UnknownInstrument:
        return code


def _scales_shown(short: str, code: str, scales: list) -> list[dict]:
    chosen = [s for s in scales if s["id"] == "total"] or scales
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


#: position of each headline instrument on the card
_HEADLINE_ORDER = {code: i for i, code in enumerate(HEADLINE_INSTRUMENTS)}


def latest_headlines(*, clinic, couples) -> dict:
    """{couple id: [{partner, partner_name, instrument, label, value, band}, ...]} from each
    partner's latest submitted response per headline instrument (the stored snapshot).

    One query: DISTINCT ON keeps the newest row per (couple, partner, instrument) along the
    clinic's index of submitted responses, and only the scales leave the database. A page
    holds some 400 of these rows: what is the same for many (a partner's id and name, an
    instrument's short name) is worked out once."""
    ids = [c.pk for c in couples]
    latest = first_rows_per(
        Response.objects.for_clinic(clinic)
        .submitted()
        .filter(couple_id__any_of=ids, instrument_code__in=HEADLINE_INSTRUMENTS)
        .order_by("couple_id", "partner_id", "instrument_code", "-submitted_at"),
        ("couple_id", "partner_id", "instrument_code"),
        "couple_id",
        "partner_id",
        "instrument_code",
        "instrument_version",
        "due_on",
        scales=F("scores__scales"),
    )
    partners: dict = {}  # partner id -> (id as text, display name)
    for couple in couples:
        for partner_id, partner in (
            (couple.partner_a_id, couple.partner_a),
            (couple.partner_b_id, couple.partner_b),
        ):
            partners[partner_id] = (str(partner_id), partner.display_name)
    shorts: dict = {}
    out: dict = defaultdict(list)
    for row in latest:
        if row["partner_id"] not in partners:  # no longer a partner of a listed couple
            partners[row["partner_id"]] = (str(row["partner_id"]), "")
    latest.sort(key=lambda r: (_HEADLINE_ORDER[r["instrument_code"]], partners[r["partner_id"]][0]))
    for row in latest:
        code, version = row["instrument_code"], row["instrument_version"]
        short = shorts.get((code, version))
        if short is None:
            short = shorts[code, version] = _short_name(code, version)
        partner, partner_name = partners[row["partner_id"]]
        on = row["due_on"].isoformat()
        entries = out[row["couple_id"]]
        for scale in _scales_shown(short, code, row["scales"] or []):
            scale.update(partner=partner, partner_name=partner_name, on=on)
            entries.append(scale)
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
