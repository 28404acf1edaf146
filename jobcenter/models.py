"""The organisation: municipalities (jobcenters), their teams, and the staff who log in."""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class Role(models.TextChoices):
    """Roles are Django groups of these names; a user normally has exactly one."""

    CASEWORKER = "caseworker", _("Sagsbehandler")
    MANAGER = "manager", _("Leder")
    DPO = "dpo", _("Databeskyttelsesrådgiver")
    ANALYST = "analyst", _("Analytiker")
    ADMINISTRATOR = "administrator", _("Administrator")
    # The case system's integration: a user that logs in with an API key only, bound
    # to one jobcenter, never a person (issue 11).
    SERVICE = "service", _("Tjenestekonto")


class Jobcenter(models.Model):
    """One municipality's jobcenter: its own data controller. Every row that belongs to a
    municipality carries it, and every selector filters by it."""

    name = models.CharField(_("navn"), max_length=200, unique=True)
    municipality_code = models.CharField(_("kommunekode"), max_length=3, unique=True)
    dpo_contact = models.CharField(_("kontakt til databeskyttelsesrådgiver"), max_length=300)
    judgement_first = models.BooleanField(
        _("faglig vurdering før modellens estimat"),
        default=True,
        help_text=_("Sagsbehandleren registrerer sin egen vurdering, før estimatet vises."),
    )

    class Meta:
        verbose_name = _("jobcenter")
        verbose_name_plural = _("jobcentre")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of caseworkers. Its group carries the object permissions on the citizens
    whose spells the team holds."""

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("navn"), max_length=200)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="team", editable=False
    )
    phone = models.CharField(
        _("telefon"),
        max_length=30,
        blank=True,
        help_text=_("Teamets telefonnummer til borgerne; står i brevet til borgeren."),
    )
    email = models.EmailField(
        _("e-mail"),
        blank=True,
        help_text=_("Teamets e-mailadresse til borgerne; står i brevet til borgeren."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "name"], name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.jobcenter} / {self.name}"


class User(AbstractUser):
    """A member of staff. Users are deactivated, never deleted: the audit log keeps them."""

    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    phone = models.CharField(
        _("direkte telefon"),
        max_length=30,
        blank=True,
        help_text=_("Står i brevet til borgeren i stedet for teamets nummer."),
    )

    class Meta:
        verbose_name = _("medarbejder")
        verbose_name_plural = _("medarbejdere")

    @property
    def role(self) -> str | None:
        """The user's role (the first role group they belong to), cached per instance."""
        if not hasattr(self, "_role_cache"):
            names = {g.name for g in self.groups.all()}
            self._role_cache = next((r.value for r in Role if r.value in names), None)
        return self._role_cache

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and self.role in {r.value for r in roles}


class GrantRequest(models.Model):
    """A grant that takes two people (four eyes): the DPO role, or a team (which gives
    access to that team's citizens). An administrator asks for it in the admin; it takes
    effect only when another administrator or the DPO of the same jobcenter confirms.
    Both steps are audit events; the row keeps who decided and when."""

    class Kind(models.TextChoices):
        ROLE = "role", _("Rolle")
        TEAM = "team", _("Adgang til et teams borgere")

    class State(models.TextChoices):
        PENDING = "pending", _("Afventer bekræftelse")
        CONFIRMED = "confirmed", _("Bekræftet")
        REJECTED = "rejected", _("Afvist")

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="grant_requests")
    kind = models.CharField(_("art"), max_length=10, choices=Kind)
    role = models.CharField(_("rolle"), max_length=20, choices=Role, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(_("status"), max_length=10, choices=State, default=State.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("bemærkning"), blank=True)

    class Meta:
        verbose_name = _("tildeling til bekræftelse")
        verbose_name_plural = _("tildelinger til bekræftelse")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="role") & ~models.Q(role=""))
                | (models.Q(kind="team") & models.Q(team__isnull=False)),
                name="grantrequest_names_what",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.what()}"

    def what(self) -> str:
        if self.kind == self.Kind.ROLE:
            return str(Role(self.role).label)
        return str(self.team.name) if self.team_id else ""


class ServiceAccountKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self):
        return super().get_usable_keys().select_related("user")


class ServiceAccountKey(AbstractAPIKey):
    """The API key of a service account (the case system's integration): stored only
    as a hash (djangorestframework-api-key, SHA-512 of a high-entropy key), shown once
    at creation, with an expiry; revoked, never deleted (the audit log names it)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_keys")

    objects = ServiceAccountKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API-nøgle til tjenestekonto")
        verbose_name_plural = _("API-nøgler til tjenestekonti")
