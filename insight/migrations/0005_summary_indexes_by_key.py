"""Faster dashboard sums: summary indexes led by the grouping key, and open clips by status.

A 60-day range adds up most of a summary table grouped by bucket, moderator or person; with the
key first, SQLite reads the index in group order (skip-scanning the hours) instead of sorting
tens of thousands of rows. (status, created_at) lets the backlog and the overdue count read only
the open clips (the desk's (status, -priority, created_at) index puts priority in between).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_clip_awaiting_confirm"),
        ("insight", "0004_appeal_reviewed_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="decisionhour",
            name="insight_decisionhour_sum",
        ),
        migrations.RemoveIndex(
            model_name="personhour",
            name="insight_personhour_sum",
        ),
        migrations.RemoveIndex(
            model_name="waithour",
            name="insight_waithour_sum",
        ),
        migrations.AddIndex(
            model_name="decisionhour",
            index=models.Index(
                fields=["moderator", "action", "hour", "decisions", "overturned"],
                name="insight_decisionhour_by_key",
            ),
        ),
        migrations.AddIndex(
            model_name="personhour",
            index=models.Index(
                fields=["person", "hour", "clips"], name="insight_personhour_by_key"
            ),
        ),
        migrations.AddIndex(
            model_name="waithour",
            index=models.Index(fields=["bucket", "hour", "clips"], name="insight_waithour_by_key"),
        ),
        migrations.RunSQL(
            sql="CREATE INDEX insight_clip_open ON dashboard_clip (status, created_at)",
            reverse_sql="DROP INDEX insight_clip_open",
        ),
    ]
