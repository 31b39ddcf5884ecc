"""What the OpenAPI schema (drf-spectacular) says beyond what it infers (the error answers every
operation can give, which answers are paged), and the query parameters each operation documents,
which clinic/query_params.py holds requests to."""

from functools import cache

from drf_spectacular import openapi

# (view class, HTTP method, viewset action or None) -> the query parameters it documents; filled
# while the schema is generated (AutoSchema.get_operation).
_QUERY_PARAMETERS: dict[tuple[type, str, str | None], frozenset[str]] = {}

ERROR_SCHEMA = {
    "type": "object",
    "description": "The API's one error shape (clinic/api_errors.py): what went wrong and, for "
    "invalid input, the messages of each field or query parameter.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail"],
    "additionalProperties": True,
}
# What any operation may answer besides its documented success.
ERROR_RESPONSES = {
    "400": "Invalid input or query parameter: `errors` names each one and what is wrong.",
    "401": "No valid credentials.",
    "403": "A known caller without the right (e.g. admin only, second factor): `detail` says why.",
    "404": "No such object for this caller (another clinic's or client's objects included).",
    "429": "Too many requests; retry after the time in the Retry-After header.",
}
CHANGE_RESPONSES = {
    "409": "The object changed meanwhile, or is in a state that does not allow this.",
    "415": "The body is not JSON (or, where a file is uploaded, multipart).",
}
METHODS = {"get", "post", "put", "patch", "delete"}


def document_errors(result, generator, request, public):
    """Postprocessing hook: every operation documents the error answers it can give, in the one
    error shape, so a client (and tests/clinic/test_api_properties.py) can rely on them."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            codes = ERROR_RESPONSES | (CHANGE_RESPONSES if method != "get" else {})
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                responses.setdefault(code, {"description": description, "content": error})
    return result


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            key = (type(self.view), self.method.upper(), getattr(self.view, "action", None))
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            _QUERY_PARAMETERS[key] = frozenset(names)
        return operation

    def _lists(self) -> bool:
        action = getattr(self.view, "action", None)
        return action is None or action == "list"

    def _get_paginator(self):
        # Only a list action pages its answer: a create or a detail action answering several
        # rows (a note's addenda, one report per audience) answers them all, as a plain list.
        return super()._get_paginator() if self._lists() else None

    def get_filter_backends(self):
        # ...and only a list action filters, orders and searches: a detail action answering
        # several rows takes none of the list's parameters (they would be refused).
        return super().get_filter_backends() if self._lists() else []


@cache
def documented_query_parameters() -> dict[tuple[type, str, str | None], frozenset[str]]:
    """Every operation's documented query parameters, from one generation of the schema (about a
    second, once per process)."""
    from drf_spectacular.generators import SchemaGenerator

    SchemaGenerator().get_schema(request=None, public=True)
    return dict(_QUERY_PARAMETERS)
