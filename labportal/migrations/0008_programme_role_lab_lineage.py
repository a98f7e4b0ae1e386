"""Issue 16: the programme's 役割, the seed's wording without PDF artefacts, IoT 第7弾's public
status, statuses the seed does not state shown as 状況未登録, and a lab moved from an IoT lab
keeping its IoT round with a 移行日 instead of taking a DX round (one naming rule for its name)."""

from django.db import migrations, models
import django.db.models.deletion


def forwards(apps, schema_editor):
    from labportal import seed_data as seed

    Programme = apps.get_model("labportal", "Programme")
    SelectionRound = apps.get_model("labportal", "SelectionRound")
    Lab = apps.get_model("labportal", "Lab")
    for code, role in seed.PROGRAMME_ROLES.items():
        Programme.objects.filter(code=code).update(role=role)
    for programme in Programme.objects.all():
        programme.implementing_body = programme.implementing_body.replace("･", "・")
        programme.save(update_fields=["implementing_body"])
    SelectionRound.objects.filter(programme__code="iot", number=seed.IOT_ROUND_IN_SELECTION,
                                  public_note="").update(public_note=seed.IOT_ROUND_IN_SELECTION_NOTE)
    # The seed states no IoT lab's activity: 活動中 was our invention. Labs whose status something
    # has since changed (移行手続中, 移行済, 廃止, 併存) keep it.
    Lab.objects.filter(programme__code="iot", status="active").update(status="unregistered")
    # A DX lab moved from an IoT lab: no DX round of its own, the date of the move, the one name rule.
    for lab in Lab.objects.filter(predecessor__isnull=False).select_related("predecessor__region"):
        moved_on = lab.transitioned_on or lab.selected_on
        lab.selection_round = None
        lab.transitioned_on = moved_on
        lab.selected_on = None
        lab.name = seed.dx_lab_name(lab.predecessor.region.name)
        lab.save(update_fields=["selection_round", "transitioned_on", "selected_on", "name"])
        Lab.objects.filter(pk=lab.predecessor_id).update(transitioned_on=moved_on)


def backwards(apps, schema_editor):
    Lab = apps.get_model("labportal", "Lab")
    Lab.objects.filter(status="unregistered").update(status="active")


class Migration(migrations.Migration):
    dependencies = [("labportal", "0008_retire_regions_and_protect_members")]

    operations = [
        migrations.AddField(
            model_name="programme", name="role",
            field=models.CharField(blank=True, max_length=200, verbose_name="経済産業省・IPAの役割")),
        migrations.AddField(
            model_name="selectionround", name="public_note",
            field=models.CharField(blank=True, max_length=100, verbose_name="公開する状況",
                                   help_text="公開ページで公募回の状況として表示する文言（例: 選定中（令和4年1月現在））。"
                                             "空欄の場合は状態を表示します。")),
        migrations.AlterField(
            model_name="lab", name="status",
            field=models.CharField(choices=[("active", "活動中"), ("transitioning", "移行手続中"),
                                            ("moved", "DXラボへ移行済"), ("abolished", "廃止"),
                                            ("coexisting", "併存"), ("unregistered", "状況未登録")],
                                   default="active", max_length=20, verbose_name="状態")),
        migrations.AlterField(
            model_name="lab", name="selection_round",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="labs",
                to="labportal.selectionround", verbose_name="選定された公募回",
                help_text="地方版IoT推進ラボから計画変更で移行した地域DX推進ラボは、地域DX推進ラボの公募回を持ちません"
                          "（IoTラボの公募回と移行日で示します）。")),
        migrations.AlterField(
            model_name="lab", name="selected_on",
            field=models.DateField(blank=True, null=True, verbose_name="選定時期",
                                   help_text="公募回が年月のみ判明の場合はその月の1日（表示は年月のみ）。")),
        migrations.AddField(
            model_name="lab", name="transitioned_on",
            field=models.DateField(blank=True, null=True, verbose_name="移行日",
                                   help_text="地方版IoT推進ラボから地域DX推進ラボへ計画変更で移行した日。"
                                             "移行元のIoTラボと移行先のDXラボの両方に記録します。")),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="lab",
            constraint=models.CheckConstraint(
                condition=models.Q(("selection_round__isnull", False), ("predecessor__isnull", False),
                                   _connector="OR"),
                name="lab_round_or_predecessor")),
    ]
