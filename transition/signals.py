"""Signal receivers of the transition app (connected in TransitionConfig.ready())."""


def give_new_iot_lab_its_record(sender, instance, created, raw=False, **kwargs):
    """Every IoT lab has a transition record from the start: 未着手."""
    from .models import TransitionRequest

    if raw or instance.programme.code != "iot":
        return
    TransitionRequest.objects.get_or_create(lab=instance)


def end_transition_of_succeeded_lab(sender, iot_lab, dx_lab, **kwargs):
    """A region with an IoT lab selected as a DX lab in an ordinary round: the IoT lab's
    transition ends there (移行承認, by the system), in the announcement's transaction."""
    from .models import TransitionEvent, TransitionRequest
    from .services import requests_transition

    ids = list(TransitionRequest.objects.filter(lab_id=iot_lab.pk).values_list("pk", flat=True))
    round_label = f"{dx_lab.programme.name} {dx_lab.selection_round.label}" if dx_lab.selection_round_id else ""
    requests_transition(request_ids=ids, to_state=TransitionRequest.State.APPROVED,
                        actor=TransitionEvent.Actor.SYSTEM, strict=False,
                        message=f"{round_label}で「{dx_lab.name}」が選定されたため、移行は完了しました。")
