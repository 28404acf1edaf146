from django.db import migrations

from audit.db import install_append_only_triggers, remove_append_only_triggers


class Migration(migrations.Migration):
    """The audit table is append-only in the database itself: triggers reject UPDATE and
    DELETE (and TRUNCATE on PostgreSQL), even as raw SQL."""

    dependencies = [("audit", "0002_initial")]

    operations = [
        migrations.RunPython(install_append_only_triggers, remove_append_only_triggers),
    ]
