from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    """Page-number pagination; `page_size` may be raised to 200 for exports and scripts."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
