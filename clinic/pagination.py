from rest_framework import pagination

from clinic.query_params import whole_number


class Pagination(pagination.PageNumberPagination):
    """Page-number pagination; `page_size` may be raised to 200 for exports and scripts. A page
    or page size that is not a whole number in range is a 400 (clinic/query_params.py)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        size = whole_number(request, self.page_size_query_param, low=1, high=self.max_page_size)
        return self.page_size if size is None else size

    def paginate_queryset(self, queryset, request, view=None):
        whole_number(request, self.page_query_param, low=1)
        return super().paginate_queryset(queryset, request, view)
