"""The OpenAPI schema's shared parts: the two ways in (API key, session) and the
problem details (RFC 9457) every operation may answer with."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details, in Danish (detail, detail_da) and English.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "detail_da": {"type": "string"},
        "detail_en": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message_da": {"type": "string"},
                    "message_en": {"type": "string"},
                },
                "required": ["field", "code", "message_da", "message_en"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "instance"],
}

ERROR_STATUSES = {
    "400": "Invalid request (validation problem with `errors`)",
    "401": "No or an unknown, expired or revoked API key / no session",
    "403": "Refused (CSRF, second factor, service account through a session)",
    "404": "Not found, or not visible to the caller",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Refused in the current state (the citizen's objection)",
    "413": "Request too large",
    "415": "Unsupported media type",
    "429": "Too many requests from this account (see Retry-After)",
    "500": "Unexpected error (logged; no details)",
}


def problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the problems."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": content}
                )
    return result


class ServiceAccountKeyScheme(OpenApiAuthenticationExtension):
    target_class = "jobcenter.api.authentication.ServiceAccountKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a service account's key (docs/api.md).",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "jobcenter.api.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
