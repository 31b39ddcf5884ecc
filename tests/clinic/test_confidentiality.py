from clinic.confidentiality import (
    Material,
    Sharing,
    Viewer,
    ViewerKind,
    effective_policy,
)
from clinic.confidentiality import may_view as _may_view

SHARED, PRIVATE = Sharing("shared"), Sharing("private")


def may_view(*, policy: str, **kwargs) -> bool:
    """The rule for undated items under a policy that covers all material."""
    return _may_view(sharing=Sharing(policy), item_at=None, **kwargs)


A, B = "partner-a", "partner-b"
partner_a = Viewer(ViewerKind.PARTNER, A)
staff = Viewer(ViewerKind.STAFF)


def test_couple_policy_inherits_clinic_default_unless_set():
    assert effective_policy(couple_policy="inherit", clinic_shares_by_default=False) == "private"
    assert effective_policy(couple_policy="inherit", clinic_shares_by_default=True) == "shared"
    assert effective_policy(couple_policy="private", clinic_shares_by_default=True) == "private"
    assert effective_policy(couple_policy="shared", clinic_shares_by_default=False) == "shared"


def test_partner_sees_own_and_couple_material():
    assert may_view(viewer=partner_a, material=Material.CHECKIN, owner_id=A, policy="private")
    assert may_view(viewer=partner_a, material=Material.HOMEWORK, owner_id=None, policy="private")


def test_private_policy_hides_other_partners_logs_and_results():
    for material in (Material.CHECKIN, Material.PRACTICE_LOG, Material.QUESTIONNAIRE_RESULT):
        assert not may_view(viewer=partner_a, material=material, owner_id=B, policy="private")


def test_shared_policy_shows_other_partners_logs_and_results():
    for material in (Material.CHECKIN, Material.PRACTICE_LOG, Material.QUESTIONNAIRE_RESULT):
        assert may_view(viewer=partner_a, material=material, owner_id=B, policy="shared")


def test_individual_session_notes_and_safety_screens_never_cross_partners():
    for material in (Material.INDIVIDUAL_SESSION_NOTE, Material.SAFETY_SCREEN):
        assert not may_view(viewer=partner_a, material=material, owner_id=B, policy="shared")


def test_clients_see_no_clinical_notes_staff_see_everything():
    assert not may_view(
        viewer=partner_a, material=Material.SESSION_NOTE, owner_id=None, policy="shared"
    )
    assert may_view(
        viewer=staff, material=Material.INDIVIDUAL_SESSION_NOTE, owner_id=B, policy="private"
    )


def test_risk_item_answers_never_reach_the_other_partner_even_when_shared():
    from clinic.confidentiality import visible_answers

    answers = {"1": 2, "9": 3}
    kwargs = {"answers": answers, "risk_items": [9]}
    assert visible_answers(
        viewer=partner_a, owner_id=B, sharing=SHARED, item_at=None, **kwargs
    ) == {"1": 2}
    assert (
        visible_answers(viewer=partner_a, owner_id=B, sharing=PRIVATE, item_at=None, **kwargs)
        is None
    )
    assert (
        visible_answers(viewer=partner_a, owner_id=A, sharing=PRIVATE, item_at=None, **kwargs)
        == answers
    )
    assert (
        visible_answers(viewer=staff, owner_id=B, sharing=PRIVATE, item_at=None, **kwargs)
        == answers
    )
    assert not may_view(
        viewer=partner_a, material=Material.RISK_ITEM_ANSWER, owner_id=B, policy="shared"
    )


def test_a_safety_screen_is_seen_by_its_owner_and_staff_only():
    from clinic.confidentiality import visible_answers

    kwargs = {"answers": {"1": 1}, "risk_items": [], "safety_screen": True}
    assert (
        visible_answers(viewer=partner_a, owner_id=B, sharing=SHARED, item_at=None, **kwargs)
        is None
    )
    assert visible_answers(
        viewer=partner_a, owner_id=A, sharing=SHARED, item_at=None, **kwargs
    ) == {"1": 1}
    assert visible_answers(viewer=staff, owner_id=B, sharing=SHARED, item_at=None, **kwargs) == {
        "1": 1
    }
