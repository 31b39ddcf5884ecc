"""The one place that decides what one partner may see of the other's individual material.

The portal, the API, the pages and the reports all ask `may_view`; none decides on its own.
The couple's policy inherits the clinic default unless the therapist set it (audited).
"""

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


# Never shown to the other partner, whatever the policy: individual-session notes are the
# therapist's record of a private conversation, and a safety (violence) screen shown to the
# other partner could put the person who answered it in danger.
NEVER_SHARED = frozenset({Material.INDIVIDUAL_SESSION_NOTE, Material.SAFETY_SCREEN})
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
