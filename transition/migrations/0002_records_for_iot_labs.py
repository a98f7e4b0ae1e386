"""Every IoT lab of the register gets its transition record: 未着手.

Labs added later get theirs when they are saved (transition.signals) or, if they were loaded
without signals, at the clock's next sweep (transition.deadlines.records_ensure).
"""

from django.db import migrations


def create_records(apps, schema_editor):
    Lab = apps.get_model("labportal", "Lab")
    TransitionRequest = apps.get_model("transition", "TransitionRequest")
    have = set(TransitionRequest.objects.values_list("lab_id", flat=True))
    TransitionRequest.objects.bulk_create(
        [TransitionRequest(lab_id=pk, state="not_started")
         for pk in Lab.objects.filter(programme__code="iot").order_by("pk").values_list("pk", flat=True)
         if pk not in have])


def remove_untouched_records(apps, schema_editor):
    TransitionRequest = apps.get_model("transition", "TransitionRequest")
    TransitionRequest.objects.filter(state="not_started", application__isnull=True,
                                     organisation__isnull=True, events__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("transition", "0001_initial"), ("labportal", "0002_seed_register")]
    operations = [migrations.RunPython(create_records, remove_untouched_records)]
