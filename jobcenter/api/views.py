"""The API's own plumbing views: the base class every API view takes, and the OpenAPI
schema with its browsable documentation (Swagger UI from drf-spectacular-sidecar,
served by the app itself: no CDN)."""

from csp.decorators import csp_update
from django.conf import settings
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.generics import ListAPIView
from rest_framework.views import APIView

from jobcenter.api.problems import PayloadTooLarge


class DanishMessagesMixin:
    """The API works in Danish (our msgids are the Danish text), so that a problem's
    English can be looked up from the Danish message (``jobcenter.api.problems``)."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override("da"):
            return super().dispatch(request, *args, **kwargs)


class MethodFirstMixin:
    """A method the endpoint does not have is a 405 before anything else: the address
    is in the public schema anyway, and a refused role's 404 is for the methods it has.
    A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 before it is read (DRF's
    parsers read the stream past Django's own check)."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            self.format_kwarg = self.get_format_suffix(**kwargs)
            raise exceptions.MethodNotAllowed(request.method)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            raise PayloadTooLarge(_("Forespørgslen er større, end API'et tager imod."))
        super().initial(request, *args, **kwargs)


class ApiView(DanishMessagesMixin, MethodFirstMixin, APIView):
    pass


class ApiListView(DanishMessagesMixin, MethodFirstMixin, ListAPIView):
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


class SchemaView(DanishMessagesMixin, MethodFirstMixin, SpectacularAPIView):
    pass


# Swagger UI's script is a file of its own (the "split" view: no inline script); it
# draws its icons as data: images and sets style attributes.
@method_decorator(
    csp_update({"img-src": ["data:"], "style-src": ["'unsafe-inline'"]}), name="dispatch"
)
class DocsView(DanishMessagesMixin, MethodFirstMixin, SpectacularSwaggerSplitView):
    url_name = "api_schema"
