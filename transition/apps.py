from django.apps import AppConfig
from django.db.models.signals import post_save


class TransitionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "transition"
    verbose_name = "IoTラボからDXラボへの移行"

    def ready(self):
        from labportal.models import Lab

        from . import deadlines  # noqa: F401 - registers the transition's deadline handlers
        from .signals import give_new_iot_lab_its_record

        # A lab added to the register later (第7弾, or by staff) gets its record at once; labs
        # created without signals (bulk loads) get theirs at the next sweep (deadlines.RECORDS).
        post_save.connect(give_new_iot_lab_its_record, sender=Lab,
                          dispatch_uid="transition.give_new_iot_lab_its_record")
        # A region with an IoT lab selected as a DX lab in an ordinary round: its transition ends
        # in the announcement's transaction (labportal.services.lab_create sends the signal).
        from labportal.services import lab_succeeded

        from .signals import end_transition_of_succeeded_lab

        lab_succeeded.connect(end_transition_of_succeeded_lab, sender=Lab,
                              dispatch_uid="transition.end_transition_of_succeeded_lab")

        # The 移行について page's policy and table (labportal names none of the apps).
        from labportal import page_parts

        from .selectors import public_transition_page

        page_parts.register(page_parts.TRANSITION, public_transition_page)
