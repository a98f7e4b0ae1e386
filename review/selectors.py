"""Shared reads of the review app: who may see what, conflicts of interest, and the round's
statistics computed in the database (per criterion, per application, per reviewer).

The ranking costs the same number of queries for 3 applications as for 3,000: every figure
comes from a grouped aggregate or a window function over the round's submitted scores; Python
only arranges the rows (and sums at most one number per criterion into a z-score mean).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.aggregates import Aggregate
from django.db.models.functions import Cast, Greatest, RowNumber, Sqrt

from applications.models import Application, ApplicationVersion, BasicInfoSection, Membership
from labportal.models import Lab, Region, Role, SelectionRound, User
from labportal.security import AccessRefused

from .models import (
    AssignedReview,
    ConflictOfInterest,
    CriteriaSet,
    Criterion,
    Decision,
    Review,
    ReviewExclusion,
    RoundReviewSettings,
    Score,
)

AppState = Application.State
# Applications a round's review deals with: submitted, under review, returned or decided.
RANKED_STATES = (AppState.SUBMITTED, AppState.UNDER_REVIEW, AppState.RETURNED, AppState.SELECTED,
                 AppState.NOT_SELECTED)
# Applications that can still be assigned, scored and decided.
REVIEWABLE_STATES = (AppState.SUBMITTED, AppState.UNDER_REVIEW, AppState.RETURNED)


# --- People -----------------------------------------------------------------------------------

def reviewers() -> QuerySet[User]:
    """Active reviewers: staff flag (they use the admin) and the reviewer group."""
    return (User.objects.filter(is_active=True, is_staff=True, groups__name=Role.REVIEWER)
            .distinct().order_by("pk"))


def is_reviewer(user) -> bool:
    """A reviewer in the admin: staff flag and the reviewer group's own permission (read from
    the permission cache the admin fills anyway, so no query of its own)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff
                and user.has_perm("review.score_assigned_reviews"))


def manages_reviews(user) -> bool:
    """Staff (事務局) and superusers: everything of every round; reviewers: their own only."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("review.manage_reviews"))


# --- Access -----------------------------------------------------------------------------------

def reviewer_can_see_application(user, application) -> bool:
    """True if `user` is a reviewer assigned to `application` (and has not withdrawn from it).

    The applications app's attachment download view asks this before refusing a user who is
    not a member of the applicant organisation, so reviewers can open the attachments they
    review — and nothing else."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    application_id = getattr(application, "pk", application)
    return Review.objects.filter(
        reviewer=user, application_id=application_id, state__in=Review.ACTIVE_STATES,
        reviewer__groups__name=Role.REVIEWER).exists()


def reviews_of_reviewer(user) -> QuerySet[AssignedReview]:
    """A reviewer's own assignments, with what their list shows, in one query; `resubmitted` is
    True when the application was resubmitted after the reviewer's last scores (an older version)."""
    latest_version = Subquery(ApplicationVersion.objects.filter(application_id=OuterRef(OuterRef("application_id")))
                              .order_by("-number").values("number")[:1])
    return (AssignedReview.objects
            .filter(reviewer=user, state__in=Review.ACTIVE_STATES,
                    application__state__in=RANKED_STATES)
            .select_related("application__organisation", "application__basic",
                            "application__selection_round__programme")
            .annotate(resubmitted=Exists(Score.objects.filter(review_id=OuterRef("pk"),
                                                              application_version__lt=latest_version))))


def review_for_reviewer(user, pk) -> AssignedReview:
    """The review `pk` if it is one of `user`'s own, else Http404 (like a missing one)."""
    try:
        return reviews_of_reviewer(user).get(pk=pk)
    except (Review.DoesNotExist, ValueError):
        raise AccessRefused("審査", pk) from None


def lab_mark_allowed(user, lab: Lab) -> bool:
    """An active member of the organisation whose application became `lab` may download its mark."""
    if not (user.is_authenticated and user.is_active):
        return False
    return Decision.objects.filter(
        lab=lab, announced_at__isnull=False,
        application__organisation__memberships__user=user,
        application__organisation__memberships__state=Membership.State.ACTIVE).exists()


# --- Rounds and criteria ----------------------------------------------------------------------

def round_settings(selection_round: SelectionRound) -> RoundReviewSettings | None:
    try:
        return (RoundReviewSettings.objects.select_related("criteria_set", "selection_round__programme")
                .get(selection_round=selection_round))
    except RoundReviewSettings.DoesNotExist:
        return None


def default_criteria_set(programme) -> CriteriaSet | None:
    """The programme's published set of the highest version, else its highest version."""
    return (CriteriaSet.objects.filter(programme=programme)
            .order_by("-is_published", "-version").first())


def current_version_number(application_id: int) -> int | None:
    """The number of the application's latest submitted version (ApplicationVersion), or None."""
    return (ApplicationVersion.objects.filter(application_id=application_id)
            .aggregate(number=Max("number"))["number"])


def version_changes(review: Review) -> dict | None:
    """What changed in the application since `review`'s reviewer last scored it: None when they
    have scored the latest version (or nothing yet), else {"scored": n, "current": m, "changes":
    [...as applications.services.snapshot_diff...]} between version n and the latest, m."""
    from applications.services import snapshot_diff

    scored = (Score.objects.filter(review_id=review.pk, application_version__isnull=False)
              .aggregate(number=Max("application_version"))["number"])
    if scored is None:
        return None
    versions = {v.number: v.data for v in ApplicationVersion.objects.filter(
        application_id=review.application_id).order_by("-number")[:1]}
    current = max(versions, default=None)
    if current is None or current <= scored:
        return None
    old = ApplicationVersion.objects.filter(application_id=review.application_id, number=scored).first()
    return {"scored": scored, "current": current,
            "changes": snapshot_diff(old.data if old else {}, versions[current])}


def criteria_of(criteria_set: CriteriaSet) -> list[Criterion]:
    return list(criteria_set.criteria.order_by("order"))


def reviewable_applications(selection_round: SelectionRound) -> QuerySet[Application]:
    return (Application.objects.filter(selection_round=selection_round, state__in=REVIEWABLE_STATES)
            .select_related("organisation", "basic").order_by("receipt_seq", "pk"))


def reviewer_loads(selection_round: SelectionRound, reviewer_ids: Iterable[int]) -> dict[int, int]:
    """{reviewer id: active reviews in the round} for the given reviewers (one query)."""
    ids = list(reviewer_ids)
    counts = dict(Review.objects.filter(application__selection_round=selection_round,
                                        reviewer_id__in=ids, state__in=Review.ACTIVE_STATES)
                  .values_list("reviewer_id").annotate(n=Count("id")).values_list("reviewer_id", "n"))
    return {pk: counts.get(pk, 0) for pk in ids}


def applications_needing_reviewers(selection_round: SelectionRound) -> QuerySet[Application]:
    """Reviewable applications with fewer active reviews than the round asks for (one query):
    after a reviewer withdrew for a conflict, these are flagged for reassignment."""
    settings_ = round_settings(selection_round)
    wanted = settings_.reviewers_per_application if settings_ else 1
    return (reviewable_applications(selection_round)
            .annotate(active_reviews=Count("reviews", filter=Q(reviews__state__in=Review.ACTIVE_STATES)),
                      recused_reviews=Count("reviews", filter=Q(reviews__state=Review.State.RECUSED)))
            .filter(active_reviews__lt=wanted))


# --- Conflicts of interest ---------------------------------------------------------------------

@dataclass(frozen=True)
class _RegionInfo:
    pk: int
    kind: str
    prefecture_id: int
    name: str
    member_ids: frozenset


def _application_regions(application_ids: list[int]) -> dict[int, set[int]]:
    """{application id: ids of its regions (the organisation's and those of 基本情報)}; 2 queries."""
    regions: dict[int, set[int]] = defaultdict(set)
    rows = Application.objects.filter(pk__in=application_ids).values_list(
        "pk", "organisation__regions")
    for pk, region_id in rows:
        if region_id:
            regions[pk].add(region_id)
    basic = BasicInfoSection.regions.through.objects.filter(
        basicinfosection__application_id__in=application_ids).values_list(
        "basicinfosection__application_id", "region_id")
    for pk, region_id in basic:
        regions[pk].add(region_id)
    return regions


def _region_infos(region_ids: set[int]) -> dict[int, _RegionInfo]:
    members = defaultdict(set)
    for collaboration_id, member_id in Region.members.through.objects.filter(
            from_region_id__in=region_ids).values_list("from_region_id", "to_region_id"):
        members[collaboration_id].add(member_id)
    return {pk: _RegionInfo(pk, kind, prefecture_id, name, frozenset(members[pk]))
            for pk, kind, prefecture_id, name in Region.objects.filter(pk__in=region_ids)
            .values_list("pk", "kind", "prefecture_id", "name")}


def _region_conflicts(declared: _RegionInfo, region: _RegionInfo) -> bool:
    if declared.pk == region.pk or declared.pk in region.member_ids:
        return True
    return declared.kind == Region.Kind.PREFECTURE and declared.prefecture_id == region.prefecture_id


def conflicts_between(reviewer_ids: Iterable[int], application_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """{(reviewer id, application id): reason} for every conflicted pair, in a fixed number of
    queries: a declared organisation, a declared region (a prefecture covers its regions, a
    collaboration its members), or a review of it the reviewer withdrew from."""
    reviewer_ids, application_ids = list(reviewer_ids), list(application_ids)
    if not reviewer_ids or not application_ids:
        return {}
    conflicts = list(ConflictOfInterest.objects.filter(reviewer_id__in=reviewer_ids)
                     .select_related("organisation").order_by("pk"))
    organisations = dict(Application.objects.filter(pk__in=application_ids)
                         .values_list("pk", "organisation_id"))
    app_regions, infos = _regions_involved(conflicts, application_ids)
    found: dict[tuple[int, int], str] = {}
    for conflict in conflicts:
        for application_id in application_ids:
            key = (conflict.reviewer_id, application_id)
            if key in found:
                continue
            reason = _declared_conflict(conflict, organisations.get(application_id),
                                        app_regions.get(application_id, ()), infos)
            if reason:
                found[key] = f"{reason}：{conflict.reason}" if conflict.reason else reason
    for pair in _recused_pairs(reviewer_ids, application_ids):
        found.setdefault(pair, "この申請の審査を利害関係により辞退済み")
    return found


def _regions_involved(conflicts: list[ConflictOfInterest], application_ids: list[int]):
    """({application id: its region ids}, {region id: _RegionInfo}) for the declared regions and
    the applications' regions; no query when no conflict names a region."""
    app_regions = _application_regions(application_ids) if any(c.region_id for c in conflicts) else {}
    declared = {c.region_id for c in conflicts if c.region_id}
    targeted = {r for regions in app_regions.values() for r in regions}
    return app_regions, _region_infos(declared | targeted)


def _declared_conflict(conflict: ConflictOfInterest, organisation_id: int | None, region_ids,
                       infos: dict[int, _RegionInfo]) -> str | None:
    """Why `conflict` covers an application of `organisation_id` with `region_ids`, or None."""
    if conflict.organisation_id and organisation_id == conflict.organisation_id:
        return f"申請主体「{conflict.organisation.name}」との利害関係"
    if not conflict.region_id:
        return None
    declared = infos[conflict.region_id]
    hits = [infos[r] for r in region_ids if r in infos and _region_conflicts(declared, infos[r])]
    return f"地域「{declared.name}」との利害関係（対象地域: {hits[0].name}）" if hits else None


def _recused_pairs(reviewer_ids: list[int], application_ids: list[int]):
    """(reviewer id, application id) of the reviews the reviewer withdrew from (declared a conflict)."""
    return Review.objects.filter(reviewer_id__in=reviewer_ids, application_id__in=application_ids,
                                 state=Review.State.RECUSED).values_list("reviewer_id", "application_id")


def conflict_reason(reviewer, application) -> str | None:
    """Why `reviewer` must not review `application`, or None."""
    return conflicts_between([reviewer.pk], [application.pk]).get((reviewer.pk, application.pk))


# --- Other reviewers' work ---------------------------------------------------------------------

def reviewer_aliases(application_id: int) -> dict[int, str]:
    """{reviewer id: 審査員A, 審査員B…} in the order of assignment: stable for one application."""
    ids = Review.objects.filter(application_id=application_id).order_by("assigned_at", "pk") \
        .values_list("reviewer_id", flat=True)
    return {pk: f"審査員{chr(ord('A') + i)}" if i < 26 else f"審査員{i + 1}" for i, pk in enumerate(ids)}


def other_reviews_visible_to(review: Review, settings_: RoundReviewSettings | None) -> list[Review] | None:
    """Other submitted reviews of the same application that `review`'s reviewer may read, or
    None when the round's setting hides them (never, or not before their own submission)."""
    if settings_ is None or settings_.other_reviews_visibility == RoundReviewSettings.Visibility.NEVER:
        return None
    if review.state != Review.State.SUBMITTED:
        return None
    others = list(Review.objects.filter(application_id=review.application_id, state=Review.State.SUBMITTED)
                  .exclude(pk=review.pk).select_related("reviewer")
                  .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")
                                             .order_by("criterion__order")))
                  .order_by("assigned_at", "pk"))
    aliases = None if settings_.reviewer_names_visible else reviewer_aliases(review.application_id)
    for other in others:
        other.shown_name = other.reviewer.display_name if aliases is None else aliases[other.reviewer_id]
        for score in other.scores.all():
            score.shown_value = score.criterion.label_for(score.value) or "未採点"
    return others


# --- Statistics of a round ---------------------------------------------------------------------

class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set median: percentile_cont(0.5) WITHIN GROUP (ORDER BY x)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


class WindowOver(Func):
    """An aggregate function used as a window over a grouped query's aggregates, e.g.
    SUM(AVG(x)) OVER (PARTITION BY …): Django's Sum refuses an aggregate argument, SQL does not."""

    window_compatible = True
    output_field = FloatField()

    def __init__(self, function, expression, **extra):
        super().__init__(expression, function=function, **extra)


class WindowOverGroups(Window):
    """A window over the groups of a grouped query (its partition columns are among the grouped
    values): never a GROUP BY column itself, which Django would otherwise add by its alias."""

    def get_group_by_cols(self):
        return []


class OverGroups(ExpressionWrapper):
    """An expression computed from windows over groups: likewise never grouped by."""

    def get_group_by_cols(self):
        return []


def _float(expression):
    return Cast(expression, FloatField())


def _population_sd(mean_sq, mean):
    # sqrt(avg(x²) − avg(x)²): population standard deviation; SQLite has no STDDEV. Greatest
    # keeps rounding from taking the root of a tiny negative number.
    return Sqrt(Greatest(ExpressionWrapper(mean_sq - mean * mean, output_field=FloatField()), Value(0.0)))


def excluded_review_ids() -> QuerySet:
    """Reviews taken out of the ranking for a conflict declared after scoring (a subquery)."""
    return ReviewExclusion.objects.filter(lifted_at__isnull=True).values("review_id")


def review_exclusions(selection_round: SelectionRound) -> list[ReviewExclusion]:
    """The round's records of reviews left out of the ranking (and put back), newest first."""
    return list(ReviewExclusion.objects.filter(review__application__selection_round=selection_round)
                .select_related("review__application", "review__reviewer", "excluded_by", "lifted_by")
                .order_by("-excluded_at", "-pk"))


def _submitted_scores(selection_round: SelectionRound) -> QuerySet[Score]:
    return Score.objects.filter(review__application__selection_round=selection_round,
                                review__application__state__in=RANKED_STATES,
                                review__state=Review.State.SUBMITTED, value__isnull=False) \
        .exclude(review_id__in=excluded_review_ids())


def _tuples(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list() queryset as the database driver returns them.

    Django runs a converter over every value of an expression (float() of a float, int() of an
    int): for the ranking's 30,000 rows of statistics that cost as much time as the queries
    themselves (make bench). Only for columns the driver already returns as the right Python
    type: integers, and floats (every figure here is cast to double precision / REAL)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def criterion_statistics(selection_round: SelectionRound) -> list[tuple]:
    """Per (application, criterion), over submitted reviews, one tuple: (application id, criterion
    id, n, mean, min, max, spread (population standard deviation), median, and as windows over
    the application its weighted total (Σ weight × mean of the non-bonus criteria) and bonus (the
    same over bonus criteria)). One query; the median is PostgreSQL's percentile_cont, elsewhere
    None (criterion_medians finds it with window functions, one query more)."""
    mean = Avg(_float("value"))
    weighted_mean = _float("criterion__weight") * mean
    median = PercentileCont(_float("value")) if connection.vendor == "postgresql" else Value(None, FloatField())
    return _tuples(
        _submitted_scores(selection_round)
        # Grouped by the criterion's weight and bonus flag too: the windows below read them.
        .values("review__application_id", "criterion_id", "criterion__weight", "criterion__is_bonus")
        .annotate(
            n=Count("id"),
            mean=mean,
            low=Min("value"),
            high=Max("value"),
            spread=_population_sd(Avg(_float(F("value") * F("value"))), mean),
            median=median,
            weighted_total=WindowOverGroups(WindowOver("SUM", Case(
                When(criterion__is_bonus=False, then=weighted_mean), default=Value(0.0),
                output_field=FloatField())), partition_by=[F("review__application_id")]),
            bonus=WindowOverGroups(WindowOver("SUM", Case(
                When(criterion__is_bonus=True, then=weighted_mean), default=Value(0.0),
                output_field=FloatField())), partition_by=[F("review__application_id")]),
        )
        .values_list("review__application_id", "criterion_id", "n", "mean", "low", "high", "spread", "median",
                     "weighted_total", "bonus")
        .order_by("review__application_id", "criterion_id"))


def criterion_medians(selection_round: SelectionRound) -> dict[tuple[int, int], float]:
    """{(application id, criterion id): median of submitted scores}, in one query, for databases
    without percentile_cont (SQLite): the one or two middle rows found by window functions."""
    scores = _submitted_scores(selection_round)
    partition = [F("review__application_id"), F("criterion_id")]
    middle = (scores.annotate(position=Window(RowNumber(), partition_by=partition, order_by=F("value").asc()),
                              count=Window(Count("id"), partition_by=partition))
              .filter(Q(position=(F("count") + 1) / 2) | Q(position=(F("count") + 2) / 2))
              .values_list("review__application_id", "criterion_id", "value"))
    values = defaultdict(list)
    for application_id, criterion_id, value in middle:
        values[(application_id, criterion_id)].append(value)
    return {key: sum(found) / len(found) for key, found in values.items()}


REVIEW_TOTAL_COLUMNS = ("pk", "application_id", "reviewer_id", "reviewer__last_name", "reviewer__first_name",
                        "reviewer__email", "total", "reviewer_n", "reviewer_mean", "reviewer_spread", "outdated")


def review_totals(selection_round: SelectionRound) -> list[dict]:
    """Per submitted review: its weighted total (non-bonus criteria) and, as windows over its
    reviewer's submitted reviews in the round, the reviewer's count, mean and spread of totals.
    One query; the z-score of a review is (total − reviewer mean) / reviewer spread. `outdated`
    is 1 when one of its scores was given for an older version than the application's latest
    (resubmitted after a 差し戻し), else 0."""
    latest_version = Subquery(ApplicationVersion.objects.filter(application_id=OuterRef("application_id"))
                              .order_by("-number").values("number")[:1])
    total = Sum(_float("scores__criterion__weight") * _float("scores__value"),
                filter=Q(scores__criterion__is_bonus=False, scores__value__isnull=False))
    by_reviewer = {"partition_by": [F("reviewer_id")]}
    rows = _tuples(
        Review.objects.filter(application__selection_round=selection_round,
                              application__state__in=RANKED_STATES, state=Review.State.SUBMITTED)
        .exclude(pk__in=excluded_review_ids())
        .values("pk", "application_id", "reviewer_id", "reviewer__last_name", "reviewer__first_name",
                "reviewer__email")
        .annotate(
            total=total,
            # COUNT(…) OVER, not of the aggregate: on PostgreSQL it is a bigint either way.
            reviewer_n=WindowOverGroups(WindowOver("COUNT", total, output_field=IntegerField()), **by_reviewer),
            reviewer_mean=WindowOverGroups(WindowOver("AVG", total), **by_reviewer),
            reviewer_spread=OverGroups(_population_sd(
                WindowOverGroups(WindowOver("AVG", total * total), **by_reviewer),
                WindowOverGroups(WindowOver("AVG", total), **by_reviewer)), output_field=FloatField()),
            outdated=Max(Case(When(scores__application_version__lt=latest_version, then=Value(1)), default=Value(0),
                              output_field=IntegerField())),
        )
        .values_list(*REVIEW_TOTAL_COLUMNS)
        .order_by("reviewer_id", "application_id"))
    return [dict(zip(REVIEW_TOTAL_COLUMNS, row, strict=True)) for row in rows]


@dataclass(slots=True)
class CriterionCell:
    criterion: Criterion
    n: int = 0
    mean: float | None = None
    median: float | None = None
    spread: float | None = None
    low: int | None = None
    high: int | None = None

    @property
    def disagreement(self) -> float:
        """(max − min) as a share of the criterion's scale: 0 when one reviewer or none."""
        if self.n < 2 or self.low is None:
            return 0.0
        return (self.high - self.low) / (self.criterion.scale_max - self.criterion.scale_min)


@dataclass
class RankingRow:
    application: Application
    cells: list[CriterionCell]
    assigned: int = 0
    submitted: int = 0
    weighted_total: float | None = None
    bonus: float | None = None
    z_score: float | None = None
    disagreement: bool = False
    rank: int | None = None
    z_rank: int | None = None
    outdated: int = 0  # submitted reviews with a score given for an older version of the application

    @property
    def total(self) -> float | None:
        """総合点: the weighted total plus the bonus (what the ranking sorts by)."""
        if self.weighted_total is None:
            return None
        return self.weighted_total + (self.bonus or 0.0)

    @property
    def decision(self):
        return getattr(self.application, "decision", None)

    @property
    def decidable(self) -> bool:
        """A decision can be recorded or changed: in review, not returned, not announced."""
        decision = self.decision
        return (self.application.state in (AppState.SUBMITTED, AppState.UNDER_REVIEW)
                and not (decision and decision.is_announced))


@dataclass
class ReviewerStats:
    reviewer_id: int
    name: str
    email: str
    n: int
    mean: float
    spread: float
    offset: float = 0.0  # mean − the mean of every submitted review: < 0 harsh, > 0 lenient


@dataclass
class Ranking:
    selection_round: SelectionRound
    settings: RoundReviewSettings | None
    criteria: list[Criterion]
    rows: list[RankingRow]
    reviewers: list[ReviewerStats] = field(default_factory=list)
    review_rows: list[dict] = field(default_factory=list)
    exclusions: list[ReviewExclusion] = field(default_factory=list)  # left out for a conflict, with who and why

    @property
    def by_z_score(self) -> list[RankingRow]:
        return sorted(self.rows, key=lambda r: (r.z_rank is None, r.z_rank or 0, r.application.pk))


def ranked_applications(selection_round: SelectionRound) -> QuerySet[Application]:
    # Only the columns the ranking and its exports show: grouping 1,788 whole rows (every text of
    # 基本情報) for the review counts cost a third of the query's time (make bench).
    return (Application.objects.filter(selection_round=selection_round, state__in=RANKED_STATES)
            .select_related("organisation", "basic", "decision")
            .only("id", "selection_round_id", "state", "receipt_number", "receipt_seq", "organisation__name",
                  "basic__lab_name", "decision__outcome", "decision__announced_at")
            .annotate(assigned_count=Count("reviews", filter=Q(reviews__state__in=Review.ACTIVE_STATES)),
                      submitted_count=Count("reviews", filter=Q(reviews__state=Review.State.SUBMITTED)))
            .order_by("receipt_seq", "pk"))


def round_ranking(selection_round: SelectionRound, settings_: RoundReviewSettings | None = None) -> Ranking:
    """Every application of the round that is in review or decided, with its statistics, ranked
    by 総合点 (weighted total + bonus) and by the mean z-score of its reviews. A fixed number of
    queries: settings (unless given), criteria, applications, criterion statistics (with the
    medians on PostgreSQL; elsewhere one query more for them), review totals, and the records of
    reviews left out for a conflict declared after scoring (their scores count nowhere)."""
    settings_ = settings_ or round_settings(selection_round)
    criteria = criteria_of(settings_.criteria_set) if settings_ else []
    applications = list(ranked_applications(selection_round))
    if settings_ is None:
        return Ranking(selection_round, None, [], [RankingRow(a, [], a.assigned_count, a.submitted_count)
                                                   for a in applications])
    statistics, totals, medians = _criterion_figures(selection_round)
    reviews = review_totals(selection_round)
    z_scores, outdated, reviewer_stats = _review_figures(reviews)
    threshold = float(settings_.disagreement_threshold)
    criterion_ids = [(criterion, criterion.pk) for criterion in criteria]
    rows = [_ranking_row(application,
                         _criterion_cells(criterion_ids, statistics.get(application.pk, {}), medians, application.pk),
                         totals, z_scores, outdated, threshold)
            for application in applications]
    _rank(rows, key=lambda r: r.total, attribute="rank")
    _rank(rows, key=lambda r: r.z_score, attribute="z_rank")
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.application.receipt_seq or 0, r.application.pk))
    return Ranking(selection_round, settings_, criteria, rows,
                   sorted(reviewer_stats.values(), key=lambda s: s.reviewer_id), reviews,
                   review_exclusions(selection_round))


def _criterion_figures(selection_round: SelectionRound):
    """({application id: {criterion id: statistics row}}, {application id: (weighted total, bonus)},
    the medians or None): one query on PostgreSQL, where the row carries the median; two elsewhere."""
    statistics: dict[int, dict[int, tuple]] = defaultdict(dict)
    totals: dict[int, tuple[float, float]] = {}
    for row in criterion_statistics(selection_round):
        application_id, criterion_id, *_figures, weighted_total, bonus = row
        statistics[application_id][criterion_id] = row
        totals[application_id] = (weighted_total, bonus)
    medians = criterion_medians(selection_round) if connection.vendor != "postgresql" else None
    return statistics, totals, medians


def _criterion_cells(criterion_ids, found_of_application: dict, medians: dict | None,
                     application_id: int) -> list[CriterionCell]:
    """One application's cell per criterion, empty where nobody has scored it yet."""
    cells = []
    for criterion, criterion_id in criterion_ids:
        found = found_of_application.get(criterion_id)
        if not found:
            cells.append(CriterionCell(criterion))
            continue
        _a, _c, n, mean, low, high, spread, median, _w, _b = found
        if medians is not None:
            median = medians.get((application_id, criterion_id))
        cells.append(CriterionCell(criterion, n, mean, median, spread, low, high))
    return cells


def _review_figures(reviews: list[dict]):
    """Each submitted review's z-score against its own reviewer's mean and spread (set on it as
    "z_score"); per application its reviews' z-scores and how many were given for an older
    version; per reviewer their figures, with their offset from the mean of every review."""
    z_scores: dict[int, list[float]] = defaultdict(list)
    outdated: dict[int, int] = defaultdict(int)
    reviewer_stats: dict[int, ReviewerStats] = {}
    for review in reviews:
        spread = review["reviewer_spread"] or 0.0
        review["z_score"] = 0.0 if spread < 1e-9 else (review["total"] - review["reviewer_mean"]) / spread
        z_scores[review["application_id"]].append(review["z_score"])
        outdated[review["application_id"]] += review["outdated"] or 0
        if review["reviewer_id"] not in reviewer_stats:
            reviewer_stats[review["reviewer_id"]] = _reviewer_stats(review, spread)
    if reviews:
        overall = sum(r["total"] for r in reviews) / len(reviews)
        for stats in reviewer_stats.values():
            stats.offset = stats.mean - overall
    return z_scores, outdated, reviewer_stats


def _reviewer_stats(review: dict, spread: float) -> ReviewerStats:
    name = f"{review['reviewer__last_name']} {review['reviewer__first_name']}".strip() or review["reviewer__email"]
    return ReviewerStats(review["reviewer_id"], name, review["reviewer__email"], review["reviewer_n"],
                         review["reviewer_mean"], spread)


def _ranking_row(application: Application, cells: list[CriterionCell], totals: dict, z_scores: dict,
                 outdated: dict, threshold: float) -> RankingRow:
    """The row of one application: 総合点, the mean z-score, and whether the reviewers disagree
    on some criterion by `threshold` of its scale or more."""
    weighted_total, bonus = totals.get(application.pk, (None, None))
    zs = z_scores.get(application.pk)
    return RankingRow(
        application, cells, application.assigned_count, application.submitted_count,
        weighted_total, bonus, sum(zs) / len(zs) if zs else None,
        any(cell.disagreement >= threshold - 1e-9 for cell in cells), outdated=outdated[application.pk])


def _rank(rows: list[RankingRow], *, key, attribute: str) -> None:
    """Competition ranking (1, 2, 2, 4) by `key` descending, rounded to 6 places so that sums of
    the same scores in another order tie; rows without a value get None."""
    scored = sorted((r for r in rows if key(r) is not None), key=lambda r: -round(key(r), 6))
    previous, rank = None, 0
    for position, row in enumerate(scored, start=1):
        value = round(key(row), 6)
        if value != previous:
            rank, previous = position, value
        setattr(row, attribute, rank)


def as_decimal(value: float | None, places: int = 2) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(round(value, places)))


def published_criteria(programme_code: str):
    """The criteria set shown on the public top page and 地域DX推進ラボとは, with its criteria
    prefetched, or None (labportal.page_parts: registered in review/apps.py)."""
    return (CriteriaSet.objects.filter(programme__code=programme_code, is_published=True)
            .order_by("-version")
            .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("order")))
            .first())
