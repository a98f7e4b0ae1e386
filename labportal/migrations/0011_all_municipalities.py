"""Every prefecture and municipality of Japan as a region (issue 14: 対象地域), from
labportal/data/municipalities.csv; the IoT labs' regions and 地域連携 are kept and completed."""

from django.db import migrations

from labportal.register_load import load_municipalities


def load(apps, schema_editor):
    load_municipalities(apps.get_model("labportal", "Region"), apps.get_model("labportal", "Prefecture"))


class Migration(migrations.Migration):

    dependencies = [
        ("labportal", "0010_state_change"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
