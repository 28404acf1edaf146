from django.db import migrations

from casework.db import install_append_only_guards, remove_append_only_guards


class Migration(migrations.Migration):
    """Judgements, objections and break-the-glass accesses become append-only in the
    database: triggers refuse UPDATE and DELETE (TRUNCATE too on PostgreSQL), except the
    one update the application makes, withdrawing a standing objection. See
    casework/db.py."""

    dependencies = [("casework", "0004_judgements_objections_break_glass")]

    operations = [
        migrations.RunPython(install_append_only_guards, remove_append_only_guards),
    ]
