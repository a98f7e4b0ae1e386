"""Reads of the register that pages share: querysets with their joins and counts."""

from collections import Counter

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Lab, SelectionRound


def labs_with_register() -> QuerySet[Lab]:
    """Labs with everything a list row shows, in one query."""
    return Lab.objects.select_related(
        "programme", "selection_round__programme", "region__prefecture__bureau",
        "predecessor__selection_round",
    )


def lab_facets(labs: list[Lab]) -> dict[str, Counter]:
    """Counts of already-fetched labs (from labs_with_register) by bureau, kind and round."""
    return {
        "bureau": Counter(lab.region.prefecture.bureau.code for lab in labs),
        "kind": Counter(lab.region.kind for lab in labs),
        "round": Counter(lab.selection_round.number for lab in labs),
    }


def open_rounds(moment=None) -> QuerySet[SelectionRound]:
    """Rounds now accepting applications, soonest deadline first."""
    moment = moment or timezone.now()
    return SelectionRound.objects.open_at(moment).select_related("programme").order_by("closes_at")


def published_criteria(programme_code: str):
    """The criteria set shown on the public top page, with its criteria prefetched, or None."""
    from review.models import CriteriaSet, Criterion

    return (CriteriaSet.objects.filter(programme__code=programme_code, is_published=True)
            .order_by("-version")
            .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("order")))
            .first())
