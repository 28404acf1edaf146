"""Small pieces of the login's defences that other libraries call back into."""

import hashlib
import hmac

from axes.backends import AxesStandaloneBackend
from django.conf import settings


def keyed_username(username: str) -> str:
    """A user name as django-axes keeps it: a keyed hash, so its table never holds a CPR
    number or a password typed into the name field, and the same name always maps to
    the same row (which the lockout and the administrator's unlock need)."""
    key = hashlib.sha256(("axes-username:" + settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, username.strip().casefold().encode("utf-8", "replace"), "sha256")
    return digest.hexdigest()[:40]


def axes_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the name tried, from the credentials or the login form."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return keyed_username(username) if username else None


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for the logins that come through a request: the login page
    (which the admin's login also goes through). An ``authenticate()`` without a request
    (a shell, a test client's ``login``) has no caller to throttle, and is let through
    to the next backend instead of raising."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
