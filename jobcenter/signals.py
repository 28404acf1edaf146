"""Role changes made outside our services are audited too.

A user's role and team are Django groups, and the admin (or a shell) can change them
without passing through ``jobcenter.services``. This listener hands every change of
``User.groups``, from either side of the relation, to the service
``user_groups_change_record``, which records one ROLE_CHANGE event per user inside the
same transaction as the change (Django runs ``add``/``remove``/``clear`` and their
signals inside ``transaction.atomic``). Services that record their own event, such as
``staff_create``, suppress it with ``groups_change_recorded_by_caller()``.

(The login signal below writes no event: it only starts the session's clock. The
lockout signal of django-axes, a library we do not own either, hands its event to
``login_lockout_record``.)

This is the one place an audit event starts from a signal: the change itself can come
from code we do not own. The listener never returns early for a missing request (work in
commands and tasks is recorded too, without an actor).
"""

from axes.signals import user_locked_out
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from jobcenter.middleware import session_lifetime_start
from jobcenter.models import User
from jobcenter.services import login_lockout_record, user_groups_change_record

_BEFORE_CLEAR = "_audit_groups_before_clear"


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups_changed")
def user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":
        # Remember what is about to go: post_clear carries no primary keys.
        related = instance.user_set if reverse else instance.groups
        setattr(instance, _BEFORE_CLEAR, set(related.values_list("pk", flat=True)))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    pks = instance.__dict__.pop(_BEFORE_CLEAR, set()) if action == "post_clear" else pk_set
    if not pks:
        return
    added = action == "post_add"
    if not reverse:  # user.groups.add(...): one user, some groups
        groups = list(Group.objects.filter(pk__in=pks))
        pairs = [(instance, groups)]
    else:  # group.user_set.add(...): one group, some users
        pairs = [(user, [instance]) for user in User.objects.filter(pk__in=pks).order_by("pk")]
    for user, groups in pairs:
        user_groups_change_record(
            user=user, added=groups if added else (), removed=() if added else groups
        )


@receiver(user_logged_in, dispatch_uid="jobcenter.session_lifetime_start")
def _session_lifetime_start(sender, request, user, **kwargs):
    """Every way in (the login page, the admin's, a test client's) starts the session's
    absolute lifetime at login (jobcenter.middleware.SessionLifetimeMiddleware)."""
    if request is not None and hasattr(request, "session"):
        session_lifetime_start(request)


@receiver(user_locked_out, dispatch_uid="jobcenter.login_lockout_audit")
def _login_lockout_audit(sender, request, username=None, ip_address=None, **kwargs):
    """django-axes locked a name out (or refused one that is locked): an event. Axes
    hands us only its keyed hash of the name; the name tried comes from the form."""
    tried = request.POST.get("username", "") if request is not None else ""
    login_lockout_record(username=tried)
