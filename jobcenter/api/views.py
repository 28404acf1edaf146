"""The API's own plumbing views: the base class every API view takes, and the OpenAPI
schema with its browsable documentation (Swagger UI from drf-spectacular-sidecar,
served by the app itself: no CDN)."""

from csp.decorators import csp_update
from django.utils import translation
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.generics import ListAPIView
from rest_framework.views import APIView


class DanishMessagesMixin:
    """The API works in Danish (our msgids are the Danish text), so that a problem's
    English can be looked up from the Danish message (``jobcenter.api.problems``)."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override("da"):
            return super().dispatch(request, *args, **kwargs)


class ApiView(DanishMessagesMixin, APIView):
    pass


class ApiListView(DanishMessagesMixin, ListAPIView):
    """A list, paged by cursor (``jobcenter.api.pagination``); ``ordering`` names the
    unique, indexed order the cursor follows."""

    ordering = "-pk"

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            paginator = super().paginator
            if paginator is not None:
                ordering = self.ordering
                paginator.ordering = (ordering,) if isinstance(ordering, str) else ordering
        return self._paginator


class SchemaView(DanishMessagesMixin, SpectacularAPIView):
    pass


# Swagger UI's script is a file of its own (the "split" view: no inline script); it
# draws its icons as data: images and sets style attributes.
@method_decorator(
    csp_update({"img-src": ["data:"], "style-src": ["'unsafe-inline'"]}), name="dispatch"
)
class DocsView(DanishMessagesMixin, SpectacularSwaggerSplitView):
    url_name = "api_schema"
