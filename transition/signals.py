"""Signal receivers of the transition app (connected in TransitionConfig.ready())."""


def give_new_iot_lab_its_record(sender, instance, created, raw=False, **kwargs):
    """Every IoT lab has a transition record from the start: 未着手."""
    from .models import TransitionRequest

    if raw or instance.programme.code != "iot":
        return
    TransitionRequest.objects.get_or_create(lab=instance)
