"""The fixed vocabularies: the eligible initiatives ①②, the quadrants Ⅰ–Ⅳ, the activities."""

from django.db import migrations


def seed(apps, schema_editor):
    from applications.catalogue import ACTIVITIES, INITIATIVE_CODES
    from labportal.seed_data import PROGRAMMES, QUADRANTS

    Initiative = apps.get_model("applications", "Initiative")
    Quadrant = apps.get_model("applications", "Quadrant")
    Activity = apps.get_model("applications", "Activity")
    initiatives = {}
    for (code, numeral), wording in zip(INITIATIVE_CODES, PROGRAMMES["dx"]["eligible_initiatives"],
                                        strict=True):
        name = wording.removeprefix(numeral)
        initiatives[numeral], _ = Initiative.objects.update_or_create(
            code=code, defaults={"numeral": numeral, "name": name})
    for order, (code, numeral, name, _actor, _change, initiative) in enumerate(QUADRANTS, start=1):
        Quadrant.objects.update_or_create(code=code, defaults={
            "numeral": numeral, "name": name, "initiative": initiatives[initiative], "order": order})
    for order, (code, name, stage) in enumerate(ACTIVITIES, start=1):
        Activity.objects.update_or_create(code=code, defaults={"name": name, "stage": stage,
                                                               "order": order})


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
