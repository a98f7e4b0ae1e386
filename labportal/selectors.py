"""Reads of the register that pages share: querysets with their joins and counts."""

from collections import Counter

from django.db.models import QuerySet
from django.utils import timezone

from .models import Lab, SelectionRound


def labs_with_register() -> QuerySet[Lab]:
    """Labs with everything a list row shows, in one query."""
    return Lab.objects.select_related(
        "programme", "selection_round__programme", "region__prefecture__bureau",
        "predecessor__selection_round",
    )


def labs_for_opendata() -> QuerySet[Lab]:
    """labs_with_register plus the member regions of each collaboration (their codes), in the
    open data's stable order: two queries however many labs."""
    from .opendata import sorted_labs

    return sorted_labs(labs_with_register().prefetch_related("region__members"))


def round_key(lab: Lab) -> str:
    """The directory's round filter value of a lab: programme and number (「iot-1」), since rounds
    are numbered per programme; "" for a lab moved from an IoT lab (it has no round of its own)."""
    if not lab.selection_round_id:
        return ""
    return f"{lab.programme.code}-{lab.selection_round.number}"


def lab_facets(labs: list[Lab]) -> dict[str, Counter]:
    """Counts of already-fetched labs (from labs_with_register) by bureau, kind and round
    (programme and number: 地方版IoT推進ラボ 第1弾 and 地域DX推進ラボ 第1弾 are two rounds)."""
    return {
        "bureau": Counter(lab.region.prefecture.bureau.code for lab in labs),
        "kind": Counter(lab.region.kind for lab in labs),
        "round": Counter(key for key in (round_key(lab) for lab in labs) if key),
    }


def rounds_for_public() -> list[SelectionRound]:
    """Every round of both programmes with what the public pages say of it (its public note, e.g.
    IoT 第7弾 「選定中（令和4年1月現在）」), IoT first: one query."""
    return list(SelectionRound.objects.select_related("programme").order_by("programme_id", "number"))


def open_rounds(moment=None) -> QuerySet[SelectionRound]:
    """Rounds now accepting applications, soonest deadline first."""
    moment = moment or timezone.now()
    return SelectionRound.objects.open_at(moment).select_related("programme").order_by("closes_at")


def rounds_with_lab_counts(programme_code: str) -> list[SelectionRound]:
    """A programme's rounds in order, each with `lab_count` (labs selected in it): one query."""
    from django.db.models import Count

    return list(SelectionRound.objects.filter(programme__code=programme_code)
                .annotate(lab_count=Count("labs")).order_by("number"))


def public_round_guides():
    """The 公募 page's rounds: every round no longer 準備中 that has a guide, newest first per
    programme (DX first), each with its selected labs once announced: two queries."""
    from .models import RoundGuide

    guides = list(RoundGuide.objects.select_related("selection_round__programme")
                  .exclude(selection_round__state=SelectionRound.State.PREPARING)
                  .order_by("-selection_round__programme_id", "-selection_round__number"))
    announced = [g.selection_round_id for g in guides
                 if g.selection_round.state == SelectionRound.State.ANNOUNCED]
    labs_by_round: dict[int, list[Lab]] = {}
    if announced:
        for lab in labs_with_register().filter(selection_round_id__in=announced).order_by(
                "region__prefecture__code", "name"):
            labs_by_round.setdefault(lab.selection_round_id, []).append(lab)
    for guide in guides:
        guide.selected_labs = labs_by_round.get(guide.selection_round_id, [])
    return guides
