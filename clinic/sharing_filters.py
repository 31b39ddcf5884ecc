"""Querysets and rows narrowed to what one partner may see of the other's material, built from
clinic.confidentiality's answer for each partner of the couple: nothing, everything, or the
items dated from a "shared from now on" boundary on. Models declare the moments that date an
item in `SHARING_TIMES` (see clinic.confidentiality.item_time)."""

from datetime import datetime

from django.db.models import Q

from clinic.confidentiality import Material, item_time, partner_visibility


def sharing_time(obj) -> datetime | None:
    """The time `obj` counts from for a "from now on" boundary (its model's SHARING_TIMES)."""
    return item_time(*(getattr(obj, name) for name in type(obj).SHARING_TIMES))


def partner_material_q(
    *, couple, client, material: Material, model, owner_field: str = "partner"
) -> Q:
    """Rows of `model` (owned through `owner_field`) that partner `client` of `couple` may see:
    their own, and the other partner's as far as the policy shares `material`. An item is on
    the shared side of a boundary only when every one of its dating moments is."""
    q = Q(pk__in=[])
    for partner in couple.partners:
        seen = partner_visibility(
            couple=couple, client=client, material=material, owner_id=partner.pk
        )
        if not seen.seen:
            continue
        part = Q(**{owner_field: partner.pk})
        if seen.since is not None:
            for name in model.SHARING_TIMES:
                part &= Q(**{f"{name}__gte": seen.since})
        q |= part
    return q


def partner_may_see(*, couple, client, material: Material, owner_id, obj) -> bool:
    """May partner `client` see item `obj` of `owner_id`'s `material` (dated by SHARING_TIMES)?"""
    return partner_visibility(
        couple=couple, client=client, material=material, owner_id=owner_id
    ).admits(sharing_time(obj))
