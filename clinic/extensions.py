"""Extension points through which later apps add to the caseload and the couple page without
editing the clinic app: each registers in its AppConfig.ready().

Caseload enrichers receive the page (or API page) of couples at once and must load what they
add in a fixed number of queries (bulk, keyed by couple id), never one query per couple.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Case, F, Q, Value, When


@dataclass(frozen=True)
class CaseloadEnricher:
    key: str
    #: fn(*, clinic, membership, couples) -> {couple_id: JSON-able value}
    load: Callable
    #: partial rendered in each caseload row with `value` (the couple's entry) in its context
    template: str | None = None
    #: sort key hint: couples whose value is truthy for an urgent enricher float to the top
    urgent: bool = False
    #: for an urgent enricher: fn(*, clinic) -> a boolean expression over Couple rows (e.g. an
    #: Exists with OuterRef("pk")) true exactly when `load` gives the couple a truthy value, so
    #: a paginated caseload orders urgent couples first across every page, not within one
    urgent_when: Callable | None = None


@dataclass(frozen=True)
class CouplePanel:
    key: str
    order: int
    template: str
    #: fn(*, request, couple) -> dict, the panel's template context
    context: Callable


CASELOAD_ENRICHERS: dict[str, CaseloadEnricher] = {}
COUPLE_PANELS: dict[str, CouplePanel] = {}


def register_caseload_enricher(enricher: CaseloadEnricher) -> None:
    CASELOAD_ENRICHERS[enricher.key] = enricher


def register_couple_panel(panel: CouplePanel) -> None:
    COUPLE_PANELS[panel.key] = panel


def enrich_caseload(*, clinic, membership, couples: list) -> None:
    """Attach `couple.caseload = {key: value}` to each couple from every registered enricher."""
    for couple in couples:
        couple.caseload = {}
    if not couples:
        return
    for enricher in CASELOAD_ENRICHERS.values():
        values = enricher.load(clinic=clinic, membership=membership, couples=couples)
        for couple in couples:
            couple.caseload[enricher.key] = values.get(couple.pk)


def urgent_first(queryset, *, clinic):
    """The couples queryset ordered with urgent couples (by every urgent enricher) first."""
    flags = [
        Q(enricher.urgent_when(clinic=clinic))
        for enricher in CASELOAD_ENRICHERS.values()
        if enricher.urgent and enricher.urgent_when
    ]
    if not flags:
        return queryset
    urgent = Case(When(reduce(or_, flags), then=Value(True)), default=Value(False))
    return queryset.alias(is_urgent=urgent).order_by(
        F("is_urgent").desc(), *queryset.query.order_by
    )


def couple_panels(*, request, couple) -> list[tuple[CouplePanel, dict]]:
    """Each registered panel with its context, in display order."""
    panels = sorted(COUPLE_PANELS.values(), key=lambda p: p.order)
    return [(panel, panel.context(request=request, couple=couple)) for panel in panels]


@dataclass(frozen=True)
class PortalSection:
    key: str
    order: int
    template: str
    #: fn(*, request) -> dict; request.client, request.couple and request.clinic are set
    context: Callable


PORTAL_SECTIONS: dict[str, PortalSection] = {}


def register_portal_section(section: PortalSection) -> None:
    PORTAL_SECTIONS[section.key] = section
