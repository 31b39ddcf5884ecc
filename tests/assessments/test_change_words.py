"""What the engine knows, said in words: PCL-5's named thresholds (National Center for PTSD),
clinical significance, unverified references, one explanation per instrument without a
reference, and plain words for clients (pure: no database)."""

from assessments.reliable_change import (
    NO_REFERENCE,
    change_summary,
    no_reference_explanation,
    reliable_change,
)
from assessments.scoring import get_instrument

PCL5 = get_instrument("pcl5")
PHQ9 = get_instrument("phq9")
ECRR = get_instrument("ecrr")


def test_pcl5_fall_of_ten_or_more_is_clinically_meaningful_change():
    change = reliable_change(PCL5, "total", 50, 38)
    assert change.summary == "clinically meaningful change (improvement of 12 points)"
    assert change.threshold_kind == "clinically meaningful change"
    assert change.response is True


def test_pcl5_fall_of_five_to_nine_is_a_response_not_meaningful_change():
    change = reliable_change(PCL5, "total", 50, 44)
    assert change.summary == (
        "response: improved by 6 points (at least 5), short of the 10 points of clinically "
        "meaningful change"
    )
    assert change.plain_summary == "an improvement of 6 points"


def test_pcl5_fall_of_four_is_neither():
    change = reliable_change(PCL5, "total", 50, 46)
    assert (change.response, change.summary) == (False, "no reliable change")


def test_pcl5_crossing_its_cut_off_with_meaningful_change_is_clinically_significant():
    change = reliable_change(PCL5, "total", 40, 28)
    assert change.clinically_significant is True
    assert change.summary == (
        "clinically meaningful change (improvement of 12 points); clinically significant "
        "(moved past the cut-off)"
    )


def test_an_unverified_reference_is_flagged_in_the_verdict():
    # PHQ-9's 6-point criterion is marked unverified in its definition.
    change = reliable_change(PHQ9, "total", 14, 6)
    assert change.verified is False
    assert change.summary.startswith("reliably improved")
    assert change.summary.endswith("; reference not verified: read with caution")
    # clients are told the finding, never the method or its caveats
    assert change.plain_summary == "a real improvement"


def test_no_reference_gives_no_verdict_and_one_explanation_per_instrument():
    change = reliable_change(ECRR, "anxiety", 4.2, 3.1)
    assert change.verdict == NO_REFERENCE
    assert change_summary(change) == "change shown without a verdict"
    assert NO_REFERENCE not in change_summary(change, plain=True)
    text = no_reference_explanation(ECRR, ["anxiety", "avoidance"])
    assert text.startswith(
        "ECR-R (Attachment anxiety, Attachment avoidance): no verified reliability figures"
    )
    assert "clinic admin can set them" in text


def test_summaries_reach_the_api_form():
    data = reliable_change(PCL5, "total", 50, 38).to_dict()
    assert data["summary"] == "clinically meaningful change (improvement of 12 points)"
    assert data["plain_summary"] == "a clinically meaningful change (improvement of 12 points)"
