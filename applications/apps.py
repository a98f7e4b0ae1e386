from django.apps import AppConfig
from django.db.models.signals import post_save


class ApplicationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "applications"
    verbose_name = "申請"

    def ready(self):
        from django.conf import settings

        from . import deadlines
        from .accounts import trust_address_of_account_made_by_staff

        post_save.connect(trust_address_of_account_made_by_staff, sender=settings.AUTH_USER_MODEL,
                          dispatch_uid="applications.trust_staff_made_address")
        deadlines.register()
