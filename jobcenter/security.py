"""Small pieces of the login's defences that other libraries call back into."""

import hashlib
import hmac

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend, UserModel


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


class StaffBackend(ModelBackend):
    """Django's password backend, loading the logged-in user of a request with what
    every page reads of them: the team and jobcenter (the header, the audit event's
    frozen team name) and the groups (the role), in two queries instead of four. Read
    fresh on every request: nothing about a user is kept between requests."""

    def get_user(self, user_id):
        user = (
            UserModel._default_manager.select_related("team", "jobcenter")
            .prefetch_related("groups")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
