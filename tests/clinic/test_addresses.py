"""`address_of_each` gives what `reverse` gives for every record, the route reversed once."""

import uuid

from django.urls import reverse

from clinic.addresses import address_of_each


def test_each_address_is_the_route_reversed_for_that_record():
    couple_id = uuid.uuid4()
    void = address_of_each(
        "staff-log-void", "log_id", clinic_slug="harbour", couple_id=couple_id, kind="check-in"
    )
    for log_id in (uuid.uuid4(), uuid.uuid4(), uuid.UUID(int=0)):
        expected = reverse(
            "staff-log-void",
            kwargs={
                "clinic_slug": "harbour",
                "couple_id": couple_id,
                "kind": "check-in",
                "log_id": log_id,
            },
        )
        assert void(log_id) == expected
    answers = address_of_each("assessment-response", "response_id", clinic_slug="riverside")
    response_id = uuid.uuid4()
    assert answers(response_id) == reverse(
        "assessment-response", kwargs={"clinic_slug": "riverside", "response_id": response_id}
    )
