"""An index for the dashboard's appeal figures: appeals decided in a range, not only filed in it.

Like 0002, an index on another app's table that only insight's queries need, named insight_.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0003_dashboard_summary"),
        ("teamwork", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX insight_appeal_reviewed ON teamwork_appeal (reviewed_at, state)",
            reverse_sql="DROP INDEX insight_appeal_reviewed",
        ),
    ]
