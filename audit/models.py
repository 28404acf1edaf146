"""The append-only, hash-chained audit log.

Rows are only ever inserted, through ``audit.services.audit_record``. The model refuses
to save an existing row or to delete one, and database triggers refuse it too.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.actions import AuditAction
from audit.flags import FLAG_MATCHES, flag_index_name, flag_match


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only; events cannot be updated.")

    def delete(self):
        raise PermissionError("The audit log is append-only; events cannot be deleted.")


class AuditEvent(models.Model):
    """One thing that happened. Who did it is kept as a key and as frozen text (their
    username, role and team at the time), so the record survives later changes."""

    chain = models.BigIntegerField(
        _("kæde"), help_text=_("The hash chain: the jobcenter's id, 0 for events with none.")
    )
    sequence = models.BigIntegerField(_("løbenummer i kæden"))
    occurred_at = models.DateTimeField(_("tidspunkt"), db_index=True)
    action = models.CharField(_("handling"), max_length=40, choices=AuditAction.choices)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    username = models.CharField(_("brugernavn"), max_length=150, blank=True)
    role = models.CharField(_("rolle"), max_length=40, blank=True)
    team = models.CharField(_("team"), max_length=200, blank=True)
    jobcenter_id = models.BigIntegerField(_("jobcenter"), null=True, blank=True)

    citizen_id = models.UUIDField(_("borger"), null=True, blank=True)
    object_type = models.CharField(_("objekttype"), max_length=40, blank=True)
    object_id = models.CharField(_("objekt-id"), max_length=64, blank=True)
    model_version_id = models.BigIntegerField(_("modelversion"), null=True, blank=True)
    inputs_hash = models.CharField(_("hash af input"), max_length=64, blank=True)
    output = models.JSONField(_("vist resultat"), null=True, blank=True)
    reason = models.TextField(_("begrundelse"), blank=True)
    flags = models.JSONField(_("markeringer"), default=list, blank=True)
    details = models.JSONField(_("detaljer"), default=dict, blank=True)

    request_id = models.UUIDField(_("request-id"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    prev_hash = models.CharField(_("forrige hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("loghændelse")
        verbose_name_plural = _("loghændelser")
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence"),
        ]
        indexes = [
            models.Index(fields=["citizen_id", "occurred_at"], name="audit_citizen_time"),
            models.Index(fields=["user", "occurred_at"], name="audit_user_time"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
            # The retention guard (audit/db.py) finds a chain's latest checkpoint here.
            models.Index(
                fields=["chain", "sequence"],
                name="audit_checkpoint_chain_seq",
                condition=models.Q(action=AuditAction.AUDIT_CHECKPOINT),
            ),
            # One partial index per marking: the DPO's filter on flags walks its few
            # events newest first (audit.flags).
            *(
                models.Index(
                    fields=["jobcenter_id", "occurred_at", "id"],
                    name=flag_index_name(flag),
                    condition=flag_match(flag),
                )
                for flag in FLAG_MATCHES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only; events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only; events cannot be deleted.")

    def hashed_content(self) -> dict:
        """Everything the hash covers, in plain JSON types."""
        return {
            "chain": self.chain,
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(),
            "action": self.action,
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role,
            "team": self.team,
            "jobcenter_id": self.jobcenter_id,
            "citizen_id": str(self.citizen_id) if self.citizen_id else None,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "model_version_id": self.model_version_id,
            "inputs_hash": self.inputs_hash,
            "output": self.output,
            "reason": self.reason,
            "flags": self.flags,
            "details": self.details,
            "request_id": str(self.request_id) if self.request_id else None,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
        }


class ChainHead(models.Model):
    """The last event of each chain. Writers lock this row first, so concurrent writers
    queue on it and the chain never forks. One chain per jobcenter keeps municipalities
    from waiting on each other."""

    chain = models.BigIntegerField(primary_key=True)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"chain {self.chain} at {self.sequence}"
