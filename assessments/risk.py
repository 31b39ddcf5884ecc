"""How urgent a risk alert is, from the flag the scoring engine raised. Pure: no Django.

Two levels, because a therapist triages them differently:
- urgent: an item about suicide or self-harm was endorsed (PHQ-9 item 9 above "Not at all").
  The clinic's risk procedure applies now.
- review: a soft flag (PCL-5 item 16, risky behaviour: not a suicide item) or a risk item left
  unanswered. Ask about it at the next contact.
"""

from collections.abc import Iterable
from typing import Literal

from assessments.scoring import RiskFlag

Severity = Literal["urgent", "review"]

URGENT: Severity = "urgent"
REVIEW: Severity = "review"
#: display order, most urgent first
SEVERITY_ORDER: tuple[Severity, ...] = (URGENT, REVIEW)


def alert_severity(flag: RiskFlag) -> Severity:
    """Urgent only when an item the definition marks as an alert item was actually endorsed."""
    if flag.severity == "alert" and flag.value is not None:
        return URGENT
    return REVIEW


def endorsed_flags(flags: Iterable[RiskFlag]) -> list[RiskFlag]:
    """Flags for risk items that were answered at or above their threshold (not left blank).
    A draft raises only these: a blank item in an unfinished questionnaire is not yet a skip."""
    return [f for f in flags if f.value is not None]
