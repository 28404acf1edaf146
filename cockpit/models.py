"""The cockpit's own data: summary tables a task computes, the runs that computed them,
and the alerts they raised. Nothing here names a caseworker: figures exist for a
jobcenter and its teams only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SummaryRun(models.Model):
    """One computation of a jobcenter's summary tables. The page shows the newest
    finished one, and the state of one in progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("i kø")
        RUNNING = "running", _("i gang")
        SUCCEEDED = "succeeded", _("færdig")
        FAILED = "failed", _("fejlet")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    month = models.DateField(
        _("kun måneden"), null=True, blank=True, help_text=_("tom: alle måneder")
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    reports = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("beregning af overblik")
        verbose_name_plural = _("beregninger af overblik")
        indexes = [models.Index(fields=["jobcenter", "state", "finished_at"], name="run_latest")]

    def __str__(self) -> str:
        return f"{self.jobcenter_id} {self.state} {self.progress}%"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}


class SummaryCell(models.Model):
    """One figure of one measure: a count ``n`` (citizens, judgements or events), with
    ``k`` (of them, still unemployed after 12 months, or right) and ``s`` (a sum of
    probabilities) where the measure needs them.

    The cells of a measure form a grid: team (each team large enough to be shown, the
    pool of small teams, and the jobcenter's total) x benefit type (each, and all) x
    month (each, and all months) x category (each, and the total). ``hidden`` says the
    cell is shown as "<5": on fewer than 5, or hidden so that it cannot be recovered by
    subtracting the others from a total (see ``cockpit.suppression``)."""

    class Scope(models.TextChoices):
        TOTAL = "total", _("hele jobcentret")
        TEAM = "team", _("team")
        POOL = "pool", _("små teams samlet")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.CASCADE)
    measure = models.CharField(max_length=60)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    team = models.ForeignKey(
        "jobcenter.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    benefit_type = models.CharField(max_length=40, blank=True)
    month = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=60, blank=True)
    n = models.PositiveIntegerField(default=0)
    k = models.PositiveIntegerField(default=0)
    s = models.FloatField(default=0.0)
    hidden = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("celle i overblik")
        verbose_name_plural = _("celler i overblik")
        indexes = [
            models.Index(
                fields=["jobcenter", "scope", "team", "benefit_type", "measure", "month"],
                name="cell_slice",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="team", team__isnull=False) | (~Q(scope="team") & Q(team=None)),
                name="cell_team_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.scope} {self.month} {self.category}: {self.n}"


class Alert(models.Model):
    """Something a manager should act on, raised by a summary run. The first time an
    alert is raised it is an audit event; it stays one row while it lasts."""

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=30)
    details = models.JSONField(default=dict)
    first_raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("advarsel")
        verbose_name_plural = _("advarsler")
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "key"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jobcenter_id} {self.key}"


class RuleFeedbackReview(models.Model):
    """The data team's mark on one caseworker's flag on a rule: read, or acted on (for
    the next model). One row per flag; a later mark replaces the state. The flag itself
    stays as the caseworker wrote it."""

    class State(models.TextChoices):
        READ = "read", _("læst")
        ACTED = "acted", _("handlet på")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    feedback = models.OneToOneField(
        "casework.RuleFeedback", on_delete=models.PROTECT, related_name="review"
    )
    state = models.CharField(_("status"), max_length=10, choices=State.choices)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("behandlet"))

    class Meta:
        verbose_name = _("behandling af tilbagemelding på regel")
        verbose_name_plural = _("behandlinger af tilbagemeldinger på regler")

    def __str__(self) -> str:
        return f"{self.feedback_id}: {self.state}"
