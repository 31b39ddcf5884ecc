"""What homework adds to the caseload: a flag on each couple where a partner asked to discuss
the current version of a time-out agreement before accepting it."""

from clinic.extensions import CaseloadEnricher
from sessions.homework_selectors import agreement_status_of, with_agreements
from sessions.models import Homework, HomeworkKind

CASELOAD_KEY = "agreement_discussion"


def load_discussion_requests(*, clinic, membership, couples) -> dict:
    """{couple_id: [{"homework_id", "title", "version", "who"}...]} for couples where a
    partner asked to discuss the latest version of a running time-out agreement; three queries
    (agreements, versions, answers) whatever the number of couples."""
    by_id = {couple.pk: couple for couple in couples}
    agreements = with_agreements(
        Homework.objects.for_clinic(clinic)
        .live()
        .filter(couple_id__in=list(by_id), kind=HomeworkKind.TIME_OUT, ended_at__isnull=True)
        .order_by("start_date", "created_at")
    )
    found: dict = {}
    for homework in agreements:
        couple = by_id[homework.couple_id]
        status = agreement_status_of(homework, couple)
        asking = [s for s in status.partners if s.wants_to_discuss] if status else []
        if not asking:
            continue
        names = {p.pk: p.display_name for p in (couple.partner_a, couple.partner_b)}
        found.setdefault(couple.pk, []).append(
            {
                "homework_id": str(homework.pk),
                "title": homework.title,
                "version": status.version,
                # Who and which version only: the note itself is read on the couple page,
                # where reading it is audited.
                "who": [names.get(s.partner, "") for s in asking],
            }
        )
    return found


CASELOAD_ENRICHER = CaseloadEnricher(
    key=CASELOAD_KEY,
    load=load_discussion_requests,
    template="sessions/agreement_caseload.html",
)
