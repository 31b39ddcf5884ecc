"""Realistic synthetic report contents for the renderer tests.

The data is made up and deterministic (a fixed random seed). Names are in several scripts
and user-written text carries markup-like characters (`<b>`, `&`, `<`) on purpose, so every
render path is exercised on them. The audience trimming here imitates what `reports/data.py`
does with the real confidentiality policy; it is not that policy.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from reports.contents import (
    AdherenceRow,
    AttachmentMap,
    AttachmentPoint,
    AttachmentTrack,
    Attendance,
    Audience,
    BandRange,
    BaselineChange,
    InstrumentResults,
    MeasurementPoint,
    PartnerSeries,
    PhysiologySeries,
    PracticeEntry,
    RegulationSummary,
    ReportContents,
    ScorePoint,
    SessionEntry,
    SideBySideRow,
    TimeOutSummary,
    Zone,
    ZoneDay,
)

Size = Literal["year", "month"]

PARTNER_NAMES = ("Zoë Ångström", "Дмитрий Соколов")
THERAPISTS = ("Dr Ελένη Παπαδοπούλου", "Seán Ó Briain <b>MSc</b>")
CLINIC = "Praxis Müller & Söhne <Paartherapie>"
COUPLE = "Ångström & Соколов"
NOTICE = (
    "Confidential clinical information. Prepared for the named recipients only; "
    "do not copy or pass on. Scores & bands are descriptive, not diagnoses."
)
SUMMARY = (
    "Both partners attended regularly & engaged well. Zoë reported fewer <b>escalations</b> "
    "after week 10; Дмитрий notes arousal < 5 on most evenings.\n\n"
    "Ελένη's observation: repair attempts now succeed in session more often than not "
    "(<i>not</i> yet at home)."
)
PLAN = (
    "1. Continue resonance breathing (5 s in / 5 s out) & the evening check-in.\n"
    "2. Practise the time-out agreement: return at the agreed time, even if still upset.\n"
    "3. Review PHQ-9 < 10 target at the next round; a tag like <script>x</script> stays text."
)


def _instrument_definitions() -> list[dict]:
    return [
        {
            "code": "phq9",
            "name": "PHQ-9 (depression)",
            "min": 0.0,
            "max": 27.0,
            "higher_is_better": False,
            "subscales": (),
            "bands": (
                BandRange("Minimal", 0, 4),
                BandRange("Mild", 5, 9),
                BandRange("Moderate", 10, 14),
                BandRange("Moderately severe", 15, 19),
                BandRange("Severe", 20, 27),
            ),
            "start": (16.0, 11.0),
            "end": (6.0, 8.0),
            "reliable_change": 6.0,
            "discrepancy": 5.2,
        },
        {
            "code": "ders16",
            "name": "DERS-16 (emotion regulation difficulties)",
            "min": 16.0,
            "max": 80.0,
            "higher_is_better": False,
            "subscales": ("Clarity", "Goals", "Impulse", "Strategies", "Nonacceptance"),
            "bands": (),
            "start": (52.0, 47.0),
            "end": (38.0, 44.0),
            "reliable_change": None,
            "discrepancy": None,
        },
        {
            "code": "csi16",
            "name": "CSI-16 (relationship satisfaction)",
            "min": 0.0,
            "max": 81.0,
            "higher_is_better": True,
            "subscales": (),
            "bands": (
                BandRange("Notable dissatisfaction", 0, 51),
                BandRange("Above distress cut-off", 52, 81),
            ),
            "start": (38.0, 45.0),
            "end": (58.0, 55.0),
            "reliable_change": 7.0,
            "discrepancy": 9.0,
        },
        {
            "code": "ecrr",
            "name": "ECR-R (attachment)",
            "min": 1.0,
            "max": 7.0,
            "higher_is_better": False,
            "subscales": ("Anxiety", "Avoidance"),
            "bands": (),
            "start": (5.3, 3.1),
            "end": (4.1, 4.4),
            "reliable_change": None,
            "discrepancy": None,
        },
    ]


SUBSCALE_SHARES = {
    "Clarity": 2 / 16,
    "Goals": 3 / 16,
    "Impulse": 3 / 16,
    "Strategies": 5 / 16,
    "Nonacceptance": 3 / 16,
}
ECR_AVOIDANCE = ((2.6, 4.9), (5.2, 4.0))  # (start, end) for each partner


def _band(bands: tuple[BandRange, ...], total: float) -> str | None:
    for band in bands:
        if band.low <= round(total) <= band.high:
            return band.label
    return None


def _change(
    points: list[ScorePoint], threshold: float | None, higher_is_better: bool
) -> BaselineChange | None:
    scored = [p for p in points if p.total is not None]
    if len(scored) < 2:
        return None
    first, last = scored[0], scored[-1]
    assert first.total is not None and last.total is not None
    delta = round(last.total - first.total, 1)
    improved = None if delta == 0 else (delta > 0) == higher_is_better
    if threshold is None:
        verdict, reliable = "No reliability reference configured", None
    elif abs(delta) >= threshold:
        reliable = True
        verdict = "Reliable improvement" if improved else "Reliable deterioration"
    else:
        verdict, reliable = "No reliable change", False
    return BaselineChange(
        baseline_on=first.on,
        baseline_total=first.total,
        latest_on=last.on,
        latest_total=last.total,
        change=delta,
        verdict=verdict,
        reliable=reliable,
        improved=improved,
    )


def _assessments(
    rng: random.Random, rounds: list[date]
) -> tuple[tuple[InstrumentResults, ...], AttachmentMap]:
    results = []
    tracks: list[AttachmentTrack] = []
    steps = max(1, len(rounds) - 1)
    for spec in _instrument_definitions():
        series = []
        for partner in (0, 1):
            points = []
            for index, on in enumerate(rounds):
                start, end = spec["start"][partner], spec["end"][partner]
                span = spec["max"] - spec["min"]
                value = start + (end - start) * index / steps + rng.gauss(0, span * 0.03)
                value = min(max(value, spec["min"]), spec["max"])
                if spec["code"] == "ecrr":
                    avoid_start, avoid_end = ECR_AVOIDANCE[partner]
                    avoidance = (
                        avoid_start + (avoid_end - avoid_start) * index / steps + rng.gauss(0, 0.15)
                    )
                    anxiety = round(value, 2)
                    avoidance = round(min(max(avoidance, 1.0), 7.0), 2)
                    points.append(
                        ScorePoint(
                            on=on,
                            total=None,
                            subscales={"Anxiety": anxiety, "Avoidance": avoidance},
                        )
                    )
                    continue
                total = float(round(value))
                subscales = (
                    {name: round(total * share, 1) for name, share in SUBSCALE_SHARES.items()}
                    if spec["subscales"]
                    else {}
                )
                points.append(
                    ScorePoint(
                        on=on,
                        total=total,
                        subscales=subscales,
                        band=_band(spec["bands"], total),
                        prorated=(index == 3 and partner == 1),
                    )
                )
            series.append(
                PartnerSeries(
                    partner=partner,
                    points=tuple(points),
                    change=_change(points, spec["reliable_change"], spec["higher_is_better"]),
                )
            )
            if spec["code"] == "ecrr":
                tracks.append(
                    AttachmentTrack(
                        partner=partner,
                        points=tuple(
                            AttachmentPoint(p.on, p.subscales["Anxiety"], p.subscales["Avoidance"])
                            for p in points
                        ),
                    )
                )
        side = []
        if spec["code"] != "ecrr":
            for a, b in zip(series[0].points, series[1].points, strict=True):
                assert a.total is not None and b.total is not None
                diff = round(a.total - b.total, 1)
                beyond = None if spec["discrepancy"] is None else abs(diff) > spec["discrepancy"]
                side.append(
                    SideBySideRow(
                        on=a.on, totals=(a.total, b.total), difference=diff, beyond_error=beyond
                    )
                )
        results.append(
            InstrumentResults(
                code=spec["code"],
                name=spec["name"],
                score_min=spec["min"],
                score_max=spec["max"],
                higher_is_better=spec["higher_is_better"],
                series=tuple(series),
                subscale_names=spec["subscales"],
                bands=spec["bands"],
                side_by_side=tuple(side) if side else None,
            )
        )
    return tuple(results), AttachmentMap(instrument="ECR-R", tracks=tuple(tracks))


def _zone(rng: random.Random, progress: float, partner: int) -> Zone:
    within = 0.35 + 0.45 * progress
    hyper_share = 0.65 if partner == 0 else 0.35
    roll = rng.random()
    if roll < within:
        return "within"
    return "hyper" if rng.random() < hyper_share else "hypo"


def _regulation(
    rng: random.Random, start: date, days: int
) -> tuple[tuple[RegulationSummary, ...], tuple[date, ...]]:
    summaries = []
    zones_by_day: list[dict[date, Zone]] = [{}, {}]
    for partner in (0, 1):
        zone_days = []
        practices = []
        for offset in range(days):
            on = start + timedelta(days=offset)
            progress = offset / max(1, days - 1)
            if rng.random() < 0.9:
                zone = _zone(rng, progress, partner)
                zones_by_day[partner][on] = zone
                zone_days.append(ZoneDay(on=on, zone=zone, distress=float(rng.randint(1, 9))))
            if rng.random() < 0.7:
                before = round(min(10.0, max(0.0, rng.gauss(6.5 - 1.5 * progress, 1.2))), 1)
                after = round(max(0.0, before - abs(rng.gauss(2.0, 0.8))), 1)
                practices.append(PracticeEntry(on=on, before=before, after=after))
        counts = {
            zone: sum(1 for d in zone_days if d.zone == zone)
            for zone in ("hyper", "within", "hypo")
        }
        befores = [p.before for p in practices if p.before is not None]
        afters = [p.after for p in practices if p.after is not None]
        summaries.append(
            RegulationSummary(
                partner=partner,
                days_hyper=counts["hyper"],
                days_within=counts["within"],
                days_hypo=counts["hypo"],
                days_without_checkin=days - len(zone_days),
                practices_logged=len(practices),
                arousal_before_mean=round(sum(befores) / len(befores), 1) if befores else None,
                arousal_after_mean=round(sum(afters) / len(afters), 1) if afters else None,
                days=tuple(zone_days),
                practices=tuple(practices),
            )
        )
    both_out = tuple(
        sorted(
            on
            for on, zone in zones_by_day[0].items()
            if zone != "within" and zones_by_day[1].get(on, "within") != "within"
        )
    )
    return tuple(summaries), both_out


def _sessions(rng: random.Random, start: date, weeks: int) -> tuple[SessionEntry, ...]:
    sessions = []
    for week in range(weeks):
        on = start + timedelta(days=7 * week + 1)
        roll = rng.random()
        status = "held" if roll < 0.9 else ("cancelled" if roll < 0.96 else "no_show")
        if week % 6 == 5:
            sessions.append(
                SessionEntry(on=on, kind="individual", status=status, partner=(week // 6) % 2)
            )
        else:
            sessions.append(SessionEntry(on=on, kind="joint", status=status))
    return tuple(sessions)


def _attendance(sessions: tuple[SessionEntry, ...]) -> Attendance:
    return Attendance(
        held=sum(1 for s in sessions if s.status == "held"),
        cancelled=sum(1 for s in sessions if s.status == "cancelled"),
        no_show=sum(1 for s in sessions if s.status == "no_show"),
        sessions=sessions,
    )


def _physiology(rng: random.Random, start: date, days: int) -> tuple[PhysiologySeries, ...]:
    rmssd_daily = tuple(
        MeasurementPoint(start + timedelta(days=d), round(rng.gauss(32 + 14 * d / days, 5), 1))
        for d in range(days)
    )
    rmssd_weekly = tuple(
        MeasurementPoint(start + timedelta(days=d), round(rng.gauss(45 + 4 * d / days, 6), 1))
        for d in range(0, days, 7)
    )
    hr = [
        tuple(
            MeasurementPoint(
                start + timedelta(days=d), float(round(rng.gauss(base - 5 * d / days, 2.5)))
            )
            for d in range(2, days, 7)
        )
        for base in (74, 66)
    ]
    return (
        PhysiologySeries(0, "hrv_rmssd", "HRV (RMSSD)", "ms", rmssd_daily),
        PhysiologySeries(1, "hrv_rmssd", "HRV (RMSSD)", "ms", rmssd_weekly),
        PhysiologySeries(0, "resting_hr", "Resting heart rate", "bpm", hr[0]),
        PhysiologySeries(1, "resting_hr", "Resting heart rate", "bpm", hr[1]),
    )


def _adherence(days: int) -> tuple[AdherenceRow, ...]:
    weeks = days / 7
    rows = [
        ("Resonance breathing <5 s in & 5 s out>", 5.0, 0.82, 0),
        ("Resonance breathing <5 s in & 5 s out>", 5.0, 0.64, 1),
        ("5-4-3-2-1 grounding", 3.0, 0.4, 1),
        ("Evening check-in & appreciation", 3.0, 0.71, None),
    ]
    result = []
    for title, target, share, partner in rows:
        expected = round(target * weeks)
        logged = round(expected * share)
        percent = 100.0 * logged / expected if expected else None
        result.append(AdherenceRow(title, target, logged, expected, percent, partner))
    return tuple(result)


def _full(size: Size, names: tuple[str, str]) -> ReportContents:
    rng = random.Random(20250106)
    start = date(2025, 1, 6)
    if size == "year":
        days, weeks, round_count = 365, 52, 12
    elif size == "month":
        days, weeks, round_count = 30, 4, 2
    else:
        raise ValueError(f"unknown size {size!r}")
    end = start + timedelta(days=days - 1)
    rounds = [
        start + timedelta(days=round(i * (days - 1) / max(1, round_count - 1)))
        for i in range(round_count)
    ]
    sessions = _sessions(rng, start, weeks)
    assessments, attachment = _assessments(rng, rounds)
    regulation, both_out = _regulation(rng, start, days)
    return ReportContents(
        audience="clinical",
        clinic_name=CLINIC,
        therapist_names=THERAPISTS,
        couple_label=COUPLE if names == PARTNER_NAMES else f"{names[0]} & {names[1]}",
        partners=names,
        period_start=start,
        period_end=end,
        generated_at=datetime(2026, 1, 5, 13, 30, tzinfo=UTC),
        time_zone="Europe/Berlin",
        confidentiality_notice=NOTICE,
        attendance=_attendance(sessions),
        assessments=assessments,
        attachment=attachment,
        regulation=regulation,
        both_out_of_window=both_out,
        adherence=_adherence(days),
        time_outs=TimeOutSummary(
            called_by=(9, 5) if size == "year" else (2, 1), reconvened=12 if size == "year" else 2
        ),
        physiology=_physiology(rng, start, days),
        session_dates=tuple(s.on for s in sessions if s.status == "held"),
        summary=SUMMARY,
        plan=PLAN,
    )


def _for_partner(full: ReportContents, viewer: int) -> ReportContents:
    assert full.assessments is not None and full.attachment is not None
    assert (
        full.regulation is not None and full.adherence is not None and full.physiology is not None
    )
    assert full.attendance is not None
    sessions = tuple(
        s for s in full.attendance.sessions if s.kind == "joint" or s.partner == viewer
    )
    return replace(
        full,
        audience="partner",
        viewer=viewer,
        attendance=_attendance(sessions),
        assessments=tuple(
            replace(i, series=tuple(s for s in i.series if s.partner == viewer), side_by_side=None)
            for i in full.assessments
        ),
        attachment=replace(
            full.attachment, tracks=tuple(t for t in full.attachment.tracks if t.partner == viewer)
        ),
        regulation=tuple(r for r in full.regulation if r.partner == viewer),
        both_out_of_window=None,
        adherence=tuple(a for a in full.adherence if a.partner in (None, viewer)),
        physiology=tuple(p for p in full.physiology if p.partner == viewer),
    )


def _for_couple(full: ReportContents, share_individual_results: bool) -> ReportContents:
    assert full.attendance is not None and full.adherence is not None
    sessions = tuple(s for s in full.attendance.sessions if s.kind == "joint")
    trimmed = replace(
        full,
        audience="couple",
        attendance=_attendance(sessions),
        adherence=tuple(a for a in full.adherence if a.partner is None),
    )
    if share_individual_results:
        return trimmed
    return replace(
        trimmed,
        assessments=None,
        attachment=None,
        regulation=None,
        both_out_of_window=None,
        physiology=None,
    )


def sample_contents(
    size: Size = "year",
    audience: Audience = "clinical",
    *,
    viewer: int = 0,
    names: tuple[str, str] = PARTNER_NAMES,
    share_individual_results: bool = False,
) -> ReportContents:
    """Synthetic contents: "year" is 52 weekly sessions, 12 rounds of 4 instruments per partner
    and 365 days of check-ins and practice logs; "month" is about a month of the same.

    `viewer` picks the partner for a partner report; `share_individual_results` stands in for a
    couple policy that lets the couple report show each partner's results.
    """
    full = _full(size, names)
    if audience == "clinical":
        return full
    if audience == "partner":
        return _for_partner(full, viewer)
    if audience == "couple":
        return _for_couple(full, share_individual_results)
    raise ValueError(f"unknown audience {audience!r}")
