"""View decorators shared by the apps' pages."""

from functools import wraps

from django.http import Http404

from jobcenter.models import Role

__all__ = ["jobcenter_role_required"]


def jobcenter_role_required(*roles: Role):
    """Staff of a jobcenter with one of ``roles``, or a 404: the same answer as for a
    page that does not exist, so nobody else learns that it does."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (
                getattr(user, "is_authenticated", False)
                and user.has_role(*roles)
                and user.jobcenter_id is not None
            ):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
