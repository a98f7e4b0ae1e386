"""Reads of the register that pages share: querysets with their joins and counts."""

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from .models import Bureau, Lab, Prefecture, Programme, Region, SelectionRound


def labs_with_register() -> QuerySet[Lab]:
    """Labs with everything a list row shows, in one query."""
    return Lab.objects.select_related(
        "programme", "selection_round", "region__prefecture__bureau", "predecessor__selection_round",
    )


def lab_facets(labs: QuerySet[Lab]) -> dict[str, dict]:
    """Counts of the given labs by programme, bureau, prefecture, round and kind (5 queries)."""

    def count_by(field):
        return {row[field]: row["n"] for row in labs.order_by().values(field).annotate(n=Count("id"))}

    return {
        "programme": count_by("programme__code"),
        "bureau": count_by("region__prefecture__bureau__code"),
        "prefecture": count_by("region__prefecture__code"),
        "round": count_by("selection_round__number"),
        "kind": count_by("region__kind"),
    }


def filter_choices() -> dict[str, list]:
    """The options of the directory's filters (3 queries: programmes, bureaus, prefectures)."""
    return {
        "programmes": list(Programme.objects.order_by("id")),
        "bureaus": list(Bureau.objects.order_by("order")),
        "prefectures": list(Prefecture.objects.order_by("code")),
        "rounds": sorted(set(SelectionRound.objects.values_list("number", flat=True))),
        "kinds": Region.Kind.choices,
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
