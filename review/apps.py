from django.apps import AppConfig


class ReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "review"
    verbose_name = "審査"

    def ready(self):
        from . import deadlines

        deadlines.register()  # reminders before a review is due, a notice to staff after

        # What review adds to labportal's pages and admin (labportal names none of the apps).
        from labportal import page_parts
        from labportal.admin import SelectionRoundAdmin

        from .admin.selection_round import close_now
        from .selectors import published_criteria

        def criteria_part():
            return {"criteria_set": published_criteria("dx")}

        page_parts.register(page_parts.HOME, criteria_part)
        page_parts.register(page_parts.ABOUT, criteria_part)
        SelectionRoundAdmin.close_now = close_now  # listed by name in SelectionRoundAdmin.actions
