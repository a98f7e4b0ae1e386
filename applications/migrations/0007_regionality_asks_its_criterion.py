"""Issue 16, item 2: the 地域性 section asks what the 地域性 criterion asks (its 1) and 2), as the
seed words them), and the ①② of 新規産業・新規ビジネス move to 革新性, whose criterion they answer.
Existing answers are kept: each application's ①② chosen under 地域性 are moved to its 革新性."""

import django.db.models.deletion
from django.db import migrations, models


def seed_aspects_and_move_initiatives(apps, schema_editor):
    from applications.catalogue import REGIONALITY_ASPECTS

    RegionalityAspect = apps.get_model("applications", "RegionalityAspect")
    for code, numeral, name in REGIONALITY_ASPECTS:
        RegionalityAspect.objects.update_or_create(code=code, defaults={"numeral": numeral, "name": name})
    RegionalityInitiative = apps.get_model("applications", "RegionalityInitiative")
    InnovationSection = apps.get_model("applications", "InnovationSection")
    InnovationInitiative = apps.get_model("applications", "InnovationInitiative")
    innovation_of = dict(InnovationSection.objects.values_list("application_id", "pk"))
    rows = []
    for application_id, initiative_id in RegionalityInitiative.objects.values_list(
            "regionalitysection__application_id", "initiative_id"):
        innovation_id = innovation_of.get(application_id)
        if innovation_id is None:
            innovation_id = InnovationSection.objects.create(application_id=application_id).pk
            innovation_of[application_id] = innovation_id
        rows.append(InnovationInitiative(innovationsection_id=innovation_id, initiative_id=initiative_id))
    InnovationInitiative.objects.bulk_create(rows, ignore_conflicts=True)


def move_initiatives_back(apps, schema_editor):
    RegionalitySection = apps.get_model("applications", "RegionalitySection")
    RegionalityInitiative = apps.get_model("applications", "RegionalityInitiative")
    InnovationInitiative = apps.get_model("applications", "InnovationInitiative")
    regionality_of = dict(RegionalitySection.objects.values_list("application_id", "pk"))
    RegionalityInitiative.objects.bulk_create([
        RegionalityInitiative(regionalitysection_id=regionality_of[application_id], initiative_id=initiative_id)
        for application_id, initiative_id in InnovationInitiative.objects.values_list(
            "innovationsection__application_id", "initiative_id") if application_id in regionality_of],
        ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0006_one_application_per_organisation_per_round'),
    ]

    operations = [
        migrations.CreateModel(
            name='RegionalityAspect',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=5, unique=True, verbose_name='コード')),
                ('numeral', models.CharField(max_length=3, verbose_name='番号')),
                ('name', models.CharField(max_length=200, verbose_name='名称')),
                ('retired_at', models.DateTimeField(blank=True, editable=False, help_text='廃止すると新しい申請の選択肢に表示しません。既に選んだ申請にはそのまま残り、表示されます。', null=True, verbose_name='廃止日時')),
            ],
            options={
                'verbose_name': '地域性の該当内容',
                'verbose_name_plural': '地域性の該当内容',
                'ordering': ['code'],
            },
        ),
        migrations.AlterField(
            model_name='basicinfosection',
            name='contact_phone',
            field=models.CharField(blank=True, help_text='例: 000-0000-0000（全角数字も使えます）', max_length=20, verbose_name='担当者 電話番号'),
        ),
        migrations.CreateModel(
            name='InnovationInitiative',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('initiative', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.initiative', verbose_name='該当する取組')),
                ('innovationsection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='applications.innovationsection')),
            ],
            options={
                'verbose_name': '申請が該当する取組',
                'verbose_name_plural': '申請が該当する取組',
                'unique_together': {('innovationsection', 'initiative')},
            },
        ),
        migrations.AddField(
            model_name='innovationsection',
            name='initiatives',
            field=models.ManyToManyField(blank=True, related_name='+', through='applications.InnovationInitiative', to='applications.initiative', verbose_name='該当する取組'),
        ),
        migrations.CreateModel(
            name='RegionalityAspectChoice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('aspect', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.regionalityaspect', verbose_name='取組内容が該当するもの')),
                ('regionalitysection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='applications.regionalitysection')),
            ],
            options={
                'verbose_name': '申請の地域性の該当内容',
                'verbose_name_plural': '申請の地域性の該当内容',
                'unique_together': {('regionalitysection', 'aspect')},
            },
        ),
        migrations.AddField(
            model_name='regionalitysection',
            name='aspects',
            field=models.ManyToManyField(blank=True, related_name='+', through='applications.RegionalityAspectChoice', to='applications.regionalityaspect', verbose_name='取組内容が該当するもの'),
        ),
        migrations.RunPython(seed_aspects_and_move_initiatives, move_initiatives_back),
        migrations.RemoveField(
            model_name='regionalitysection',
            name='initiatives',
        ),
        migrations.DeleteModel(
            name='RegionalityInitiative',
        ),
    ]
