"""Issue 16: the 取組イメージ's activities as the seed words them (「デジタル推進人材育成講座／研修」 at the
stage 育てる, 「セミナー等」, 「ユーザー企業とITベンダー等のマッチング・交流会」). The codes stay, so every
application that chose them keeps its choice."""

from django.db import migrations

NAMES = {
    "training": ("デジタル推進人材育成講座／研修", "育てる"),
    "seminar": ("セミナー等", "知る"),
    "matching": ("ユーザー企業とITベンダー等のマッチング・交流会", "出会う"),
}
OLD = {"training": ("人材育成講座", "知る"), "seminar": ("セミナー", "知る"), "matching": ("マッチング・交流会", "出会う")}


def rename(names):
    def run(apps, schema_editor):
        Activity = apps.get_model("applications", "Activity")
        for code, (name, stage) in names.items():
            Activity.objects.filter(code=code).update(name=name, stage=stage)
    return run


class Migration(migrations.Migration):
    dependencies = [("applications", "0007_regionality_asks_its_criterion")]
    operations = [migrations.RunPython(rename(NAMES), rename(OLD))]
