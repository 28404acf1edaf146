"""Citizens, their unemployment spells, meetings, the assessment snapshot taken after the
second meeting, and the 12-month outcome."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.cpr import cpr_mask


class Citizen(models.Model):
    """A citizen (borger). The CPR number is stored only encrypted and as a keyed hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    cpr_encrypted = models.TextField(_("CPR-nummer (krypteret)"), editable=False)
    cpr_hash = models.CharField(_("CPR-nummer (nøglehash)"), max_length=64, editable=False)
    name = models.CharField(_("navn"), max_length=200)
    birth_date = models.DateField(_("fødselsdato"), editable=False)
    gender = models.CharField(
        _("køn"),
        max_length=10,
        choices=[("female", _("kvinde")), ("male", _("mand"))],
        editable=False,
    )
    postal_code = models.CharField(_("postnummer"), max_length=4, blank=True)
    citizenship = models.CharField(_("statsborgerskab"), max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("borger")
        verbose_name_plural = _("borgere")
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "cpr_hash"], name="citizen_unique_cpr"),
        ]
        indexes = [models.Index(fields=["jobcenter", "name"], name="citizen_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def cpr_masked(self) -> str:
        """DDMMYY-XXXX: the birth date part only, computed without decrypting."""
        return cpr_mask(self.birth_date.strftime("%d%m%y"))

    def age_on(self, day: datetime.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class CitizenGroupObjectPermission(GroupObjectPermissionBase):
    """django-guardian's object permission for a team's group, with a real foreign key so
    permission-filtered queries stay fast on a million citizens."""

    content_object = models.ForeignKey(Citizen, on_delete=models.CASCADE)


class CitizenUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Citizen, on_delete=models.CASCADE)


class BenefitType(models.TextChoices):
    DAGPENGE = "dagpenge", _("Dagpenge")
    KONTANTHJAELP_JOBPARAT = "kontanthjaelp_jobparat", _("Kontanthjælp, jobparat")
    KONTANTHJAELP_AKTIVITETSPARAT = (
        "kontanthjaelp_aktivitetsparat",
        _("Kontanthjælp, aktivitetsparat"),
    )
    UDDANNELSESHJAELP = "uddannelseshjaelp", _("Uddannelseshjælp")


class Spell(models.Model):
    """One unemployment spell (ledighedsforløb) of one citizen: the unit of prediction."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(_("eksternt id"), max_length=64)
    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="spells")
    team = models.ForeignKey("jobcenter.Team", on_delete=models.PROTECT, related_name="spells")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spells",
    )
    benefit_type = models.CharField(_("ydelse"), max_length=40, choices=BenefitType.choices)
    start_date = models.DateField(_("startdato"))
    end_date = models.DateField(_("slutdato"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledighedsforløb")
        verbose_name_plural = _("ledighedsforløb")
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "external_id"], name="spell_unique_external_id"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="spell_end_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["caseworker", "start_date"],
                name="spell_open_by_caseworker",
                condition=Q(end_date__isnull=True),
            ),
            models.Index(
                fields=["team", "start_date"],
                name="spell_open_by_team",
                condition=Q(end_date__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.get_benefit_type_display()})"

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class Meeting(models.Model):
    """A meeting (samtale), numbered within its spell."""

    spell = models.ForeignKey(Spell, on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveSmallIntegerField(_("nummer"))
    held_on = models.DateField(_("dato"))

    class Meta:
        verbose_name = _("samtale")
        verbose_name_plural = _("samtaler")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["spell", "number"], name="meeting_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. samtale {self.held_on:%d-%m-%Y}"


class AssessmentSnapshot(models.Model):
    """The model's inputs as of the spell's second meeting, each value with its source and
    date, validated against a feature specification. Never updated: a correction is a new
    snapshot that names the one it corrects, and both are kept."""

    spell = models.ForeignKey(Spell, on_delete=models.PROTECT, related_name="snapshots")
    specification = models.ForeignKey("prediction.FeatureSpec", on_delete=models.PROTECT)
    as_of = models.DateField(_("opgjort pr."))
    values = models.JSONField(
        _("oplysninger"),
        help_text=_('{"feature": {"value": ..., "source": "...", "date": "YYYY-MM-DD"}}'),
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    correction_reason = models.TextField(_("begrundelse for rettelse"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vurderingsgrundlag")
        verbose_name_plural = _("vurderingsgrundlag")
        constraints = [
            models.UniqueConstraint(
                fields=["spell"],
                condition=Q(corrects__isnull=True),
                name="snapshot_one_original_per_spell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spell_id} pr. {self.as_of:%d-%m-%Y}"

    def value(self, feature_name: str):
        entry = self.values.get(feature_name)
        return entry.get("value") if entry else None


class Outcome(models.Model):
    """Whether the citizen was still unemployed (on benefits) 12 months after meeting 2.
    Known only a year later; until then the spell has none."""

    spell = models.OneToOneField(
        Spell, on_delete=models.PROTECT, primary_key=True, related_name="outcome"
    )
    unemployed_12m = models.BooleanField(_("stadig ledig efter 12 måneder"))
    observed_on = models.DateField(_("observeret"))
    source = models.CharField(_("kilde"), max_length=100, default="DREAM")

    class Meta:
        verbose_name = _("udfald")
        verbose_name_plural = _("udfald")

    def __str__(self) -> str:
        return f"{self.spell_id}: {'ledig' if self.unemployed_12m else 'ikke ledig'}"


class Estimate(models.Model):
    """What one model version estimated for one snapshot. Written when a version becomes
    active (re-scoring the open spells) and whenever a snapshot is scored; never
    changed afterwards, so what a caseworker saw can always be shown again."""

    class Band(models.TextChoices):
        LOW = "low", _("lav")
        MEDIUM = "medium", _("middel")
        HIGH = "high", _("høj")

    snapshot = models.ForeignKey(
        AssessmentSnapshot, on_delete=models.PROTECT, related_name="estimates"
    )
    spell = models.ForeignKey(Spell, on_delete=models.PROTECT, related_name="estimates")
    model_version = models.ForeignKey(
        "prediction.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    probability = models.FloatField(_("sandsynlighed"), null=True, blank=True)
    band = models.CharField(_("risikogruppe"), max_length=10, choices=Band.choices, blank=True)
    leaf_id = models.IntegerField(null=True, blank=True)
    missing_inputs = models.JSONField(_("manglende input"), default=list, blank=True)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("estimat")
        verbose_name_plural = _("estimater")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "model_version"], name="estimate_snapshot_version"
            ),
        ]
        indexes = [models.Index(fields=["spell", "model_version"], name="estimate_spell_version")]

    def __str__(self) -> str:
        return f"{self.spell_id} v{self.model_version_id}: {self.band or '-'}"

    @property
    def is_scored(self) -> bool:
        return self.probability is not None
