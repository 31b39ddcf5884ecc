"""The addresses of many records of one kind, with the route reversed once.

Reversing a route costs about as much as writing the rest of a table row, and a couple's page
links dozens of entries of one kind (each log's take-back form, each questionnaire's answers).
"""

import uuid
from collections.abc import Callable

from django.urls import reverse

# Stands for the record's id while the route is reversed; a UUID, as the routes' <uuid:...>.
_ANY = uuid.UUID(int=0)


def address_of_each(name: str, id_kwarg: str, **kwargs) -> Callable[[object], str]:
    """A function giving `reverse(name, kwargs={**kwargs, id_kwarg: pk})` for any `pk`."""
    before, _, after = reverse(name, kwargs={**kwargs, id_kwarg: _ANY}).rpartition(str(_ANY))
    return lambda pk: f"{before}{pk}{after}"
