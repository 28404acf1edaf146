"""Every list of the API is paged by an opaque cursor (``?cursor=``), never by offset:
a deep page costs what the first one does, and a row arriving meanwhile neither repeats
nor hides another."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"
