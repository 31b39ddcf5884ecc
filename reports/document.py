"""What a report says, in which words and order, for each audience: a neutral block list.

`build_document` turns `ReportContents` into headings, texts, tables and charts; the PDF and
HTML renderers only lay those blocks out. Keeping the wording here means both formats say
the same thing, and the couple and partner versions use plain language in one place.
Every string in a block is plain text (unescaped); the renderers escape all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from reportlab.graphics.shapes import Drawing

from reports import charts
from reports.contents import (
    AttachmentMap,
    Attendance,
    InstrumentResults,
    NoteEntry,
    PartnerSeries,
    PhysiologySeries,
    RegulationSummary,
    ReportContents,
    SessionEntry,
    TimeOutSummary,
)
from reports.formatting import (
    DASH,
    MONTHS,
    format_date,
    format_moment,
    format_number,
    format_percent,
    format_period,
)

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass(frozen=True)
class Text:
    """Running text; blank lines separate paragraphs, single newlines break lines."""

    text: str
    style: Literal["body", "note"] = "body"


@dataclass(frozen=True)
class Column:
    """A table column: width as a share of the text width; `wraps` for text that may be long
    or user-written (a name, a homework title), which the PDF sets as a wrapping paragraph."""

    title: str
    width: float
    align: Align = "left"
    wraps: bool = False


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells, one tuple per row, as many cells as columns."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A chart drawing with an optional caption below it."""

    drawing: Drawing
    caption: str | None = None


Block = Heading | Text | Table | Chart


@dataclass(frozen=True)
class Section:
    """A titled part of the report; `key` is stable across audiences (tests and anchors)."""

    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportDocument:
    """The whole report: masthead lines, sections, and what every page header and footer says."""

    clinic_name: str
    title: str
    masthead: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    running_header: str
    generated: str
    confidentiality_notice: str


NOTHING_RECORDED = "Nothing recorded in this period."
NOT_SHARED = "Not shared"


def _withheld(contents: ReportContents, section: str) -> list[Block]:
    """The statements of what the policy withholds from a section (never shown as zero)."""
    return [Text(w.text) for w in contents.withheld_from(section)]


def _hidden(contents: ReportContents, section: str) -> set[int]:
    return {i for w in contents.withheld_from(section) for i in w.partners}


class _Words:
    """Headings and labels for one audience: clinical terms, or plain language."""

    def __init__(self, contents: ReportContents) -> None:
        self.plain = contents.audience != "clinical"
        self.partners = contents.partners

    def pick(self, clinical: str, plain: str) -> str:
        return plain if self.plain else clinical

    def partner(self, index: int | None) -> str:
        if index is None:
            return self.pick("Couple", "Both of you")
        return self.partners[index]


def _date_list(days: Sequence[date]) -> str:
    """Dates grouped by month, e.g. "Jan 2025: 6, 9, 14; Feb 2025: 2" (short enough to print)."""
    groups: dict[tuple[int, int], list[str]] = {}
    for day in sorted(days):
        groups.setdefault((day.year, day.month), []).append(str(day.day))
    return "; ".join(f"{MONTHS[m - 1]} {y}: {', '.join(ds)}" for (y, m), ds in groups.items())


# --- sections -------------------------------------------------------------------------


def _session_label(entry: SessionEntry, words: _Words) -> str:
    if entry.kind == "joint":
        return words.pick("Joint", "Together")
    if entry.partner is None:
        return "Individual"
    return f"Individual ({words.partner(entry.partner)})"


def _attendance(attendance: Attendance, contents: ReportContents, words: _Words) -> Section:
    missed = words.pick("No-show", "Missed")
    counts = Table(
        (
            Column(words.pick("Held", "Sessions held"), 0.25, "right"),
            Column("Cancelled", 0.25, "right"),
            Column(missed, 0.25, "right"),
            Column(words.pick("Scheduled", "Sessions booked"), 0.25, "right"),
        ),
        (
            (
                str(attendance.held),
                str(attendance.cancelled),
                str(attendance.no_show),
                str(attendance.held + attendance.cancelled + attendance.no_show),
            ),
        ),
    )
    blocks: list[Block] = [counts, *_withheld(contents, "attendance")]
    if attendance.sessions:
        status = {"held": "Held", "cancelled": "Cancelled", "no_show": missed}
        blocks.append(
            Table(
                (
                    Column("Date", 0.25),
                    Column("Session", 0.5, wraps=True),
                    Column("Status", 0.25),
                ),
                tuple(
                    (format_date(s.on), _session_label(s, words), status[s.status])
                    for s in sorted(attendance.sessions, key=lambda s: s.on)
                ),
            )
        )
    return Section("attendance", words.pick("Attendance", "Sessions"), tuple(blocks))


def _score_cell(series: PartnerSeries, on: date, words: _Words) -> tuple[str, str]:
    for point in series.points:
        if point.on == on:
            marker = "*" if point.prorated else ""
            band = point.band or ""
            if point.cutoff_met is not None and not words.plain:
                status = "cut-off met" if point.cutoff_met else "cut-off not met"
                band = f"{band}; {status}" if band else status
            return format_number(point.total) + marker, band or DASH
    return "", ""


def _scores_table(instrument: InstrumentResults, words: _Words) -> Table | None:
    series = instrument.series
    if not any(p.total is not None for s in series for p in s.points):
        return None
    side = {row.on: row for row in instrument.side_by_side or ()}
    show_side = bool(side)
    show_band = (
        bool(instrument.bands)
        or any(p.band for s in series for p in s.points)
        or (instrument.cutoff_label is not None and not words.plain)
    )
    share = (0.61 if show_side else 0.85) / max(1, len(series))
    columns: list[Column] = [Column("Date", 0.15)]
    for one in series:
        if show_band:
            columns.append(Column(words.partner(one.partner), share * 0.42, "right", wraps=True))
            columns.append(Column(words.pick("Band", "Range"), share * 0.58, wraps=True))
        else:
            columns.append(Column(words.partner(one.partner), share, "right", wraps=True))
    if show_side:
        columns.append(Column("Difference", 0.11, "right"))
        columns.append(Column(words.pick("Beyond error", "A real difference?"), 0.13, wraps=True))
    dates = sorted({p.on for s in series for p in s.points if p.total is not None})
    rows = []
    for on in dates:
        row = [format_date(on)]
        for one in series:
            total, band = _score_cell(one, on, words)
            row.extend((total, band) if show_band else (total,))
        if show_side:
            side_row = side.get(on)
            if side_row is None:
                row.extend(("", ""))
            else:
                beyond = {True: "Yes", False: "No", None: DASH}[side_row.beyond_error]
                row.extend((format_number(side_row.difference, signed=True), beyond))
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))


def _subscale_series_table(instrument: InstrumentResults, words: _Words) -> Table | None:
    """Each occasion's subscale scores, for instruments scored only by subscale (ECR-R)."""
    names = instrument.subscale_names
    series = instrument.series
    if not names or not series:
        return None
    width = 0.82 / (len(series) * len(names))
    columns = [Column("Date", 0.18)]
    for one in series:
        for name in names:
            columns.append(
                Column(f"{words.partner(one.partner)}: {name}", width, "right", wraps=True)
            )
    dates = sorted({p.on for s in series for p in s.points})
    rows = []
    for on in dates:
        row = [format_date(on)]
        for one in series:
            point = next((p for p in one.points if p.on == on), None)
            for name in names:
                value = None if point is None else point.subscales.get(name)
                row.append("" if point is None else format_number(value))
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))


def _change_table(instrument: InstrumentResults, words: _Words) -> Table | None:
    rows = []
    for one in instrument.series:
        change = one.change
        if change is None:
            continue
        rows.append(
            (
                words.partner(one.partner),
                f"{format_number(change.baseline_total)} ({format_date(change.baseline_on)})",
                f"{format_number(change.latest_total)} ({format_date(change.latest_on)})",
                format_number(change.change, signed=True),
                change.verdict,
            )
        )
    if not rows:
        return None
    return Table(
        (
            Column(words.pick("Partner", "Who"), 0.2, wraps=True),
            Column(words.pick("Baseline", "First"), 0.2),
            Column("Latest", 0.2),
            Column("Change", 0.1, "right"),
            Column(words.pick("Reliable change", "What it means"), 0.3, wraps=True),
        ),
        tuple(rows),
    )


def _subscale_change_table(instrument: InstrumentResults, words: _Words) -> Table | None:
    names = instrument.subscale_names
    has_totals = any(p.total is not None for s in instrument.series for p in s.points)
    if not names or not has_totals:
        # instruments scored only by subscale already list every occasion
        return None
    series = [s for s in instrument.series if s.points]
    if not series:
        return None
    width = 0.7 / (2 * len(series))
    columns = [Column("Subscale", 0.3, wraps=True)]
    for one in series:
        columns.append(
            Column(
                f"{words.partner(one.partner)}: {words.pick('baseline', 'first')}",
                width,
                "right",
                wraps=True,
            )
        )
        columns.append(Column(f"{words.partner(one.partner)}: latest", width, "right", wraps=True))
    rows = []
    for name in names:
        row = [name]
        for one in series:
            row.append(format_number(one.points[0].subscales.get(name)))
            row.append(format_number(one.points[-1].subscales.get(name)))
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))


def _direction_text(instrument: InstrumentResults, words: _Words) -> str:
    what = instrument.scale_name.lower() if instrument.scale_id != "total" else "scores"
    scale = (
        f"{instrument.scale_name}: the mean of its items, from {format_number(instrument.score_min)} "
        f"to {format_number(instrument.score_max)}. "
        if instrument.method == "mean"
        else ""
    )
    if instrument.direction == "neutral":
        return scale + words.pick(
            f"Neither end is better or worse: higher means more {what}.",
            f"Neither end of this scale is better or worse: higher means more {what}.",
        )
    return scale + words.pick(
        "Higher scores indicate better functioning."
        if instrument.higher_is_better
        else "Higher scores indicate more difficulty.",
        "Higher is better on this questionnaire."
        if instrument.higher_is_better
        else "Lower is better on this questionnaire.",
    )


def _instrument_blocks(
    instrument: InstrumentResults, contents: ReportContents, words: _Words
) -> list[Block]:
    direction = _direction_text(instrument, words)
    blocks: list[Block] = [Heading(instrument.name), Text(direction, "note")]
    if not any(s.points for s in instrument.series):
        blocks.append(Text(NOTHING_RECORDED, "note"))
        return blocks
    has_totals = any(p.total is not None for s in instrument.series for p in s.points)
    if has_totals:
        blocks.append(
            Chart(
                charts.scores_chart(
                    instrument, contents.partners, contents.period_start, contents.period_end
                )
            )
        )
    if instrument.cutoff_label and not words.plain:
        unverified = "" if instrument.cutoff_verified else " (cut-off not verified: provisional)"
        blocks.append(Text(f"Cut-off met: {instrument.cutoff_label}{unverified}.", "note"))
    if instrument.explanation:
        blocks.append(Text(instrument.explanation, "note"))
    for table in (
        _scores_table(instrument, words),
        _subscale_series_table(instrument, words) if not has_totals else None,
        _change_table(instrument, words),
        _subscale_change_table(instrument, words),
    ):
        if table is not None:
            blocks.append(table)
    return blocks


def _assessments(
    assessments: Sequence[InstrumentResults], contents: ReportContents, words: _Words
) -> Section:
    blocks: list[Block] = [
        Text(
            words.pick(
                "Bands are the publications' descriptive labels, not diagnoses. "
                "* marks a prorated score (some items unanswered). Reliable change follows "
                "Jacobson and Truax where the instrument has a reliability reference.",
                "The ranges are descriptions used by each questionnaire, not diagnoses. "
                "* means a few questions were left blank and the score was estimated.",
            ),
            "note",
        )
    ]
    blocks.extend(_withheld(contents, "assessments"))
    if not assessments and not contents.withheld_from("assessments"):
        blocks.append(Text(NOTHING_RECORDED, "note"))
    for instrument in assessments:
        blocks.extend(_instrument_blocks(instrument, contents, words))
    return Section("assessments", words.pick("Assessments", "Questionnaires"), tuple(blocks))


def _attachment(attachment: AttachmentMap, contents: ReportContents, words: _Words) -> Section:
    low, high = format_number(attachment.scale_min), format_number(attachment.scale_max)
    caption = words.pick(
        f"Attachment anxiety against avoidance ({attachment.instrument} means, {low}{DASH}{high}), "
        "one point per assessment, oldest to latest. Quadrant names are a descriptive aid; "
        "the dimensions are continuous.",
        f"How much each of you worried about closeness (up) and kept distance (right), "
        f"from {low} to {high}, at each questionnaire. The corner names only describe the area "
        "of the map; they are not labels for you.",
    )
    blocks: list[Block]
    if any(t.points for t in attachment.tracks):
        blocks = [Chart(charts.attachment_chart(attachment, contents.partners), caption)]
    else:
        blocks = [Text(NOTHING_RECORDED, "note")]
    for partner, reason in attachment.left_out:
        blocks.append(Text(f"{words.partner(partner)} is not on this map: {reason}."))
    blocks.extend(_withheld(contents, "attachment"))
    return Section(
        "attachment", words.pick("Attachment map", "Closeness and distance"), tuple(blocks)
    )


def _regulation(
    regulation: Sequence[RegulationSummary],
    both_out: Sequence[date] | None,
    contents: ReportContents,
    words: _Words,
) -> Section:
    blocks: list[Block] = [
        Text(
            words.pick(
                "Window-of-tolerance zones from daily check-ins (self-ratings, not a validated "
                "instrument); arousal 0-10 rated before and after each logged practice.",
                "From your daily check-ins: were you calm and present (within your window), "
                "wound up (hyperaroused) or shut down (hypoaroused)? These are your own ratings.",
            ),
            "note",
        )
    ]
    withheld = _withheld(contents, "regulation")
    blocks.extend(withheld)
    if withheld and both_out is None:
        blocks.append(
            Text(
                words.pick(
                    "Days both partners were out of their window: not shared (it needs both "
                    "partners' check-ins).",
                    "Days you were both outside your window: not shared (it needs both of "
                    "your check-ins).",
                )
            )
        )
    if not regulation and not both_out:
        if not withheld:
            blocks.append(Text(NOTHING_RECORDED, "note"))
        return Section(
            "regulation", words.pick("Regulation", "Staying within your window"), tuple(blocks)
        )
    blocks.append(
        Chart(
            charts.regulation_chart(
                regulation, contents.partners, contents.period_start, contents.period_end, both_out
            )
        )
    )
    if regulation:
        rows = []
        for summary in regulation:
            before, after = summary.arousal_before_mean, summary.arousal_after_mean
            drop = None if before is None or after is None else after - before
            rows.append(
                (
                    words.partner(summary.partner),
                    str(summary.days_within),
                    str(summary.days_hyper),
                    str(summary.days_hypo),
                    str(summary.days_without_checkin),
                    str(summary.practices_logged),
                    format_number(before),
                    format_number(after),
                    format_number(drop, signed=True),
                )
            )
        blocks.append(
            Table(
                (
                    Column(words.pick("Partner", "Who"), 0.19, wraps=True),
                    Column(words.pick("Within", "Days within"), 0.09, "right", wraps=True),
                    Column(words.pick("Hyper", "Days wound up"), 0.09, "right", wraps=True),
                    Column(words.pick("Hypo", "Days shut down"), 0.09, "right", wraps=True),
                    Column(words.pick("No check-in", "No check-in"), 0.1, "right", wraps=True),
                    Column(words.pick("Practices", "Practices"), 0.1, "right", wraps=True),
                    Column(
                        words.pick("Arousal before", "Before practice"), 0.12, "right", wraps=True
                    ),
                    Column(
                        words.pick("Arousal after", "After practice"), 0.11, "right", wraps=True
                    ),
                    Column("Change", 0.09, "right"),
                ),
                tuple(rows),
            )
        )
    if both_out is not None:
        count = len(both_out)
        line = words.pick(
            f"Days both partners were out of their window: {count}.",
            f"Days you were both outside your window: {count}.",
        )
        blocks.append(Text(line))
        if both_out and not words.plain:
            blocks.append(Text(_date_list(both_out), "note"))
    return Section(
        "regulation", words.pick("Regulation", "Staying within your window"), tuple(blocks)
    )


def _adherence(rows: Sequence, contents: ReportContents, words: _Words) -> Section:
    blocks: list[Block] = _withheld(contents, "adherence")
    if not rows:
        blocks.append(Text(NOTHING_RECORDED, "note"))
    else:
        blocks.append(
            Table(
                (
                    Column(words.pick("Homework", "Practice"), 0.34, wraps=True),
                    Column(words.pick("Partner", "Who"), 0.16, wraps=True),
                    Column(words.pick("Target / week", "Aim per week"), 0.09, "right", wraps=True),
                    Column("Logged", 0.09, "right"),
                    Column("Expected", 0.10, "right"),
                    Column(words.pick("Adherence", "Done"), 0.11, "right"),
                    Column(words.pick("Beyond target", "Extra"), 0.11, "right", wraps=True),
                ),
                tuple(
                    (
                        row.title,
                        words.partner(row.partner)
                        + (
                            words.pick(" (couple homework)", " (together)")
                            if row.couple_homework
                            else ""
                        ),
                        format_number(row.target_per_week),
                        NOT_SHARED if row.logged is None else str(row.logged),
                        str(row.expected),
                        NOT_SHARED if row.logged is None else format_percent(row.percent),
                        NOT_SHARED if row.extra is None else str(row.extra),
                    )
                    for row in rows
                ),
            )
        )
        blocks.append(
            Text(
                words.pick(
                    "Per partner: couple homework is expected of each partner. Expected is the "
                    "sum of the weekly targets (partial weeks scaled by their days). Adherence "
                    "credits each week at most its target, so extra practice in one week does "
                    "not hide a missed one; practices beyond the weekly targets are counted "
                    "under Beyond target.",
                    "Each of you is counted on your own. Done counts each week up to its aim, "
                    "so a busy week does not cover a missed one; Extra shows practice beyond "
                    "the weekly aims.",
                ),
                "note",
            )
        )
    return Section(
        "adherence", words.pick("Homework adherence", "Practice between sessions"), tuple(blocks)
    )


def _time_outs(summary: TimeOutSummary, contents: ReportContents, words: _Words) -> Section:
    counted = set(summary.counted_from)
    called = summary.called

    def cell(value: int) -> str:
        return str(value) if counted else NOT_SHARED

    table = Table(
        (
            Column(f"Called by {words.partner(0)}", 0.25, "right", wraps=True),
            Column(f"Called by {words.partner(1)}", 0.25, "right", wraps=True),
            Column(words.pick("Total called", "Total"), 0.25, "right"),
            Column(words.pick("Reconvened", "Came back together"), 0.25, "right", wraps=True),
        ),
        (
            (
                cell(summary.called_by[0]),
                cell(summary.called_by[1]),
                cell(called),
                cell(summary.reconvened),
            ),
        ),
    )
    blocks: list[Block] = [table, *_withheld(contents, "time_outs")]
    if counted and counted != {0, 1}:
        names = " and ".join(words.partners[i] for i in sorted(counted))
        blocks.append(Text(f"Counted from {names}'s own time-out logs only.", "note"))
    if not counted:
        pass  # nothing may be counted: the statement above says why, never "none were called"
    elif called:
        share = format_percent(100.0 * summary.reconvened / called)
        blocks.append(
            Text(
                words.pick(
                    f"The couple reconvened after {summary.reconvened} of {called} time-outs "
                    f"({share}).",
                    f"You came back together after {summary.reconvened} of {called} time-outs "
                    f"({share}).",
                )
            )
        )
    elif counted == {0, 1} and not contents.withheld_from("time_outs"):
        blocks.append(
            Text(
                words.pick("No time-outs were called in this period.", "No time-outs were called.")
            )
        )
    else:
        blocks.append(Text("None in these logs."))
    return Section("time_outs", "Time-outs", tuple(blocks))


def _physiology(
    series: Sequence[PhysiologySeries], contents: ReportContents, words: _Words
) -> Section:
    blocks: list[Block] = _withheld(contents, "physiology")
    if not series and not blocks:
        blocks.append(Text(NOTHING_RECORDED, "note"))
    kinds: dict[str, list[PhysiologySeries]] = {}
    for one in series:
        kinds.setdefault(one.kind, []).append(one)
    for same_kind in kinds.values():
        first = same_kind[0]
        blocks.append(Heading(f"{first.label} ({first.unit})"))
        blocks.append(
            Chart(
                charts.physiology_chart(
                    same_kind,
                    contents.partners,
                    contents.period_start,
                    contents.period_end,
                    contents.session_dates,
                ),
                words.pick(
                    "Ticks along the top mark sessions held.",
                    "The small marks at the top show your sessions.",
                ),
            )
        )
        rows = []
        for one in same_kind:
            points = sorted(one.points, key=lambda p: p.on)
            values = [p.value for p in points]
            rows.append(
                (
                    words.partner(one.partner),
                    str(len(points)),
                    format_number(points[0].value) if points else DASH,
                    format_number(points[-1].value) if points else DASH,
                    format_number(sum(values) / len(values)) if values else DASH,
                    f"{format_number(min(values))}{DASH}{format_number(max(values))}"
                    if values
                    else DASH,
                )
            )
        blocks.append(
            Table(
                (
                    Column(words.pick("Partner", "Who"), 0.3, wraps=True),
                    Column("Readings", 0.12, "right"),
                    Column("First", 0.12, "right"),
                    Column("Latest", 0.12, "right"),
                    Column("Mean", 0.12, "right"),
                    Column("Range", 0.22, "right"),
                ),
                tuple(rows),
            )
        )
    return Section(
        "physiology", words.pick("Physiological measurements", "Body measurements"), tuple(blocks)
    )


def _notes(notes: Sequence[NoteEntry], words: _Words) -> Section:
    """Signed session notes, oldest first (clinical record only)."""
    blocks: list[Block] = []
    for note in sorted(notes, key=lambda n: n.on):
        kind = (
            "Joint session"
            if note.kind == "joint"
            else f"Individual session ({words.partner(note.partner)})"
        )
        blocks.append(Heading(f"{format_date(note.on)} · {kind} · {note.template}"))
        blocks.append(Text(note.text or DASH))
        blocks.append(Text(f"Interventions: {'; '.join(note.interventions) or 'none recorded'}"))
        blocks.append(Text(f"Risk: {note.risk or 'not recorded'}"))
        for addendum in note.addenda:
            blocks.append(Text(f"Addendum: {addendum}"))
    if not blocks:
        blocks.append(Text(NOTHING_RECORDED))
    return Section("notes", "Session notes", tuple(blocks))


def _masthead(contents: ReportContents, words: _Words) -> tuple[str, tuple[tuple[str, str], ...]]:
    if contents.audience == "clinical":
        title, audience = "Progress report", "Clinical record (full report)"
    elif contents.audience == "couple":
        title, audience = "Your progress together", "Both partners"
    else:
        assert contents.viewer is not None
        title, audience = "Your progress", contents.partners[contents.viewer]
    therapists = ", ".join(contents.therapist_names) or DASH
    lines = (
        (words.pick("Couple", "For"), contents.couple_label),
        ("Partners", f"{contents.partners[0]} and {contents.partners[1]}"),
        ("Period", format_period(contents.period_start, contents.period_end)),
        ("Therapist" if len(contents.therapist_names) == 1 else "Therapists", therapists),
        ("Prepared for", audience),
    )
    return title, lines


def build_document(contents: ReportContents) -> ReportDocument:
    """Lay out what the report says for its audience; omit sections the contents leave None."""
    words = _Words(contents)
    sections: list[Section] = []
    if contents.attendance is not None:
        sections.append(_attendance(contents.attendance, contents, words))
    if contents.assessments is not None:
        sections.append(_assessments(contents.assessments, contents, words))
    if contents.attachment is not None:
        sections.append(_attachment(contents.attachment, contents, words))
    if contents.regulation is not None or contents.both_out_of_window is not None:
        sections.append(
            _regulation(contents.regulation or (), contents.both_out_of_window, contents, words)
        )
    if contents.adherence is not None:
        sections.append(_adherence(contents.adherence, contents, words))
    if contents.time_outs is not None:
        sections.append(_time_outs(contents.time_outs, contents, words))
    if contents.physiology is not None:
        sections.append(_physiology(contents.physiology, contents, words))
    if contents.notes is not None:
        sections.append(_notes(contents.notes, words))
    if contents.summary is not None:
        sections.append(
            Section(
                "summary",
                words.pick("Therapist's summary", "Summary from your therapist"),
                (Text(contents.summary),),
            )
        )
    if contents.plan is not None:
        sections.append(Section("plan", words.pick("Plan", "Next steps"), (Text(contents.plan),)))
    title, masthead = _masthead(contents, words)
    return ReportDocument(
        clinic_name=contents.clinic_name,
        title=title,
        masthead=masthead,
        sections=tuple(sections),
        running_header=f"{contents.clinic_name} · {contents.couple_label} · "
        f"{format_period(contents.period_start, contents.period_end)}",
        generated=f"Generated {format_moment(contents.generated_at, contents.time_zone)}",
        confidentiality_notice=contents.confidentiality_notice,
    )
