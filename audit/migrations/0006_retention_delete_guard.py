from django.db import migrations, models

from audit.db import install_retention_triggers, remove_retention_triggers


class Migration(migrations.Migration):
    """Retention: the triggers still reject every UPDATE (and TRUNCATE on PostgreSQL),
    and now reject a DELETE unless the event is older than six months and lies before
    the cut of the latest checkpoint recorded after it in the same chain. The partial
    index lets the trigger find that checkpoint in one probe. See audit/db.py."""

    dependencies = [("audit", "0005_subject_access_checkpoint_actions")]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("action", "audit.checkpoint")),
                fields=["chain", "sequence"],
                name="audit_checkpoint_chain_seq",
            ),
        ),
        migrations.RunPython(install_retention_triggers, remove_retention_triggers),
    ]
