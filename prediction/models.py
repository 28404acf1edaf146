"""The prediction engine's own data. It never imports casework."""

import hashlib
import uuid
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prediction.model_card import card_quality_gate
from prediction.specification import Specification, specification_from_dict

JOBCENTER = "jobcenter.Jobcenter"


class FeatureSpec(models.Model):
    """A registered feature specification: the TOML a data team wrote, exactly as written,
    and its parsed form. A changed file is a new version, never an edit in place.

    A specification belongs to one jobcenter, or (``jobcenter`` empty) is national: any
    jobcenter may adopt it, and trains its own models on it from its own records."""

    jobcenter = models.ForeignKey(
        JOBCENTER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jobcenter"),
        help_text=_("tom: en national specifikation, som ethvert jobcenter kan bruge"),
    )
    name = models.CharField(_("navn"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    title_da = models.CharField(_("titel (dansk)"), max_length=300)
    title_en = models.CharField(_("titel (engelsk)"), max_length=300)
    source_toml = models.TextField(_("specifikation (TOML)"))
    sha256 = models.CharField(max_length=64)
    definition = models.JSONField(_("fortolket specifikation"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("featurespecifikation")
        verbose_name_plural = _("featurespecifikationer")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"],
                condition=models.Q(jobcenter__isnull=True),
                name="featurespec_name_version",
            ),
            models.UniqueConstraint(
                fields=["jobcenter", "name", "version"],
                condition=models.Q(jobcenter__isnull=False),
                name="featurespec_jobcenter_name_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @staticmethod
    def digest(source_toml: str) -> str:
        return hashlib.sha256(source_toml.encode("utf-8")).hexdigest()

    @property
    def specification(self) -> Specification:
        """The parsed specification. A registered specification never changes (its
        definition is parsed from the source whose SHA-256 it carries, and another
        content needs another version), so the parse is kept per process by that
        digest: the citizen page reads it on every request."""
        cached = getattr(self, "_specification", None)
        if cached is None:
            cached = _PARSED_BY_DIGEST.get(self.sha256) if self.sha256 else None
            if cached is None:
                cached = specification_from_dict(self.definition)
                if self.sha256:
                    _PARSED_BY_DIGEST[self.sha256] = cached
            self._specification = cached
        return cached


# Parsed specifications by the SHA-256 of their source (see FeatureSpec.specification).
_PARSED_BY_DIGEST: dict[str, Specification] = {}


class TrainingRecord(models.Model):
    """One spell of history in the engine's own, pseudonymised training store: a record
    id, the as-of date, the inputs and protected attributes as the specification names
    them, and the 12-month outcome. No names, no CPR numbers. Fed by imported history
    files and by casework's closed spells. A record belongs to the jobcenter whose
    history it is: each jobcenter trains on its own records only."""

    class Source(models.TextChoices):
        IMPORT = "import", _("importeret historik")
        CASEWORK = "casework", _("afsluttede forløb")

    jobcenter = models.ForeignKey(JOBCENTER, on_delete=models.PROTECT, related_name="+")
    specification = models.ForeignKey(
        FeatureSpec, on_delete=models.PROTECT, related_name="training_records"
    )
    record_id = models.CharField(_("forløbs-id"), max_length=100)
    as_of = models.DateField(_("opgjort pr."), null=True, blank=True)
    inputs = models.JSONField(_("input"))
    protected = models.JSONField(_("beskyttede oplysninger"), default=dict)
    outcome = models.BooleanField(_("stadig ledig efter 12 måneder"))
    source = models.CharField(max_length=20, choices=Source.choices)
    content_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("træningspost")
        verbose_name_plural = _("træningsposter")
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "specification", "record_id"],
                name="trainingrecord_spec_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specification_id}:{self.record_id}"


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("kandidat")
    APPROVED = "approved", _("godkendt")
    ACTIVE = "active", _("aktiv")
    RETIRED = "retired", _("udfaset")
    REJECTED = "rejected", _("afvist")


class ModelVersion(models.Model):
    """One trained model: its parameters, data window, metrics, model card and the
    artefact itself (skops bytes, never pickle) with its SHA-256, checked on every load.
    A version belongs to the jobcenter that trained it on its own records; at most one
    version per jobcenter and specification is active (a database constraint)."""

    jobcenter = models.ForeignKey(JOBCENTER, on_delete=models.PROTECT, related_name="+")
    specification = models.ForeignKey(
        FeatureSpec, on_delete=models.PROTECT, related_name="model_versions"
    )
    number = models.PositiveIntegerField(_("versionsnummer"))
    status = models.CharField(
        _("status"), max_length=20, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE
    )
    parameters = models.JSONField(_("parametre"), default=dict)
    data_from = models.DateField(_("data fra"), null=True, blank=True)
    data_to = models.DateField(_("data til"), null=True, blank=True)
    n_train = models.PositiveIntegerField(_("antal til træning"))
    n_test = models.PositiveIntegerField(_("antal til test"))
    base_rate = models.FloatField(_("basisrate"))
    metrics = models.JSONField(_("målinger"), default=dict)
    model_card = models.JSONField(_("modelkort"), default=dict)
    artifact = models.BinaryField(_("artefakt (skops)"))
    artifact_sha256 = models.CharField(max_length=64)
    sklearn_version = models.CharField(max_length=20)
    numpy_version = models.CharField(max_length=20)
    training_fingerprint = models.CharField(
        max_length=64, help_text=_("SHA-256 af træningsdata; uændrede data giver ingen ny model")
    )
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    trained_at = models.DateTimeField(_("trænet"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("vurderet"), null=True, blank=True)
    review_note = models.TextField(_("bemærkning"), blank=True)
    activated_at = models.DateTimeField(_("aktiveret"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("den version, der var aktiv, da denne blev aktiveret (til tilbagerulning)"),
    )
    retired_at = models.DateTimeField(_("udfaset"), null=True, blank=True)

    class Meta:
        verbose_name = _("modelversion")
        verbose_name_plural = _("modelversioner")
        ordering = ["specification_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "specification", "number"], name="modelversion_spec_number"
            ),
            models.UniqueConstraint(
                fields=["jobcenter", "specification"],
                condition=models.Q(status="active"),
                name="modelversion_one_active_per_spec",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specification.name} model v{self.number}"

    @property
    def band_cutoffs(self) -> tuple[float, float]:
        cutoffs = self.parameters.get("band_cutoffs", (0.3, 0.6))
        return float(cutoffs[0]), float(cutoffs[1])

    @cached_property
    def quality_gate(self) -> dict:
        """The quality gate's verdict on this version's card (see
        ``prediction.model_card.card_quality_gate``), at the configured gap threshold."""
        return card_quality_gate(self.model_card, gap_threshold=settings.PREDICTION_GAP_THRESHOLD)


class TrainingSample(models.Model):
    """A seeded sample of a version's training inputs, the reference for drift."""

    model_version = models.OneToOneField(
        ModelVersion, on_delete=models.CASCADE, primary_key=True, related_name="training_sample"
    )
    columns = models.JSONField()

    def __str__(self) -> str:
        return f"sample of {self.model_version_id}"


class TrainingRun(models.Model):
    """One request to train: who asked, how far it got, and what came of it. A page polls
    it; the task that does the work takes its id."""

    class State(models.TextChoices):
        QUEUED = "queued", _("i kø")
        RUNNING = "running", _("i gang")
        SUCCEEDED = "succeeded", _("færdig")
        UNCHANGED = "unchanged", _("data uændrede")
        FAILED = "failed", _("fejlet")

    class Trigger(models.TextChoices):
        BUTTON = "button", _("knap")
        COMMAND = "command", _("kommando")
        SCHEDULE = "schedule", _("tidsplan")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    jobcenter = models.ForeignKey(JOBCENTER, on_delete=models.PROTECT, related_name="+")
    specification = models.ForeignKey(
        FeatureSpec, on_delete=models.PROTECT, related_name="training_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("træningskørsel")
        verbose_name_plural = _("træningskørsler")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.specification_id} {self.state} {self.progress}%"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.UNCHANGED, self.State.FAILED}


class ScoringControl(models.Model):
    """A jobcenter's human oversight switches: the stop for all of its scoring, and
    whether a good enough candidate may be activated without a person. One row per
    jobcenter (none yet means: running, no auto-promotion)."""

    jobcenter = models.OneToOneField(
        JOBCENTER, on_delete=models.PROTECT, related_name="scoring_control"
    )
    scoring_paused = models.BooleanField(_("beregning af estimater sat på pause"), default=False)
    pause_reason = models.TextField(_("begrundelse"), blank=True)
    auto_promote = models.BooleanField(_("automatisk aktivering"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("styring af beregning af estimater")
        verbose_name_plural = _("styring af beregning af estimater")

    def __str__(self) -> str:
        return "paused" if self.scoring_paused else "running"


class DriftReport(models.Model):
    """Population stability of each input: recent snapshots against the training data."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="drift_reports"
    )
    computed_at = models.DateTimeField(default=timezone.now)
    n_current = models.PositiveIntegerField()
    features = models.JSONField()
    max_psi = models.FloatField()

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"drift {self.model_version_id} {self.computed_at:%Y-%m-%d}"
