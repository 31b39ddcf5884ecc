"""Whether a time-out agreement is in force, from its versions and the partners' answers.

Pure Python (no Django). An agreement is in force only when BOTH partners accepted its
latest version: any change makes a new version that both must accept again, so a partner is
never held to terms they have not seen.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

ACCEPTED = "accepted"
DISCUSS = "discuss"


@dataclass(frozen=True)
class Answer:
    """One partner's answer to one version (accepted, or asked to discuss it)."""

    version: int
    partner: Hashable
    decision: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class PartnerStanding:
    partner: Hashable
    accepted: bool  # accepted the latest version
    wants_to_discuss: bool  # asked to discuss the latest version and has not accepted it
    note: str  # the note of the latest "discuss" answer on the latest version, if any
    answered_at: datetime | None


@dataclass(frozen=True)
class AgreementStatus:
    version: int | None  # the latest version, None before the first
    in_force: bool
    partners: tuple[PartnerStanding, ...]
    # The most recent version both partners accepted (None if never): what they last agreed.
    last_agreed_version: int | None

    @property
    def waiting_for(self) -> tuple[Hashable, ...]:
        """Partners who have not accepted the latest version."""
        return tuple(p.partner for p in self.partners if not p.accepted)

    def standing_of(self, partner: Hashable) -> PartnerStanding | None:
        """The standing of one partner, or None if they are not a partner of this agreement."""
        return next((p for p in self.partners if p.partner == partner), None)


def agreement_status(
    *,
    partners: Sequence[Hashable],
    versions: Iterable[int],
    answers: Iterable[Answer],
    ended: bool = False,
) -> AgreementStatus:
    """Status of one agreement: in force iff not ended and every partner accepted the latest
    version. Answers to older versions count only toward `last_agreed_version`; answers by
    anyone not in `partners` are ignored."""
    numbers = sorted(set(versions))
    latest = numbers[-1] if numbers else None
    members = set(partners)
    answers = sorted((a for a in answers if a.partner in members), key=lambda a: a.at)

    accepted_by: dict[int, set[Hashable]] = {}
    for answer in answers:
        if answer.decision == ACCEPTED:
            accepted_by.setdefault(answer.version, set()).add(answer.partner)

    standings = []
    for partner in partners:
        mine = [a for a in answers if a.partner == partner and a.version == latest]
        accepted = any(a.decision == ACCEPTED for a in mine)
        discussions = [a for a in mine if a.decision == DISCUSS]
        standings.append(
            PartnerStanding(
                partner=partner,
                accepted=accepted,
                wants_to_discuss=bool(discussions) and not accepted,
                note=discussions[-1].note if discussions else "",
                answered_at=mine[-1].at if mine else None,
            )
        )
    agreed = [n for n in numbers if members and accepted_by.get(n, set()) >= members]
    return AgreementStatus(
        version=latest,
        in_force=(
            not ended
            and latest is not None
            and bool(members)
            and all(s.accepted for s in standings)
        ),
        partners=tuple(standings),
        last_agreed_version=agreed[-1] if agreed else None,
    )
