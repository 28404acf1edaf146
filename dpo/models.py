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
