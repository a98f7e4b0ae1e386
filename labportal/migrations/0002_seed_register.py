"""Loads the register's initial data: bureaus, prefectures, programmes, the IoT rounds and 105 labs."""

import datetime

from django.db import migrations

from labportal import seed_data as seed


def load(apps, schema_editor):
    Bureau = apps.get_model("labportal", "Bureau")
    Prefecture = apps.get_model("labportal", "Prefecture")
    Region = apps.get_model("labportal", "Region")
    Programme = apps.get_model("labportal", "Programme")
    SelectionRound = apps.get_model("labportal", "SelectionRound")
    Lab = apps.get_model("labportal", "Lab")

    bureaus = {}
    for order, (code, name, short_name) in enumerate(seed.BUREAUS, start=1):
        bureaus[code], _ = Bureau.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short_name, "order": order})

    prefectures = {}
    for code, name, bureau_code in seed.PREFECTURES:
        prefectures[name], _ = Prefecture.objects.update_or_create(
            code=code, defaults={"name": name, "bureau": bureaus[bureau_code]})
        Region.objects.get_or_create(
            kind="prefecture", prefecture=prefectures[name], name=name,
            defaults={"local_government_code": seed.prefecture_local_government_code(code)})

    programmes = {}
    for code, data in seed.PROGRAMMES.items():
        programmes[code], _ = Programme.objects.update_or_create(code=code, defaults=data)

    rounds = {}
    for number, (year, month) in seed.IOT_ROUNDS.items():
        rounds[number], _ = SelectionRound.objects.get_or_create(
            programme=programmes["iot"], number=number,
            defaults={"announced_on": datetime.date(year, month, 1), "announced_month_only": True,
                      "state": "announced"})
    SelectionRound.objects.get_or_create(
        programme=programmes["iot"], number=seed.IOT_ROUND_IN_SELECTION,
        defaults={"state": "reviewing", "notes": "令和4年1月現在、選定中。"})

    for bureau_code, labs in seed.IOT_LABS.items():
        for name, kind, prefecture_name, number in labs:
            prefecture = prefectures[prefecture_name]
            region, _ = Region.objects.get_or_create(kind=kind, prefecture=prefecture, name=name)
            assert prefecture.bureau.code == bureau_code, name
            Lab.objects.get_or_create(
                programme=programmes["iot"], region=region, name=name,
                defaults={"selection_round": rounds[number],
                          "selected_on": rounds[number].announced_on, "status": "active"})

    for collaboration, members in seed.COLLABORATION_MEMBERS.items():
        region = Region.objects.get(kind="collaboration", name=collaboration)
        for member_name, prefecture_name in members:
            member, _ = Region.objects.get_or_create(
                kind="municipality", prefecture=prefectures[prefecture_name], name=member_name)
            region.members.add(member)


class Migration(migrations.Migration):
    dependencies = [("labportal", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
