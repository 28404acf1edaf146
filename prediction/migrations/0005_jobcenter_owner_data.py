"""Carries the single-municipality data over to the jobcenter that owns it.

Until now one installation served one municipality: specifications, versions, training
records, runs and the stop switch had no jobcenter. Now versions, records, runs and the
stop switch belong to one. Existing rows go to:

- a version or run: the jobcenter of the person who trained or asked for it, else
- the installation's jobcenter (the one with the lowest id: there is normally just one);
- with no jobcenter at all but rows to carry over (history imported before any
  organisation was set up), a jobcenter named "Jobcenter" (code 000) is created for
  them, to be renamed in the admin.

Specifications stay national (they hold no data, only what the data are): every
jobcenter may go on using them. The one global stop-switch row is copied to every
jobcenter, so a paused installation stays paused everywhere. A fresh database has no
rows, and nothing happens.
"""

from django.core.management.color import no_style
from django.db import migrations


def _owner(apps):
    Jobcenter = apps.get_model("jobcenter", "Jobcenter")
    owner = Jobcenter.objects.order_by("pk").first()
    if owner is None:
        owner = Jobcenter.objects.create(name="Jobcenter", municipality_code="000", dpo_contact="")
    return owner


def forwards(apps, schema_editor):
    ModelVersion = apps.get_model("prediction", "ModelVersion")
    TrainingRecord = apps.get_model("prediction", "TrainingRecord")
    TrainingRun = apps.get_model("prediction", "TrainingRun")
    ScoringControl = apps.get_model("prediction", "ScoringControl")
    Jobcenter = apps.get_model("jobcenter", "Jobcenter")
    needed = (
        ModelVersion.objects.filter(jobcenter__isnull=True).exists()
        or TrainingRecord.objects.filter(jobcenter__isnull=True).exists()
        or TrainingRun.objects.filter(jobcenter__isnull=True).exists()
    )
    owner = _owner(apps) if needed else Jobcenter.objects.order_by("pk").first()
    if needed:
        for version in ModelVersion.objects.filter(jobcenter__isnull=True).select_related(
            "trained_by", "reviewed_by"
        ):
            person = version.trained_by or version.reviewed_by
            version.jobcenter_id = (person.jobcenter_id if person else None) or owner.pk
            version.save(update_fields=["jobcenter"])
        for run in TrainingRun.objects.filter(jobcenter__isnull=True).select_related(
            "requested_by", "model_version"
        ):
            run.jobcenter_id = (
                (run.model_version.jobcenter_id if run.model_version else None)
                or (run.requested_by.jobcenter_id if run.requested_by else None)
                or owner.pk
            )
            run.save(update_fields=["jobcenter"])
        TrainingRecord.objects.filter(jobcenter__isnull=True).update(jobcenter=owner)
    legacy = ScoringControl.objects.filter(jobcenter__isnull=True).order_by("pk").first()
    if legacy is not None:
        # The old row's id (1) stays; the new id sequence starts after it.
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [ScoringControl]):
            schema_editor.execute(sql)
        for jobcenter in Jobcenter.objects.exclude(scoring_control__isnull=False).order_by("pk"):
            if legacy.jobcenter_id is None:
                legacy.jobcenter = jobcenter
                legacy.save(update_fields=["jobcenter"])
                continue
            ScoringControl.objects.create(
                jobcenter=jobcenter,
                scoring_paused=legacy.scoring_paused,
                pause_reason=legacy.pause_reason,
                auto_promote=legacy.auto_promote,
                changed_by_id=legacy.changed_by_id,
                changed_at=legacy.changed_at,
            )
    ScoringControl.objects.filter(jobcenter__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("prediction", "0004_jobcenter_owner"),
        ("jobcenter", "0005_role_service"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
