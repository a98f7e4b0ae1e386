from django.apps import AppConfig


class ReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "review"
    verbose_name = "審査"

    def ready(self):
        from . import deadlines

        deadlines.register()  # reminders before a review is due, a notice to staff after
