"""The API's rule for query parameters: a parameter an operation documents is validated, and a
bad value is a 400 naming the parameter, never silently ignored.

- `page` and `page_size` are whole numbers (page_size 1-200); a page past the end is a 404.
- `ordering` names only the fields the operation lists (a leading "-" reverses), comma-separated.
- A filter's value is checked by its django-filter field (dates, UUIDs, choices, numbers); a
  yes/no filter takes `true` or `false`.
- A filter given empty (`?since=`) is refused: leave it out to not filter.
- A documented parameter given twice is refused, except a filter that takes several values
  (`?status=active&status=paused`).
- A parameter the operation does not document (as /api/schema/ lists them) is refused: a
  misspelt filter (`?satus=paused`) would otherwise answer every row as if it had filtered.
"""

from django.forms import NullBooleanField
from django.http import JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

SINGLE_VALUED = ("page", "page_size", "ordering", "search")


def single_value(request, name: str) -> str | None:
    """The one value of query parameter `name` (None when absent); 400 when given twice."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["Give this parameter once."]})
    return values[0] if values else None


def whole_number(request, name: str, *, low: int, high: int | None = None) -> int | None:
    """Query parameter `name` as a whole number within [low, high]; 400 naming it otherwise."""
    raw = single_value(request, name)
    if raw is None:
        return None
    bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
    if (
        not raw.isascii()
        or not raw.isdigit()
        or len(raw) > 9
        or not low <= int(raw) <= (high or int(raw))
    ):
        raise ValidationError({name: [f"Give a whole number {bound}."]})
    return int(raw)


BOOLEANS = {"true", "false"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend (a bad value is already a 400), refusing a single-valued
    filter given twice and a yes/no filter given anything but true or false (django-filter would
    read `?archived=maybe` as no filter at all)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for name, field in filterset.form.fields.items():
                several = getattr(field.widget, "allow_multiple_selected", False)
                values = request.query_params.getlist(name)
                if not several and len(values) > 1:
                    raise ValidationError({name: ["Give this parameter once."]})
                if any(value == "" for value in values):
                    raise ValidationError({name: ["Give a value, or leave the parameter out."]})
                if isinstance(field, NullBooleanField) and values and values[0] not in BOOLEANS:
                    raise ValidationError({name: ["Give true or false."]})
        return filterset


class StrictSearchFilter(filters.SearchFilter):
    def get_search_terms(self, request):
        single_value(request, self.search_param)
        return super().get_search_terms(request)


class StrictOrderingFilter(filters.OrderingFilter):
    """DRF's ordering, but an unknown field is a 400 listing the ones the operation offers
    (DRF would fall back to the default order without a word)."""

    def get_ordering(self, request, queryset, view):
        raw = single_value(request, self.ordering_param)
        if raw is not None:
            fields = [term.strip() for term in raw.split(",")]
            valid = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if f.lstrip("-") not in valid]
            if unknown or not fields:
                offered = ", ".join(sorted(valid)) or "none"
                raise ValidationError(
                    {self.ordering_param: [f"Order by one of: {offered} (prefix - to reverse)."]}
                )
        return super().get_ordering(request, queryset, view)


class UnknownQueryParameters:
    """Middleware: under /api/v1/, a query parameter the operation does not document is a 400
    naming it and the ones the operation takes, in the API's error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/api/v1/") or not request.GET:
            return None
        cls = getattr(view_func, "cls", None)
        method = "GET" if request.method == "HEAD" else request.method
        actions = getattr(view_func, "actions", None) or {}
        key = (cls, method, actions.get(method.lower()))
        from clinic.api_schema import documented_query_parameters

        documented = documented_query_parameters().get(key)
        if documented is None:  # not an operation of the schema (e.g. OPTIONS)
            return None
        unknown = sorted(set(request.GET) - documented)
        if not unknown:
            return None
        takes = ", ".join(sorted(documented)) or "no query parameters"
        message = f"Unknown query parameter; this operation takes: {takes}."
        return JsonResponse(
            {"detail": "Some fields need attention.", "errors": {n: [message] for n in unknown}},
            status=400,
        )
