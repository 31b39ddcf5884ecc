"""The one place that decides what one partner may see of the other's individual material.

The portal, the API, the pages and the reports all ask `may_view`; none decides on its own.
The couple's policy inherits the clinic default unless the therapist set it (audited).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
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


def may_view(*, viewer: Viewer, material: Material, owner_id, policy: str) -> bool:
    """May `viewer` see an item of `material` owned by partner `owner_id` (None: couple-level)?

    `policy` is the effective policy ('shared' or 'private') from `effective_policy`.
    """
    if viewer.kind == ViewerKind.STAFF:
        return True
    if material in STAFF_ONLY:
        return False
    if owner_id is None or owner_id == viewer.client_id:
        return True
    if material in NEVER_SHARED:
        return False
    return policy == "shared"


def visible_answers(
    *,
    viewer: Viewer,
    owner_id,
    policy: str,
    answers: Mapping[str, int],
    risk_items: Collection[int],
    safety_screen: bool = False,
) -> dict[str, int] | None:
    """The item answers of partner `owner_id` that `viewer` may read, or None for none at all.

    Answers to `risk_items` are dropped unless the viewer may see risk-item answers (staff, or
    the partner who gave them); a safety screen's answers go to no one but its owner and staff.
    """
    material = Material.SAFETY_SCREEN if safety_screen else Material.QUESTIONNAIRE_ANSWERS
    if not may_view(viewer=viewer, material=material, owner_id=owner_id, policy=policy):
        return None
    if may_view(
        viewer=viewer, material=Material.RISK_ITEM_ANSWER, owner_id=owner_id, policy=policy
    ):
        return dict(answers)
    risky = {str(n) for n in risk_items}
    return {k: v for k, v in answers.items() if str(k) not in risky}


def couple_policy(couple) -> str:
    """Effective policy of a Couple row (its clinic must be loaded or cheap to load)."""
    return effective_policy(
        couple_policy=couple.individual_material_policy,
        clinic_shares_by_default=couple.clinic.partners_see_individual_results,
    )


def partner_may_view(*, couple, client, material: Material, owner_id) -> bool:
    """Shortcut for portal code: may this partner of `couple` see the item?"""
    return may_view(
        viewer=Viewer(ViewerKind.PARTNER, client.pk),
        material=material,
        owner_id=owner_id,
        policy=couple_policy(couple),
    )


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


def figure_visible(*, viewer: Viewer, figure: Figure, owner_id, policy: str) -> bool:
    """May `viewer` see `figure` computed from partner `owner_id`'s material?"""
    rule = FIGURES[figure]
    if rule.couple_level or viewer.kind == ViewerKind.STAFF:
        return True
    return all(
        may_view(viewer=viewer, material=m, owner_id=owner_id, policy=policy)
        for m in rule.materials
    )


def withheld_statement(figure: Figure, owner_names: tuple[str, ...], *, couple: bool) -> str:
    """What a client-facing report says in place of a withheld figure."""
    what = FIGURES[figure].what
    if couple and len(owner_names) > 1:
        return f"Not shared: each partner's {what} are private under your agreement."
    names = " and ".join(owner_names)
    return f"Not shared: {names}'s {what} are private under your agreement."


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


def sharing_summary(policy: str) -> tuple[list[str], list[str]]:
    """(what of my individual material my partner sees, what they never see) under `policy`,
    decided by `may_view` itself so the portal's words cannot drift from the rule."""
    me, partner = "me", Viewer(ViewerKind.PARTNER, "partner")
    shared = [
        words
        for material, words in MATERIAL_WORDS.items()
        if may_view(viewer=partner, material=material, owner_id=me, policy=policy)
    ]
    return shared, list(NEVER_SHARED_WORDS)
