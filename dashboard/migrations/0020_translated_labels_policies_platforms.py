"""Korean names and descriptions for the label taxonomy, the removal policies as rows (they
were a list in desk/forms.py) and the platform presets, each editable in both languages in the
admin. Reversing removes the seeded policies and platforms and the Korean columns.
"""

from django.db import migrations, models

# slug -> (Korean name, Korean description), for the labels 0002 seeded.
LABELS_KO = {
    "face-swap": ("얼굴 합성", "다른 사람의 얼굴로 바꿔 넣은 영상."),
    "lip-sync": ("립싱크 조작", "다른 말에 맞춰 입 모양을 바꾼 영상."),
    "animated-still": (
        "사진을 움직이게 만든 영상",
        "사진 한 장을 움직이는 영상으로 만든 것(예: 보도 사진을 움직이게 만든 경우).",
    ),
    "fully-synthetic": ("전체 AI 생성", "실제 원본 없이 처음부터 생성한 영상."),
    "voice-clone": ("음성 복제", "복제하거나 합성한 목소리."),
    "romantic-sexual-fabrication": (
        "연애·성적 허위 조작",
        "실존 인물 사이의 연애나 성적 행위를 꾸며낸 영상.",
    ),
    "impersonation-fraud": ("사칭·사기", "사람들을 속이려고 실존 인물인 척하는 영상."),
    "satire-declared": ("풍자(명시)", "조작했지만 풍자임을 분명히 밝힌 영상."),
    "authentic": ("진본", "조작이 발견되지 않았습니다."),
}

# (English name: what a decision records, Korean name, English and Korean description)
POLICIES = [
    (
        "Non-consensual intimate imagery",
        "동의 없는 성적 영상물",
        "Sexual or intimate imagery of a real person made or shared without their consent.",
        "실존 인물의 성적·사적 이미지를 본인 동의 없이 만들거나 퍼뜨린 경우.",
    ),
    (
        "Impersonation or fraud",
        "사칭 또는 사기",
        "Passes itself off as a real person to deceive or defraud.",
        "실존 인물인 척하며 사람들을 속이거나 금전을 노리는 경우.",
    ),
    (
        "Harmful manipulation of a real person",
        "실존 인물에 대한 악의적 조작",
        "Puts words or acts in a real person's mouth that harm them.",
        "실존 인물이 하지 않은 말이나 행동을 꾸며 피해를 주는 경우.",
    ),
    (
        "Election or civic misinformation",
        "선거·공공 사안 허위 정보",
        "Misleads about an election, a public authority or a civic process.",
        "선거, 공공기관, 공적 절차에 대해 사람들을 오도하는 경우.",
    ),
    (
        "Other policy (explain in the note)",
        "기타 정책 위반(메모에 설명)",
        "Another rule of the platform; say which in the note.",
        "그 밖의 플랫폼 정책 위반. 어떤 정책인지 메모에 적어 주세요.",
    ),
]

# (name as clips and reports spell it, Korean name): Korean platforms first.
PLATFORMS = [
    ("Naver", "네이버"),
    ("Kakao", "카카오"),
    ("Weverse", "위버스"),
    ("YouTube", "유튜브"),
    ("TikTok", "틱톡"),
    ("Instagram", "인스타그램"),
    ("X", "X(트위터)"),
    ("Facebook", "페이스북"),
]


def seed(apps, schema_editor):
    Label = apps.get_model("dashboard", "Label")
    for slug, (name_ko, description_ko) in LABELS_KO.items():
        # Only what is still blank: an admin may have written their own already.
        Label.objects.filter(slug=slug, name_ko="").update(name_ko=name_ko)
        Label.objects.filter(slug=slug, description_ko="").update(description_ko=description_ko)
    RemovalPolicy = apps.get_model("dashboard", "RemovalPolicy")
    for position, (name, name_ko, description, description_ko) in enumerate(POLICIES):
        RemovalPolicy.objects.get_or_create(
            name=name,
            defaults={
                "name_ko": name_ko,
                "description": description,
                "description_ko": description_ko,
                "position": position,
            },
        )
    Platform = apps.get_model("dashboard", "Platform")
    for position, (name, name_ko) in enumerate(PLATFORMS):
        Platform.objects.get_or_create(
            name=name, defaults={"name_ko": name_ko, "position": position}
        )


def unseed(apps, schema_editor):
    # The tables and the Korean columns go with the schema operations reversed after this.
    apps.get_model("dashboard", "RemovalPolicy").objects.all().delete()
    apps.get_model("dashboard", "Platform").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0019_accounts"),
    ]

    operations = [
        migrations.CreateModel(
            name="Platform",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                (
                    "name_ko",
                    models.CharField(blank=True, max_length=100, verbose_name="name (Korean)"),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("active", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["position", "name"],
            },
        ),
        migrations.CreateModel(
            name="RemovalPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                (
                    "name_ko",
                    models.CharField(blank=True, max_length=200, verbose_name="name (Korean)"),
                ),
                ("description", models.TextField(blank=True)),
                (
                    "description_ko",
                    models.TextField(blank=True, verbose_name="description (Korean)"),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("active", models.BooleanField(default=True)),
            ],
            options={
                "verbose_name_plural": "removal policies",
                "ordering": ["position", "name"],
            },
        ),
        migrations.AddField(
            model_name="label",
            name="description_ko",
            field=models.TextField(blank=True, verbose_name="description (Korean)"),
        ),
        migrations.AddField(
            model_name="label",
            name="name_ko",
            field=models.CharField(blank=True, max_length=100, verbose_name="name (Korean)"),
        ),
        migrations.RunPython(seed, unseed),
    ]
