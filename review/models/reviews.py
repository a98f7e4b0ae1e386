"""Reviews (審査): one reviewer's assignment to one application, its scores, and conflicts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from applications.models import Application, Organisation
from labportal.models import Region

from .criteria import Criterion


class Review(models.Model):
    """An assignment of a reviewer to an application and, once started, their review of it.

    Created 未着手 by an assignment; the reviewer saves it as 下書き and submits it (提出済,
    locked). A reviewer who declares a conflict on it leaves it 辞退 (kept for the record, the
    application then needs another reviewer). The state changes only in review.services."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "未着手"
        DRAFT = "draft", "下書き"
        SUBMITTED = "submitted", "提出済"
        RECUSED = "recused", "辞退（利害関係）"

    class Recommendation(models.TextChoices):
        RECOMMEND = "recommend", "選定を推奨"
        CONDITIONAL = "conditional", "条件付き"
        NOT_RECOMMENDED = "not_recommended", "推奨しない"

    ACTIVE_STATES = (State.NOT_STARTED, State.DRAFT, State.SUBMITTED)
    OPEN_STATES = (State.NOT_STARTED, State.DRAFT)

    application = models.ForeignKey(Application, verbose_name="申請", on_delete=models.PROTECT,
                                    related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="審査員", on_delete=models.PROTECT,
                                 related_name="reviews")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.NOT_STARTED)
    due_at = models.DateTimeField("審査期限")
    overall_comment = models.TextField("総評", blank=True, max_length=10_000)
    recommendation = models.CharField("推薦", max_length=20, choices=Recommendation.choices, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="割当者", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField("割当日時", default=timezone.now)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    recusal_reason = models.TextField("辞退の理由", blank=True)
    recused_at = models.DateTimeField("辞退日時", null=True, blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "審査"
        verbose_name_plural = "審査（割当）"
        ordering = ["due_at", "application_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_once_per_reviewer"),
        ]
        indexes = [
            models.Index(fields=["reviewer", "state"], name="review_reviewer_state"),
            models.Index(fields=["state", "due_at"], name="review_state_due"),
        ]
        permissions = [("manage_reviews", "審査を管理できる（事務局）")]

    def __str__(self):
        return f"{self.application} / {self.reviewer}"

    @property
    def is_locked(self) -> bool:
        return self.state not in self.OPEN_STATES


class AssignedReview(Review):
    """The reviewer's own view of their reviews in the admin (担当する審査)."""

    class Meta:
        proxy = True
        verbose_name = "担当する審査"
        verbose_name_plural = "担当する審査"
        # The reviewer group's alone (labportal.roles keeps it from staff): it makes the admin
        # show 担当する審査 without a query for the user's groups on every page.
        permissions = [("score_assigned_reviews", "担当する審査を採点できる（審査員）")]


class Score(models.Model):
    """One reviewer's score (評点) of one criterion, with its comment. A missing value is a
    criterion not scored (yet): aggregates leave it out instead of counting it as zero."""

    review = models.ForeignKey(Review, verbose_name="審査", on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name="審査の視点", on_delete=models.PROTECT,
                                  related_name="scores")
    value = models.SmallIntegerField("評点", null=True, blank=True)
    comment = models.TextField("コメント", blank=True, max_length=5_000)
    # The submitted version (ApplicationVersion.number) the reviewer had before them when they
    # last saved this score: after a 差し戻し and a resubmission, a lower number than the
    # application's latest marks a score given for an older version. None: no version existed.
    application_version = models.PositiveIntegerField("評価した申請の版", null=True, blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "評点"
        verbose_name_plural = "評点"
        ordering = ["review_id", "criterion__order"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion")]

    def __str__(self):
        return f"{self.criterion.name}: {self.value if self.value is not None else '未採点'}"


class ConflictOfInterest(models.Model):
    """A region or organisation a reviewer must not review (利害関係): e.g. their own prefecture
    or employer. A prefecture covers every region in it; an assignment breaking one is refused."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="審査員", on_delete=models.CASCADE,
                                 related_name="conflicts_of_interest")
    region = models.ForeignKey(Region, verbose_name="地域", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+",
                               help_text="都道府県を選ぶと、その都道府県内のすべての地域が対象になります。")
    organisation = models.ForeignKey(Organisation, verbose_name="申請主体", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("理由", max_length=200, blank=True, help_text="例: 出身地、所属先、役員を兼務")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申告者", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    declared_at = models.DateTimeField("申告日時", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "利害関係"
        verbose_name_plural = "利害関係"
        ordering = ["reviewer_id", "-declared_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(region__isnull=False, organisation__isnull=True)
                           | models.Q(region__isnull=True, organisation__isnull=False)),
                name="conflict_region_xor_organisation"),
            models.UniqueConstraint(fields=["reviewer", "region"], condition=models.Q(region__isnull=False),
                                    name="conflict_unique_region"),
            models.UniqueConstraint(fields=["reviewer", "organisation"],
                                    condition=models.Q(organisation__isnull=False),
                                    name="conflict_unique_organisation"),
        ]

    def __str__(self):
        return f"{self.reviewer}: {self.target}"

    @property
    def target(self):
        return self.region or self.organisation


class ReviewExclusion(models.Model):
    """A submitted review taken out of its round's ranking because a conflict of interest was
    declared after its scores were given. The scores stay (with their history); the ranking
    leaves them out and shows this record: who, when, why. Putting the review back into the
    ranking (lifting) is recorded on the same row, never by deleting it; a conflict with an
    exclusion cannot be deleted (PROTECT), so its scores never come back silently."""

    review = models.ForeignKey(Review, verbose_name="審査", on_delete=models.PROTECT, related_name="exclusions")
    conflict = models.ForeignKey(ConflictOfInterest, verbose_name="利害関係", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="exclusions")
    reason = models.TextField("除外の理由")
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="除外した人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    excluded_at = models.DateTimeField("除外日時", default=timezone.now)
    lifted_at = models.DateTimeField("集計に戻した日時", null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="集計に戻した人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.TextField("集計に戻した理由", blank=True)

    class Meta:
        verbose_name = "集計から除外した審査"
        verbose_name_plural = "集計から除外した審査"
        ordering = ["-excluded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["review"], condition=models.Q(lifted_at__isnull=True),
                                    name="review_exclusion_one_active"),
        ]

    def __str__(self):
        return f"{self.review}（{'集計に戻した' if self.lifted_at else '集計から除外'}）"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
