"""Changing a couple's confidentiality policy (what one partner may see of the other's
individual material). The decision itself lives in clinic/confidentiality.py; this only records
the therapist's choice, audited in the same transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import record_event
from clinic.confidentiality import couple_policy
from clinic.models import Couple, IndividualMaterialPolicy, User


@transaction.atomic
def couple_set_material_policy(
    *, couple: Couple, by: User, policy: str, request=None, channel: str = "api"
) -> Couple:
    """Set the couple's individual-material policy (inherit / shared / private)."""
    if policy not in IndividualMaterialPolicy.values:
        raise ValidationError({"policy": f"Unknown policy '{policy}'."})
    if couple.archived_at is not None:
        raise ValidationError("This couple is archived; it can no longer be edited.")
    previous, previous_effective = couple.individual_material_policy, couple_policy(couple)
    if policy != previous:
        couple.individual_material_policy = policy
        couple.save(update_fields=["individual_material_policy", "updated_at"])
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="confidentiality",
        obj=couple,
        request=request,
        channel=channel,
        detail={
            "from": previous,
            "to": policy,
            "effective_from": previous_effective,
            "effective_to": couple_policy(couple),
        },
    )
    return couple
