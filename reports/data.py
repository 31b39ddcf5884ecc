"""Gather everything one progress report shows into `reports.contents` dataclasses, in a fixed
number of queries whatever the amount of data, applying the audience and confidentiality rules.

Each section has its own gatherer; the renderer never sees what the audience may not.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from clinic.confidentiality import (
    EVERYTHING,
    NOTHING,
    Figure,
    Material,
    Sharing,
    Viewer,
    ViewerKind,
    Visibility,
    couple_sharing,
    figure_visibility,
    item_time,
    visibility,
    withheld_statement,
)
from clinic.date_style import format_for_clinic
from clinic.models import Client, Couple
from reports.contents import Attendance, NoteEntry, ReportContents, SessionEntry, Withheld
from reports.data_assessments import gather_assessments
from reports.data_regulation import (
    gather_adherence,
    gather_physiology,
    gather_regulation,
    gather_time_outs,
)
from reports.models import Audience, ClinicExport, ProgressReport

CONFIDENTIALITY_NOTICE = (
    "Confidential health information. Prepared for the named audience only; do not share it "
    "further without the client's consent."
)


@dataclass(frozen=True)
class Scope:
    """The report's couple, partners, period (as aware datetimes in the clinic's zone) and viewer."""

    report: ProgressReport
    couple: Couple
    partners: tuple[Client, Client]
    start: datetime
    end: datetime  # exclusive
    audience: str
    viewer: Viewer
    sharing: Sharing
    #: rows several sections read (e.g. practice logs), loaded once per report
    memo: dict = field(default_factory=dict, compare=False)

    def partner_index(self, client_id) -> int | None:
        for index, partner in enumerate(self.partners):
            if partner.pk == client_id:
                return index
        return None

    def _viewers(self) -> list[Viewer]:
        """Who reads a client report: the partner, or (couple report) both partners, each of
        whose view must allow what is shown."""
        if self.audience == Audience.PARTNER:
            return [self.viewer]
        return [Viewer(ViewerKind.PARTNER, p.pk) for p in self.partners]

    def _combined(self, parts: list[Visibility]) -> Visibility:
        """What every reader may see, with a "from now on" boundary moved to the next local
        midnight: figures are counted by day, and a day that is partly private would be
        counted as if nothing happened before the change."""
        if not all(p.seen for p in parts):
            return NOTHING
        sinces = [p.since for p in parts if p.since is not None]
        if not sinces:
            return EVERYTHING
        local = timezone.localtime(max(sinces), self.couple.clinic.tz)
        day = local.date() if local.time() == time.min else local.date() + timedelta(days=1)
        since = datetime.combine(day, time.min, tzinfo=self.couple.clinic.tz)
        if since > self.end:
            # Nothing of the period is on the shared side: withheld, never counted as none.
            return NOTHING
        return Visibility(True, since)

    def material_visibility(self, material: Material, owner_id) -> Visibility:
        """Audience rules for one kind of material: staff see all in a clinical report; couple
        and partner reports follow the confidentiality module as if the partner(s) were
        reading. Remembered per (material, owner): a year of logs asks the same few questions,
        and each item is then judged by its time (`may_see`)."""
        key = ("material", material, owner_id)
        if key not in self.memo:
            if self.audience == Audience.CLINICAL:
                self.memo[key] = EVERYTHING
            else:
                self.memo[key] = self._combined(
                    [
                        visibility(
                            viewer=v, material=material, owner_id=owner_id, sharing=self.sharing
                        )
                        for v in self._viewers()
                    ]
                )
        return self.memo[key]

    def may_see(self, material: Material, owner_id, at: datetime | None) -> bool:
        """May the audience see an item of `material` of `owner_id` dated `at` (item_time)?"""
        return self.material_visibility(material, owner_id).admits(at)

    def figure_visibility(self, figure: Figure, owner_id) -> Visibility:
        """What the audience may see of `figure` computed from `owner_id`'s material (per
        (figure, owner), like `material_visibility`)."""
        key = ("figure", figure, owner_id)
        if key not in self.memo:
            if self.audience == Audience.CLINICAL:
                self.memo[key] = EVERYTHING
            else:
                self.memo[key] = self._combined(
                    [
                        figure_visibility(
                            viewer=v, figure=figure, owner_id=owner_id, sharing=self.sharing
                        )
                        for v in self._viewers()
                    ]
                )
        return self.memo[key]

    def sees(self, figure: Figure, owner_id, at: datetime | None) -> bool:
        """May the audience see an item dated `at` (item_time) that `figure` is computed from?"""
        return self.figure_visibility(figure, owner_id).admits(at)

    def hidden_partners(self, figure: Figure) -> tuple[int, ...]:
        """Indexes of the partners whose material the audience may not see at all for `figure`."""
        return tuple(
            i for i, p in enumerate(self.partners) if not self.figure_visibility(figure, p.pk).seen
        )

    def shown_from(self, figure: Figure, index: int) -> date | None:
        """The first day of the period from which partner `index`'s material counts towards
        `figure`, when a "from now on" boundary falls inside the period (else None)."""
        seen = self.figure_visibility(figure, self.partners[index].pk)
        if not seen.seen or seen.since is None or seen.since <= self.start:
            return None
        return timezone.localtime(seen.since, self.couple.clinic.tz).date()

    def withhold(
        self, section: str, figure: Figure, *, partly_only: bool = False
    ) -> tuple[int, ...]:
        """Record that `section` must state `figure` as withheld for the hidden partners, and
        as counted from the boundary for partners shared "from now on" within the period;
        returns the wholly hidden partners' indexes (empty when nothing is withheld)."""
        hidden = self.hidden_partners(figure)
        couple = self.audience == Audience.COUPLE
        notes = self.memo.setdefault("withheld", [])
        statements = []
        if hidden and not partly_only:
            names = tuple(self.partners[i].display_name for i in hidden)
            statements.append((hidden, withheld_statement(figure, names, couple=couple)))
        partly: dict[date, list[int]] = {}
        for i in range(len(self.partners)):
            day = self.shown_from(figure, i)
            if day is not None:
                partly.setdefault(day, []).append(i)
        for day, indexes in sorted(partly.items()):
            names = tuple(self.partners[i].display_name for i in indexes)
            before = format_for_clinic(day, "date", self.couple.clinic)
            statements.append(
                (tuple(indexes), withheld_statement(figure, names, couple=couple, before=before))
            )
        for partners, text in statements:
            if not any(w.section == section and w.text == text for w in notes):
                notes.append(Withheld(section=section, partners=partners, text=text))
        return hidden


def scope_for(report: ProgressReport) -> Scope:
    couple = (
        Couple.objects.for_clinic(report.clinic)
        .select_related("partner_a", "partner_b", "clinic")
        .get(pk=report.couple_id)
    )
    tz = couple.clinic.tz
    start = datetime.combine(report.period_start, time.min, tzinfo=tz)
    end = datetime.combine(report.period_end, time.max, tzinfo=tz)
    viewer = (
        Viewer(ViewerKind.PARTNER, report.partner_id)
        if report.audience == Audience.PARTNER
        else Viewer(ViewerKind.STAFF)
    )
    return Scope(
        report=report,
        couple=couple,
        partners=(couple.partner_a, couple.partner_b),
        start=start,
        end=end,
        audience=report.audience,
        viewer=viewer,
        sharing=couple_sharing(couple),
    )


def gather(report: ProgressReport) -> ReportContents:
    """The full contents of `report`, filtered for its audience."""
    scope = scope_for(report)
    couple = scope.couple
    therapists = tuple(str(t) for t in couple.therapists.order_by("full_name", "email"))
    sections: dict = {}
    for gatherer in SECTION_GATHERERS:
        sections.update(gatherer(scope))
    return ReportContents(
        audience=report.audience,
        clinic_name=couple.clinic.name,
        therapist_names=therapists,
        couple_label=couple.label,
        partners=(couple.partner_a.display_name, couple.partner_b.display_name),
        period_start=report.period_start,
        period_end=report.period_end,
        generated_at=timezone.now(),
        time_zone=couple.clinic.time_zone,
        locale=couple.clinic.locale,
        confidentiality_notice=CONFIDENTIALITY_NOTICE,
        viewer=scope.partner_index(report.partner_id)
        if report.audience == Audience.PARTNER
        else None,
        summary=report.summary or None,
        plan=report.plan or None,
        withheld=tuple(scope.memo.get("withheld", ())),
        **sections,
    )


def _attendance(scope: Scope) -> dict:
    from sessions.models import SessionStatus, TherapySession

    tz = scope.couple.clinic.tz
    sessions = list(
        TherapySession.objects.for_clinic(scope.couple.clinic)
        .filter(couple=scope.couple, starts_at__gte=scope.start, starts_at__lte=scope.end)
        .exclude(status=SessionStatus.SCHEDULED)
        .order_by("starts_at")
        .values("starts_at", "kind", "status", "partner_id", "created_at")
    )
    entries = tuple(
        SessionEntry(
            on=_local_date(row["starts_at"], tz),
            kind=row["kind"],
            status=row["status"],
            partner=scope.partner_index(row["partner_id"]),
        )
        for row in sessions
        if row["partner_id"] is None
        or scope.sees(
            Figure.SESSIONS_INDIVIDUAL,
            row["partner_id"],
            item_time(row["starts_at"], row["created_at"]),
        )
    )
    scope.withhold("attendance", Figure.SESSIONS_INDIVIDUAL)
    counts = {
        status: sum(1 for e in entries if e.status == status)
        for status in ("held", "cancelled", "no_show")
    }
    return {
        "attendance": Attendance(
            held=counts["held"],
            cancelled=counts["cancelled"],
            no_show=counts["no_show"],
            sessions=entries,
        ),
        "session_dates": tuple(e.on for e in entries if e.status == "held"),
    }


def _notes(scope: Scope) -> dict:
    """Signed notes belong to the clinical record only; no client-facing report carries them."""
    if scope.audience != Audience.CLINICAL:
        return {"notes": None}
    from sessions.models import NoteAddendum, NoteTemplate, RiskLevel, SessionNote
    from sessions.therapy.note_content import TEMPLATE_SECTIONS
    from sessions.therapy.wording import intervention_labels

    clinic, tz = scope.couple.clinic, scope.couple.clinic.tz
    notes = list(
        SessionNote.objects.for_clinic(clinic)
        .filter(
            session__couple=scope.couple,
            session__starts_at__gte=scope.start,
            session__starts_at__lte=scope.end,
            signed_at__isnull=False,
        )
        .order_by("session__starts_at")
        .values_list(
            "id",
            "session__starts_at",
            "session__kind",
            "session__partner_id",
            "template",
            "sections",
            "risk_level",
            "risk_concerns",
            "risk_plan",
            "interventions",
            "interventions_other",
        )
    )
    addenda: dict = {}
    for note_id, text in (
        NoteAddendum.objects.for_clinic(clinic)
        .filter(note_id__in=[n[0] for n in notes])
        .order_by("created_at")
        .values_list("note_id", "text")
    ):
        addenda.setdefault(note_id, []).append(text)
    labels = dict(NoteTemplate.choices)
    entries = []
    risk_labels = dict(RiskLevel.choices)
    for (
        note_id,
        starts_at,
        kind,
        partner_id,
        template,
        stored,
        risk,
        concerns,
        plan,
        interventions,
        other,
    ) in notes:
        sections = stored or {}
        # The template's own section order (jsonb does not keep key order).
        text = "\n\n".join(
            f"{label}: {sections[key].strip()}"
            for key, label in TEMPLATE_SECTIONS.get(template, ())
            if sections.get(key, "").strip()
        )
        entries.append(
            NoteEntry(
                on=_local_date(starts_at, tz),
                kind=kind,
                template=labels.get(template, template),
                text=text,
                partner=scope.partner_index(partner_id),
                risk=f"{concerns.strip()} Plan: {plan.strip()}"
                if risk == RiskLevel.CONCERNS
                else risk_labels.get(risk, risk),
                addenda=tuple(addenda.get(note_id, ())),
                interventions=tuple(intervention_labels(interventions or [], other)),
            )
        )
    return {"notes": tuple(entries)}


#: fn(scope) -> {ReportContents field: value}; each runs a fixed number of queries.
SECTION_GATHERERS: list = [
    _attendance,
    gather_assessments,
    gather_regulation,
    gather_adherence,
    gather_time_outs,
    gather_physiology,
    _notes,
]


def headline_rows(export: ClinicExport) -> list[dict]:
    """One CSV row per couple, partner and instrument: the latest total in the export's period.

    Two queries for the whole clinic. The export is staff material (clinical record), so every
    partner's results appear.
    """
    from assessments.models import Response, ResponseStatus
    from assessments.scoring import ScoreResult

    tz = export.clinic.tz
    start = datetime.combine(export.period_start, time.min, tzinfo=tz)
    end = datetime.combine(export.period_end, time.max, tzinfo=tz)
    couples = {
        c.pk: c
        for c in Couple.objects.for_clinic(export.clinic)
        .filter(pk__in=export.reports.values("couple_id"))
        .select_related("partner_a", "partner_b")
    }
    latest: dict[tuple, dict] = {}
    for row in (
        Response.objects.for_clinic(export.clinic)
        .filter(
            couple_id__in=list(couples),
            status=ResponseStatus.SUBMITTED,
            submitted_at__gte=start,
            submitted_at__lte=end,
        )
        .order_by("submitted_at")
        .values("couple_id", "partner_id", "instrument_code", "submitted_at", "scores")
    ):
        latest[(row["couple_id"], row["partner_id"], row["instrument_code"])] = row
    rows = []
    for (couple_id, partner_id, code), row in sorted(
        latest.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]), kv[0][2])
    ):
        couple = couples[couple_id]
        partner = couple.partner_a if couple.partner_a_id == partner_id else couple.partner_b
        if not row["scores"]:
            continue
        result = ScoreResult.from_dict(row["scores"])
        # Instruments without a total (attachment scales) report each dimension on its own row.
        scales = [result.total_score] if result.total_score else list(result.scales)
        for scale in scales:
            rows.append(
                {
                    "couple_id": str(couple_id),
                    "couple": couple.label,
                    "partner": partner.display_name,
                    "instrument": code if scale.id == "total" else f"{code}:{scale.id}",
                    "date": _local_date(row["submitted_at"], tz).isoformat(),
                    "total": "" if scale.value is None else scale.value,
                    "band": scale.band or "",
                }
            )
    return rows


def _local_date(value: datetime, tz) -> date:
    return timezone.localtime(value, tz).date()
