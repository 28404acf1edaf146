"""Each request gets a UUID that travels into log lines, audit rows and the
``X-Request-ID`` response header (after NetBox)."""

import uuid

from django.utils.functional import SimpleLazyObject

from jobcenter.request_context import RequestContext, reset_request_context, set_request_context


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4()
        token = set_request_context(
            RequestContext(
                request_id=request.id,
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                path=request.path[:300],
                user=SimpleLazyObject(lambda: getattr(request, "user", None)),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = str(request.id)
        return response
