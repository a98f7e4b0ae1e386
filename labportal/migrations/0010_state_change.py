# The history of the state machines without an events table of their own (issues 15 and 18).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("labportal", "0008_programme_role_lab_lineage"),
        ("labportal", "0008_retire_regions_and_protect_members"),
        ("labportal", "0009_security_event_admin_not_found_csp"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StateChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="対象のID")),
                ("machine", models.CharField(max_length=40, verbose_name="状態の種類")),
                ("from_state", models.CharField(blank=True, max_length=20, verbose_name="変更前")),
                ("to_state", models.CharField(max_length=20, verbose_name="変更後")),
                ("action", models.CharField(blank=True, max_length=100, verbose_name="操作")),
                ("actor", models.CharField(choices=[("applicant", "申請者"), ("organisation", "申請主体"),
                                                    ("reviewer", "審査員"), ("staff", "事務局"),
                                                    ("system", "システム（期限処理）")],
                                           max_length=20, verbose_name="操作者の区分")),
                ("reason", models.TextField(blank=True, verbose_name="理由")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="日時")),
                ("content_type", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to="contenttypes.contenttype", verbose_name="対象の種類")),
                ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                           related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="操作者")),
            ],
            options={
                "verbose_name": "状態の変更履歴",
                "verbose_name_plural": "状態の変更履歴",
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["content_type", "object_id", "created_at"],
                                         name="state_change_target")],
            },
        ),
    ]
