"""What a progress report shows, as plain frozen dataclasses.

`reports/data.py` fills these from the database; `reports/pdf.py` (and the benchmark's
`bench/html.py`) render them and know nothing of the ORM. Every value is a plain type (str, float, int,
date, aware datetime, tuple) so the renderers stay pure and the contents are easy to build
in tests.

Conventions:
- A partner is named by index (0 or 1) into `ReportContents.partners`, so two partners who
  share a first name never get mixed up.
- A section field set to `None` means "not part of this report" (the audience rules removed
  it) and the renderers omit it; an empty tuple means "part of the report, nothing recorded
  in this period" and the renderers say so.
- Strings are as the user wrote them (unescaped); the renderers escape them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from clinic.date_style import DEFAULT_LOCALE

Audience = Literal["clinical", "couple", "partner"]
Zone = Literal["hyper", "within", "hypo"]
SessionStatus = Literal["held", "cancelled", "no_show"]
SessionKind = Literal["joint", "individual"]

AUDIENCES: tuple[Audience, ...] = ("clinical", "couple", "partner")
ZONES: tuple[Zone, ...] = ("hyper", "within", "hypo")


@dataclass(frozen=True)
class SessionEntry:
    """One scheduled session in the period; `partner` is set for individual sessions."""

    on: date
    kind: SessionKind
    status: SessionStatus
    partner: int | None = None


@dataclass(frozen=True)
class Attendance:
    """Counts of held, cancelled and no-show sessions, and the sessions themselves."""

    held: int
    cancelled: int
    no_show: int
    sessions: tuple[SessionEntry, ...] = ()


@dataclass(frozen=True)
class ScorePoint:
    """One scored administration: total, subscale scores by name, and the descriptive band."""

    on: date
    total: float | None
    subscales: Mapping[str, float] = field(default_factory=dict)
    band: str | None = None
    prorated: bool = False
    cutoff_met: bool | None = None  # on the clinical side of the published cut-off


@dataclass(frozen=True)
class BaselineChange:
    """Change from the first to the latest score with the reliable-change verdict as text.

    `reliable` is None when no reliability reference is configured (the verdict then says so);
    `improved` is None when there was no change.
    """

    baseline_on: date
    baseline_total: float
    latest_on: date
    latest_total: float
    change: float
    verdict: str
    reliable: bool | None = None
    improved: bool | None = None
    #: moved from the clinical to the non-clinical side of the cut-off with a reliable
    #: improvement (Jacobson-Truax's second criterion); None without a cut-off or reference
    clinically_significant: bool | None = None
    #: False when the reliability reference behind the verdict is not confirmed by two sources
    verified: bool | None = None
    no_reference: bool = False


@dataclass(frozen=True)
class PartnerSeries:
    """One partner's chronological scores on one instrument."""

    partner: int
    points: tuple[ScorePoint, ...]
    change: BaselineChange | None = None


@dataclass(frozen=True)
class SideBySideRow:
    """Both partners' totals on one occasion; `beyond_error` is None without parameters."""

    on: date
    totals: tuple[float | None, float | None]
    difference: float | None
    beyond_error: bool | None = None


@dataclass(frozen=True)
class BandRange:
    """A descriptive band as published, for shading charts: inclusive score range."""

    label: str
    low: float
    high: float


@dataclass(frozen=True)
class InstrumentResults:
    """Everything shown for one instrument: each partner's series and the side-by-side rows."""

    code: str
    name: str
    score_min: float
    score_max: float
    higher_is_better: bool
    series: tuple[PartnerSeries, ...]
    subscale_names: tuple[str, ...] = ()
    bands: tuple[BandRange, ...] = ()
    side_by_side: tuple[SideBySideRow, ...] | None = None
    #: the scale shown ("total", or one dimension of an instrument without a total)
    scale_id: str = "total"
    scale_name: str = "Total"
    #: "higher_is_worse", "higher_is_better" or "neutral" (no better or worse end: BPQ-SF)
    direction: str = ""
    method: str = "sum"  # "sum" or "mean" of the items
    cutoff_label: str | None = None
    cutoff_verified: bool | None = None
    #: how change is judged on this scale, said once (e.g. why there is no verdict)
    explanation: str | None = None


@dataclass(frozen=True)
class AttachmentPoint:
    """Attachment anxiety and avoidance means (1-7) on one occasion."""

    on: date
    anxiety: float
    avoidance: float


@dataclass(frozen=True)
class AttachmentTrack:
    """One partner's attachment points, oldest first."""

    partner: int
    points: tuple[AttachmentPoint, ...]


@dataclass(frozen=True)
class AttachmentMap:
    """The anxiety-versus-avoidance map; `instrument` names the source (e.g. "ECR-R")."""

    instrument: str
    tracks: tuple[AttachmentTrack, ...]
    scale_min: float = 1.0
    scale_max: float = 7.0
    midpoint: float = 4.0
    #: partners with attachment scores left off this map, and why (e.g. the other partner
    #: answered ECR-R and this one ECR-S, whose scores are not comparable)
    left_out: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class ZoneDay:
    """A day's window-of-tolerance zone from the check-in (the day's last, if several)."""

    on: date
    zone: Zone
    distress: float | None = None


@dataclass(frozen=True)
class PracticeEntry:
    """One logged practice with the 0-10 arousal rated before and after it."""

    on: date
    before: float | None
    after: float | None


@dataclass(frozen=True)
class RegulationSummary:
    """One partner's regulation over the period: days per zone and practice arousal."""

    partner: int
    days_hyper: int
    days_within: int
    days_hypo: int
    days_without_checkin: int
    practices_logged: int
    arousal_before_mean: float | None
    arousal_after_mean: float | None
    days: tuple[ZoneDay, ...] = ()
    practices: tuple[PracticeEntry, ...] = ()


@dataclass(frozen=True)
class AdherenceRow:
    """One partner's adherence to one homework (couple homework has a row per partner).

    `logged` and `expected` are practices in the period (expected is the sum of the weekly
    targets, partial weeks scaled by their due days); `percent` credits each week at most its
    target (see `sessions.homework.adherence.adherence_summary`), and `extra` is what was
    logged beyond the weekly targets, shown so the cap is never silent. `logged`, `percent`
    and `extra` are None when the partner's logs are withheld from the audience.
    """

    title: str
    target_per_week: float
    logged: int | None
    expected: int
    percent: float | None
    partner: int | None = None
    couple_homework: bool = False
    extra: int | None = 0


@dataclass(frozen=True)
class TimeOutSummary:
    """How often each partner called a time-out, and how often the couple reconvened,
    counted from the logs of the partners in `counted_from` (both, unless the audience's
    policy withholds a partner's logs: the counts then cover the visible logs only, and an
    empty `counted_from` means nothing may be counted)."""

    called_by: tuple[int, int]
    reconvened: int
    counted_from: tuple[int, ...] = (0, 1)

    @property
    def called(self) -> int:
        """Total time-outs called by either partner."""
        return sum(self.called_by)


@dataclass(frozen=True)
class MeasurementPoint:
    """One physiological reading on a day (clinic-local date)."""

    on: date
    value: float


@dataclass(frozen=True)
class PhysiologySeries:
    """One partner's readings of one kind, e.g. kind="hrv_rmssd", label="HRV (RMSSD)"."""

    partner: int
    kind: str
    label: str
    unit: str
    points: tuple[MeasurementPoint, ...]


@dataclass(frozen=True)
class NoteEntry:
    """A signed session note as the clinical record shows it; `partner` set for individual sessions."""

    on: date
    kind: SessionKind
    template: str
    text: str
    partner: int | None = None
    # The note's risk section as signed ("No risk concerns", or the concerns and the plan).
    risk: str | None = None
    addenda: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Withheld:
    """Material of `partners` that the audience's policy withholds from report section
    `section`; `text` says so in the report's words (never computed as empty)."""

    section: str
    partners: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class ReportContents:
    """Everything one progress report shows, already filtered for its audience.

    `viewer` is the partner the report is for when audience is "partner".
    `generated_at` is aware; `time_zone` is the clinic's IANA zone name for display.
    `session_dates` are the held sessions' dates, marked on the physiology charts.
    """

    audience: Audience
    clinic_name: str
    therapist_names: tuple[str, ...]
    couple_label: str
    partners: tuple[str, str]
    period_start: date
    period_end: date
    generated_at: datetime
    time_zone: str
    confidentiality_notice: str
    viewer: int | None = None
    # The clinic's date style (clinic.date_style), active while the PDF is drawn.
    locale: str = DEFAULT_LOCALE
    attendance: Attendance | None = None
    assessments: tuple[InstrumentResults, ...] | None = None
    attachment: AttachmentMap | None = None
    regulation: tuple[RegulationSummary, ...] | None = None
    both_out_of_window: tuple[date, ...] | None = None
    adherence: tuple[AdherenceRow, ...] | None = None
    time_outs: TimeOutSummary | None = None
    physiology: tuple[PhysiologySeries, ...] | None = None
    session_dates: tuple[date, ...] = ()
    notes: tuple[NoteEntry, ...] | None = None
    summary: str | None = None
    plan: str | None = None
    withheld: tuple[Withheld, ...] = ()

    def withheld_from(self, section: str) -> tuple[Withheld, ...]:
        """What the policy withholds from one section."""
        return tuple(w for w in self.withheld if w.section == section)

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None or self.generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware")
        if self.audience not in AUDIENCES:
            raise ValueError(f"unknown audience {self.audience!r}")
        if self.audience == "partner" and self.viewer not in (0, 1):
            raise ValueError("a partner report needs viewer 0 or 1")
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
