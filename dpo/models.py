"""The DPO's own records: the review of each break-the-glass access."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BreakGlassReview(models.Model):
    """The DPO's verdict on one break-the-glass event of the audit log. The event is
    named by its id, not a foreign key: retention may remove old events in bulk, and the
    review must not stop it (the review's own audit event keeps the verdict)."""

    class Verdict(models.TextChoices):
        JUSTIFIED = "justified", _("Begrundet")
        NOT_JUSTIFIED = "not_justified", _("Ikke begrundet")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    event_id = models.BigIntegerField(_("hændelse"), unique=True)
    verdict = models.CharField(_("vurdering"), max_length=20, choices=Verdict.choices)
    note = models.TextField(_("bemærkning"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gennemgang af nødadgang")
        verbose_name_plural = _("gennemgange af nødadgange")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.verdict}"


class IntegrityCheckRun(models.Model):
    """A check of the log's hash chains that a DPO started from their page (the nightly
    check runs without one). The page polls it; the task that does the work takes its
    id."""

    class State(models.TextChoices):
        QUEUED = "queued", _("i kø")
        RUNNING = "running", _("i gang")
        SUCCEEDED = "succeeded", _("færdig")
        FAILED = "failed", _("fejlet")

    jobcenter = models.ForeignKey("jobcenter.Jobcenter", on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kontrol af loggen")
        verbose_name_plural = _("kontroller af loggen")

    def __str__(self) -> str:
        return f"{self.jobcenter_id} {self.state}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}
