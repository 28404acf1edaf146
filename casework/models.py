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
    # The keyset the token and the hash were made with (casework.cpr.cpr_keyset_id);
    # empty for rows from before keysets were recorded. See rotate_cpr_keys.
    cpr_keyset = models.CharField(_("nøglesæt"), max_length=16, blank=True, editable=False)
    name = models.CharField(_("navn"), max_length=200)
    birth_date = models.DateField(_("fødselsdato"), editable=False)
    gender = models.CharField(
        _("køn"),
        max_length=10,
        choices=[("female", _("kvinde")), ("male", _("mand"))],
        editable=False,
    )
    street_address = models.CharField(
        _("adresse"), max_length=200, blank=True, help_text=_("Vej, husnummer, etage og dør.")
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


class RiskBand(models.TextChoices):
    LOW = "low", _("Lav")
    MEDIUM = "medium", _("Middel")
    HIGH = "high", _("Høj")


class Agreement(models.TextChoices):
    AGREE = "agree", _("Enig med modellens estimat")
    DISAGREE = "disagree", _("Uenig med modellens estimat")
    NOT_SEEN = "not_seen", _("Har ikke set modellens estimat")


class JudgementReason(models.TextChoices):
    """Why the caseworker judges as they do; required when they disagree with the model."""

    KNOWN_INFORMATION = "known_information", _("Jeg kender oplysninger, som modellen ikke har")
    DATA_WRONG = "data_wrong", _("Oplysningerne bag estimatet er forkerte eller forældede")
    CITIZEN_SITUATION = "citizen_situation", _("Borgerens situation eller motivation")
    HEALTH_SOCIAL = "health_social", _("Helbred eller sociale forhold")
    LABOUR_MARKET = "labour_market", _("Det lokale arbejdsmarked")
    OTHER = "other", _("Andet")


class NextStep(models.TextChoices):
    """The planned next step: a type of offer (tilbud). Chosen by the caseworker only."""

    NONE_YET = "none_yet", _("Intet tilbud endnu – fortsat jobsøgning og samtaler")
    GUIDANCE = "guidance", _("Vejledning")
    UPSKILLING = "upskilling", _("Opkvalificering eller uddannelse")
    INTERNSHIP = "internship", _("Virksomhedspraktik")
    WAGE_SUBSIDY = "wage_subsidy", _("Ansættelse med løntilskud")
    MENTOR = "mentor", _("Mentorstøtte")
    OTHER = "other", _("Andet")


class Judgement(models.Model):
    """The caseworker's professional judgement (faglig vurdering) of one snapshot, beside
    the model's estimate when it was shown. Never updated: a new judgement supersedes."""

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    spell = models.ForeignKey(Spell, on_delete=models.PROTECT, related_name="judgements")
    snapshot = models.ForeignKey(
        AssessmentSnapshot, on_delete=models.PROTECT, related_name="judgements"
    )
    estimate = models.ForeignKey(
        Estimate, on_delete=models.PROTECT, null=True, blank=True, related_name="judgements"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judgements"
    )
    risk_band = models.CharField(_("egen vurdering af risiko"), max_length=10, choices=RiskBand)
    agreement = models.CharField(_("enighed med modellen"), max_length=10, choices=Agreement)
    reason_category = models.CharField(
        _("begrundelse"), max_length=30, choices=JudgementReason, blank=True
    )
    reason_text = models.TextField(_("begrundelse i egne ord"), blank=True)
    next_step = models.CharField(_("planlagt næste skridt"), max_length=20, choices=NextStep)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("faglig vurdering")
        verbose_name_plural = _("faglige vurderinger")
        constraints = [
            models.CheckConstraint(
                condition=~Q(agreement="disagree") | (~Q(reason_category="") & ~Q(reason_text="")),
                name="judgement_disagreement_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(agreement="not_seen") | Q(estimate__isnull=False),
                name="judgement_agreement_needs_estimate",
            ),
        ]
        indexes = [
            models.Index(fields=["spell", "caseworker", "created_at"], name="judgement_spell_user"),
        ]

    def __str__(self) -> str:
        return f"{self.spell_id}: {self.risk_band} ({self.agreement})"


class RevealAnswer(models.Model):
    """The caseworker's answer, once the estimate is shown, to whether they agree with
    it: recorded beside a judgement made before the estimate was seen (judgement first),
    which itself stays as it was ("not seen"). Never updated."""

    class Answer(models.TextChoices):
        AGREE = "agree", _("Enig med modellens estimat")
        DISAGREE = "disagree", _("Uenig med modellens estimat")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    judgement = models.OneToOneField(
        Judgement, on_delete=models.PROTECT, related_name="reveal_answer"
    )
    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, related_name="reveal_answers")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reveal_answers"
    )
    agreement = models.CharField(_("enighed med modellen"), max_length=10, choices=Answer)
    reason_category = models.CharField(
        _("begrundelse"), max_length=30, choices=JudgementReason, blank=True
    )
    reason_text = models.TextField(_("begrundelse i egne ord"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("svar efter visning af estimat")
        verbose_name_plural = _("svar efter visning af estimat")
        constraints = [
            models.CheckConstraint(
                condition=~Q(agreement="disagree") | (~Q(reason_category="") & ~Q(reason_text="")),
                name="reveal_answer_disagreement_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.judgement_id}: {self.agreement}"


class RuleFeedback(models.Model):
    """A caseworker's flag on one rule or input of an estimate: irrelevant or misleading
    for this citizen. The data team reads these."""

    class Kind(models.TextChoices):
        IRRELEVANT = "irrelevant", _("Irrelevant for denne borger")
        MISLEADING = "misleading", _("Misvisende for denne borger")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, related_name="feedback")
    model_version = models.ForeignKey(
        "prediction.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    feature = models.CharField(_("oplysning"), max_length=100)
    rule_text = models.TextField(_("regel"), blank=True)
    kind = models.CharField(_("art"), max_length=20, choices=Kind)
    comment = models.TextField(_("kommentar"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rule_feedback"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tilbagemelding på regel")
        verbose_name_plural = _("tilbagemeldinger på regler")
        indexes = [models.Index(fields=["model_version", "feature"], name="rulefeedback_feature")]

    def __str__(self) -> str:
        return f"{self.feature}: {self.kind}"


class Objection(models.Model):
    """The citizen objects to profiling (indsigelse). While it stands, no estimate is
    computed or shown for the citizen. Withdrawing it keeps the row."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("Ved personligt fremmøde eller samtale")
        PHONE = "phone", _("Telefonisk")
        LETTER = "letter", _("Brev")
        DIGITAL = "digital", _("Digital Post eller e-mail")
        JOBNET = "jobnet", _("Via Jobnet")
        OTHER = "other", _("Andet")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("modtaget"))
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel)
    note = models.TextField(_("bemærkning"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("trukket tilbage"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("indsigelse")
        verbose_name_plural = _("indsigelser")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"],
                condition=Q(withdrawn_at__isnull=True),
                name="objection_one_standing_per_citizen",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.received_on:%d-%m-%Y}"

    @property
    def is_standing(self) -> bool:
        return self.withdrawn_at is None


class BreakGlassAccess(models.Model):
    """Time-limited access to a citizen outside the user's caseload ("break the glass"),
    with a reason; always flagged for the DPO's review."""

    class Reason(models.TextChoices):
        COLLEAGUE_ABSENT = "colleague_absent", _("Den ansvarlige kollega er fraværende")
        CITIZEN_CONTACT = "citizen_contact", _("Borgeren har henvendt sig og skal have svar nu")
        CASE_TRANSFER = "case_transfer", _("Sagen er ved at blive overdraget til mig")
        OTHER = "other", _("Andet")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    reason_category = models.CharField(_("årsag"), max_length=30, choices=Reason)
    reason_text = models.TextField(_("begrundelse"))
    starts_at = models.DateTimeField(_("fra"))
    expires_at = models.DateTimeField(_("udløber"))
    flagged_for_dpo = models.BooleanField(
        _("markeret til databeskyttelsesrådgiveren"), default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nødadgang")
        verbose_name_plural = _("nødadgange")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("starts_at")),
                name="breakglass_expires_after_start",
            ),
            models.CheckConstraint(condition=~Q(reason_text=""), name="breakglass_has_reason"),
        ]
        indexes = [
            models.Index(fields=["user", "citizen", "expires_at"], name="breakglass_user_citizen"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.citizen_id} til {self.expires_at:%d-%m-%Y %H:%M}"


class ImportUpload(models.Model):
    """A file an administrator uploaded to the import page, kept server-side between the
    preview and the confirmation (never in the session), with the preview's findings and
    the import's progress. Scoped to its jobcenter and the one who uploaded it."""

    class State(models.TextChoices):
        PREVIEW_QUEUED = "preview_queued", _("Gennemsyn i kø")
        PREVIEWING = "previewing", _("Gennemses")
        PREVIEWED = "previewed", _("Gennemset")
        QUEUED = "queued", _("I kø")
        RUNNING = "running", _("I gang")
        DONE = "done", _("Importeret")
        FAILED = "failed", _("Mislykkedes")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("filnavn"), max_length=255)
    content = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    state = models.CharField(_("status"), max_length=20, choices=State, default=State.PREVIEWED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The preview's or the import's report: counts per record type, problems, encoding.
    report = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("importfil")
        verbose_name_plural = _("importfiler")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["jobcenter", "created_at"], name="importupload_recent")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_busy(self) -> bool:
        return self.state in {
            self.State.PREVIEW_QUEUED,
            self.State.PREVIEWING,
            self.State.QUEUED,
            self.State.RUNNING,
        }


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a client sent with a write to the API: the request's hash
    and the first response, so a retried request gets the same answer and does not run
    twice. Per account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"
