"""How a session note's coded content reads, on the note page and in the clinical report."""

from sessions.models import Intervention


def _intervention_label(code: str) -> str:
    try:
        return Intervention(code).label
    except ValueError:
        return code


def intervention_labels(codes, other: str) -> list[str]:
    """A note's interventions as read: "Other: emotion coaching", not "Other (describe) (...)"."""
    labels = []
    for code in codes:
        if code == Intervention.OTHER:
            labels.append(f"Other: {other}" if other else "Other")
        else:
            labels.append(_intervention_label(code))
    if other and Intervention.OTHER not in codes:
        labels.append(f"Other: {other}")
    return labels
