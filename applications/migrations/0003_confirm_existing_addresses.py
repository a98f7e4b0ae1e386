"""Accounts made before sign-up moved to django-allauth were made by staff: their addresses count
as confirmed, so that they can still log in under mandatory e-mail confirmation."""

from django.db import migrations


def confirm(apps, schema_editor):
    User = apps.get_model("labportal", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create([
        EmailAddress(user_id=user.pk, email=user.email.lower(), verified=True, primary=True)
        for user in User.objects.exclude(email="").exclude(pk__in=known)
    ])


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_seed_catalogue"), ("account", "0009_emailaddress_unique_primary_email")]
    operations = [migrations.RunPython(confirm, migrations.RunPython.noop)]
