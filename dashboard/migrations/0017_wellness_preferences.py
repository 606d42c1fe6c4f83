from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0016_clip_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="deskpreference",
            name="blur_strength",
            field=models.CharField(
                choices=[("light", "Light"), ("medium", "Medium"), ("strong", "Strong")],
                default="medium",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="deskpreference",
            name="grayscale_only",
            field=models.BooleanField(default=False),
        ),
    ]
