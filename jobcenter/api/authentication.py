"""Who is calling the API: the case system by its service account's key
(``Authorization: Api-Key <key>``), or a person by their session (with CSRF, and the
second factor, which ``jobcenter.middleware`` still asks of a session)."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from jobcenter.models import Role, ServiceAccountKey

KEYWORD = "Api-Key"


def api_key_sent(request) -> bool:
    """Whether the request carries an API key (before anything checks it)."""
    keyword, _sep, _key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return keyword.lower() == KEYWORD.lower()


class ServiceAccountKeyAuthentication(authentication.BaseAuthentication):
    """The service account whose unexpired, unrevoked key the request sends; a key
    that is unknown, expired or revoked, or whose account is deactivated or is not a
    service account, is a 401 (the same one for each: a refusal says as little as it
    can). Without a key, the next authentication (the session) is asked."""

    key_parser = KeyParser()

    def authenticate(self, request):
        key = self.key_parser.get(request)
        if key is None:
            return None
        try:
            record = ServiceAccountKey.objects.get_from_key(key.strip())
        except ServiceAccountKey.DoesNotExist:
            record = None
        user = record.user if record is not None else None
        if (
            record is None
            or record.has_expired
            or user is None
            or not user.has_role(Role.SERVICE)
            or user.jobcenter_id is None
        ):
            raise exceptions.AuthenticationFailed(
                _("API-nøglen er ukendt, udløbet eller tilbagekaldt.")
            )
        return user, record

    def authenticate_header(self, request):
        return KEYWORD


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF enforced on every unsafe method), for people
    only: a service account never works through a session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].has_role(Role.SERVICE):
            return None
        return result
