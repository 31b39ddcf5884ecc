"""The one place that decides what one partner may see of the other's individual material.

The portal, the API, the pages and the reports all ask `may_view`; none decides on its own.
The couple's policy inherits the clinic default unless the therapist set it (audited, with
both partners' consent recorded: clinic.services.couple_set_material_policy).

A couple may agree to share "from now on": material from before that moment keeps the privacy
it was given under, so every decision takes the item's time (`item_at`) and the couple's
boundary (`Sharing.since`). Sharing is only ever widened prospectively unless both partners
agreed to include past material; it is narrowed at once (see `sharing_after_change`).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Material(StrEnum):
    QUESTIONNAIRE_RESULT = "questionnaire_result"
    QUESTIONNAIRE_ANSWERS = "questionnaire_answers"
    PRACTICE_LOG = "practice_log"
    TIMEOUT_LOG = "timeout_log"
    CHECKIN = "checkin"
    MEASUREMENT = "measurement"
    HOMEWORK = "homework"
    SESSION = "session"
    SESSION_NOTE = "session_note"
    INDIVIDUAL_SESSION_NOTE = "individual_session_note"
    SAFETY_SCREEN = "safety_screen"
    #: the answer to a risk item (PHQ-9 item 9, PCL-5 item 16 ...), apart from the score
    RISK_ITEM_ANSWER = "risk_item_answer"


# Never shown to the other partner, whatever the policy: individual-session notes are the
# therapist's record of a private conversation; a safety (violence) screen shown to the other
# partner could put the person who answered it in danger; and an answer about suicidal
# thoughts or self-harm is disclosed to the therapist, who decides with the client what the
# partner is told: a couple's "shared" policy must not publish it.
NEVER_SHARED = frozenset(
    {Material.INDIVIDUAL_SESSION_NOTE, Material.SAFETY_SCREEN, Material.RISK_ITEM_ANSWER}
)
# Clinical notes are the therapist's record; clients see none through the portal.
STAFF_ONLY = frozenset({Material.SESSION_NOTE, Material.INDIVIDUAL_SESSION_NOTE})


class ViewerKind(StrEnum):
    STAFF = "staff"  # a clinic member already checked for access to the couple
    PARTNER = "partner"


@dataclass(frozen=True)
class Viewer:
    kind: ViewerKind
    client_id: object = None  # the partner's Client id when kind is PARTNER


def effective_policy(*, couple_policy: str, clinic_shares_by_default: bool) -> str:
    """'shared' or 'private': the couple's own setting, or the clinic default when it inherits."""
    if couple_policy in ("shared", "private"):
        return couple_policy
    return "shared" if clinic_shares_by_default else "private"


@dataclass(frozen=True)
class Sharing:
    """A couple's effective policy ('shared' or 'private') and, when it is shared "from now
    on", the moment sharing began: the other partner's material from before it stays private.
    `since` None: the policy covers all material, past included."""

    policy: str
    since: datetime | None = None

    def __post_init__(self) -> None:
        if self.policy not in ("shared", "private"):
            raise ValueError(f"unknown effective policy {self.policy!r}")


@dataclass(frozen=True)
class Visibility:
    """What a viewer may see of one partner's material of one kind: nothing (`seen` False),
    everything, or only the items from `since` on."""

    seen: bool
    since: datetime | None = None

    def admits(self, item_at: datetime | None) -> bool:
        """Is an item dated `item_at` visible? An undated item counts as before any boundary."""
        if not self.seen:
            return False
        if self.since is None:
            return True
        return item_at is not None and item_at >= self.since


NOTHING = Visibility(False)
EVERYTHING = Visibility(True)


def item_time(*moments: datetime | None) -> datetime | None:
    """The time an item counts from for a "from now on" boundary: the earliest of the moments
    that date it (e.g. when a practice happened and when it was logged). A log entered after
    the change about a practice before it, or a session booked before the change for a date
    after it, stays on the private side: the partner put it in under the earlier policy."""
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def visibility(*, viewer: Viewer, material: Material, owner_id, sharing: Sharing) -> Visibility:
    """What `viewer` may see of partner `owner_id`'s `material` (owner None: couple-level)."""
    if viewer.kind == ViewerKind.STAFF:
        return EVERYTHING
    if material in STAFF_ONLY:
        return NOTHING
    if owner_id is None or owner_id == viewer.client_id:
        return EVERYTHING
    if material in NEVER_SHARED or sharing.policy != "shared":
        return NOTHING
    return Visibility(True, sharing.since)


def may_view(
    *,
    viewer: Viewer,
    material: Material,
    owner_id,
    sharing: Sharing,
    item_at: datetime | None,
) -> bool:
    """May `viewer` see an item of `material` owned by partner `owner_id` (None: couple-level),
    dated `item_at` (see `item_time`)? `sharing` is the couple's (`couple_sharing`)."""
    return visibility(viewer=viewer, material=material, owner_id=owner_id, sharing=sharing).admits(
        item_at
    )


class NarrowingFromNow(ValueError):
    """Making material private cannot apply "from now on" only (see `sharing_after_change`)."""


def sharing_after_change(
    *, before: Sharing, after_policy: str, past_too: bool, now: datetime
) -> Sharing:
    """The couple's sharing once its effective policy becomes `after_policy`, for material from
    `now` on only, or (`past_too`) for past material too.

    - Widening to shared "from now on": the boundary is `now`, so nothing either partner
      recorded under the private policy is revealed without their agreeing to it; a couple
      already sharing keeps its boundary (what was shared stays shared).
    - Widening to shared for past material too: no boundary.
    - Narrowing to private applies to all material at once. Leaving earlier material on view
      ("from now on" read literally) would keep exposing what a partner has just asked to
      keep private, often the reason for the change; what the other partner already saw
      cannot be unseen, but it is no longer shown. `NarrowingFromNow` says so rather than
      recording a choice that would not be honoured.
    """
    if after_policy == "private":
        if before.policy == "shared" and not past_too:
            raise NarrowingFromNow(
                "Making material private applies to all of it at once: what was shared is no "
                "longer shown. Choose to apply it to all material."
            )
        return Sharing("private")
    if past_too:
        return Sharing("shared")
    if before.policy == "shared":
        return before
    return Sharing("shared", now)


def visible_answers(
    *,
    viewer: Viewer,
    owner_id,
    sharing: Sharing,
    item_at: datetime | None,
    answers: Mapping[str, int],
    risk_items: Collection[int],
    safety_screen: bool = False,
) -> dict[str, int] | None:
    """The item answers of partner `owner_id`, given at `item_at`, that `viewer` may read, or
    None for none at all.

    Answers to `risk_items` are dropped unless the viewer may see risk-item answers (staff, or
    the partner who gave them); a safety screen's answers go to no one but its owner and staff.
    """
    material = Material.SAFETY_SCREEN if safety_screen else Material.QUESTIONNAIRE_ANSWERS
    decide = {"viewer": viewer, "owner_id": owner_id, "sharing": sharing, "item_at": item_at}
    if not may_view(material=material, **decide):
        return None
    if may_view(material=Material.RISK_ITEM_ANSWER, **decide):
        return dict(answers)
    risky = {str(n) for n in risk_items}
    return {k: v for k, v in answers.items() if str(k) not in risky}


def couple_policy(couple) -> str:
    """Effective policy of a Couple row (its clinic must be loaded or cheap to load)."""
    return effective_policy(
        couple_policy=couple.individual_material_policy,
        clinic_shares_by_default=couple.clinic.partners_see_individual_results,
    )


def couple_sharing(couple) -> Sharing:
    """The effective policy of a Couple row with its "from now on" boundary."""
    policy = couple_policy(couple)
    return Sharing(policy, couple.shared_since if policy == "shared" else None)


def partner_visibility(*, couple, client, material: Material, owner_id) -> Visibility:
    """What this partner of `couple` may see of `owner_id`'s `material` (for querysets)."""
    return visibility(
        viewer=Viewer(ViewerKind.PARTNER, client.pk),
        material=material,
        owner_id=owner_id,
        sharing=couple_sharing(couple),
    )


def partner_may_view(*, couple, client, material: Material, owner_id, item_at) -> bool:
    """Shortcut for portal code: may this partner of `couple` see the item dated `item_at`?"""
    return partner_visibility(
        couple=couple, client=client, material=material, owner_id=owner_id
    ).admits(item_at)


# --- report figures -------------------------------------------------------------------------
# Every figure a report (or page) derives from partners' material is either couple-level
# (shown to both partners whatever the policy) or individual (computed from one partner's own
# material, so it follows `may_view` for that partner). An individual figure the policy
# withholds is stated as withheld, never computed from what is left: counting only visible
# logs would print "0 time-outs" for a partner who called four.


class Figure(StrEnum):
    SESSIONS_JOINT = "sessions_joint"
    SESSIONS_INDIVIDUAL = "sessions_individual"
    QUESTIONNAIRE_SCORES = "questionnaire_scores"
    ATTACHMENT_MAP = "attachment_map"
    REGULATION = "regulation"
    BOTH_OUT_OF_WINDOW = "both_out_of_window"
    ADHERENCE = "adherence"
    TIME_OUTS = "time_outs"
    PHYSIOLOGY = "physiology"
    HOMEWORK_PLAN = "homework_plan"


@dataclass(frozen=True)
class FigureRule:
    """`materials`: the partner material a figure is computed from; `couple_level`: shown to
    both partners under any policy; `what`: how the withheld material is named to clients."""

    materials: tuple[Material, ...]
    couple_level: bool
    what: str


FIGURES: dict[Figure, FigureRule] = {
    # Joint sessions happen with both partners in the room.
    Figure.SESSIONS_JOINT: FigureRule((Material.SESSION,), True, "joint sessions"),
    # Who had an individual session, and when, is that partner's own material.
    Figure.SESSIONS_INDIVIDUAL: FigureRule((Material.SESSION,), False, "individual sessions"),
    Figure.QUESTIONNAIRE_SCORES: FigureRule(
        (Material.QUESTIONNAIRE_RESULT,), False, "questionnaire results"
    ),
    Figure.ATTACHMENT_MAP: FigureRule(
        (Material.QUESTIONNAIRE_RESULT,), False, "questionnaire results"
    ),
    Figure.REGULATION: FigureRule(
        (Material.CHECKIN, Material.PRACTICE_LOG), False, "check-ins and practice logs"
    ),
    # A day both were out of their window tells each partner the other's zone on that day.
    Figure.BOTH_OUT_OF_WINDOW: FigureRule((Material.CHECKIN,), False, "check-ins"),
    # Couple homework is practised and logged by each partner: the count is theirs.
    Figure.ADHERENCE: FigureRule((Material.PRACTICE_LOG,), False, "practice logs"),
    # A time-out log is one partner's record (when they called it, how they felt): the counts
    # are read from those logs, so they are individual, like the logs.
    Figure.TIME_OUTS: FigureRule((Material.TIMEOUT_LOG,), False, "time-out logs"),
    Figure.PHYSIOLOGY: FigureRule((Material.MEASUREMENT,), False, "body measurements"),
    # What was agreed (titles, weekly targets) was set with the couple in session.
    Figure.HOMEWORK_PLAN: FigureRule((Material.HOMEWORK,), True, "homework"),
}


def figure_visibility(*, viewer: Viewer, figure: Figure, owner_id, sharing: Sharing) -> Visibility:
    """What `viewer` may see of `figure` computed from partner `owner_id`'s material: nothing,
    all of it, or the part computed from items dated from a boundary on."""
    rule = FIGURES[figure]
    if rule.couple_level or viewer.kind == ViewerKind.STAFF:
        return EVERYTHING
    parts = [
        visibility(viewer=viewer, material=m, owner_id=owner_id, sharing=sharing)
        for m in rule.materials
    ]
    if not all(p.seen for p in parts):
        return NOTHING
    sinces = [p.since for p in parts if p.since is not None]
    return Visibility(True, max(sinces) if sinces else None)


def withheld_statement(
    figure: Figure, owner_names: tuple[str, ...], *, couple: bool, before: str | None = None
) -> str:
    """What a client-facing report says in place of a withheld figure; `before` (a date in
    words) when only the material from before a "from now on" change is withheld."""
    what = FIGURES[figure].what
    whose = (
        "each partner's" if couple and len(owner_names) > 1 else f"{' and '.join(owner_names)}'s"
    )
    if before is None:
        return f"Not shared: {whose} {what} are private under your agreement."
    return (
        f"Not shared: {whose} {what} from before {before} are private under your agreement; "
        f"the figures here count them from {before} on."
    )


#: what a partner is told, in plain words, per kind of individual material (portal)
MATERIAL_WORDS = {
    Material.QUESTIONNAIRE_RESULT: "questionnaire scores",
    Material.QUESTIONNAIRE_ANSWERS: "questionnaire answers",
    Material.PRACTICE_LOG: "practice logs",
    Material.TIMEOUT_LOG: "time-out logs",
    Material.CHECKIN: "daily check-ins",
    Material.MEASUREMENT: "body measurements",
}
NEVER_SHARED_WORDS = (
    "answers to questions about safety, self-harm or suicidal thoughts",
    "what you say in an individual session with your therapist",
)


def sharing_summary(sharing: Sharing) -> tuple[list[str], list[str], datetime | None]:
    """(what of my individual material my partner sees, what they never see, since when: None
    for all of it) under `sharing`, decided by `visibility` itself so the portal's words
    cannot drift from the rule."""
    me, partner = "me", Viewer(ViewerKind.PARTNER, "partner")
    shared, since = [], None
    for material, words in MATERIAL_WORDS.items():
        seen = visibility(viewer=partner, material=material, owner_id=me, sharing=sharing)
        if seen.seen:
            shared.append(words)
            since = seen.since
    return shared, list(NEVER_SHARED_WORDS), since
