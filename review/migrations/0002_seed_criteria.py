"""The DX lab's draft six criteria (published) and the IoT lab's four, kept for the record."""

from django.db import migrations

from labportal import seed_data as seed


def load(apps, schema_editor):
    Programme = apps.get_model("labportal", "Programme")
    CriteriaSet = apps.get_model("review", "CriteriaSet")
    Criterion = apps.get_model("review", "Criterion")
    for code, name, rows, published in (
        ("dx", "地域DX推進ラボの審査の視点（案）", seed.DX_CRITERIA, True),
        ("iot", "地方版IoT推進ラボの審査の視点", seed.IOT_CRITERIA, False),
    ):
        criteria_set, created = CriteriaSet.objects.get_or_create(
            programme=Programme.objects.get(code=code), version=1,
            defaults={"name": name, "is_published": published})
        if created:
            Criterion.objects.bulk_create(
                Criterion(criteria_set=criteria_set, order=order, name=cname, description=description,
                          points=points, is_bonus=bonus)
                for order, cname, description, points, bonus in rows)


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial"), ("labportal", "0002_seed_register")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
