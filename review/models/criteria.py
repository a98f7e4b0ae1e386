"""Criteria sets and criteria (審査の視点) as data, and the review settings of each round."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from labportal.models import Programme, SelectionRound


class CriteriaSet(models.Model):
    """A versioned set of review criteria of a programme; staff choose one per round.

    `frozen_at` is stamped by review.services when the first score given under the set is
    saved: from then on its criteria cannot change (a new version is made by copying it)."""

    name = models.CharField("名称", max_length=100)
    programme = models.ForeignKey(Programme, verbose_name="制度", on_delete=models.PROTECT,
                                  related_name="criteria_sets")
    version = models.PositiveSmallIntegerField("版", default=1)
    is_published = models.BooleanField("公開ページに掲載", default=False,
                                       help_text="制度のトップページに「審査の視点」として表示します。")
    notes = models.TextField("備考", blank=True)
    frozen_at = models.DateTimeField(
        "確定日時", null=True, blank=True, editable=False,
        help_text="この基準セットで最初の評点が保存された日時。以後、審査の視点は変更できません。")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "審査の視点（基準セット）"
        verbose_name_plural = "審査の視点（基準セット）"
        ordering = ["programme_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["programme", "version"], name="criteria_set_version")]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Criterion(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name="基準セット", on_delete=models.CASCADE,
                                     related_name="criteria")
    order = models.PositiveSmallIntegerField("順序")
    name = models.CharField("視点", max_length=50)
    description = models.TextField("内容（審査すること）", blank=True)
    points = models.JSONField("該当すべき事項", default=list, blank=True,
                              help_text="「いずれか、又は両方に該当すること」等の項目を1行ずつ。")
    weight = models.DecimalField("重み", max_digits=4, decimal_places=2, default=1,
                                 validators=[MinValueValidator(0)])
    scale_min = models.SmallIntegerField("評点の下限", default=0)
    scale_max = models.SmallIntegerField("評点の上限", default=5)
    scale_labels = models.JSONField(
        "評点の表示", default=dict, blank=True,
        help_text='評点を記号で示す場合に、評点と記号を対応づけます。例: {"4": "A", "3": "B", "2": "C", "1": "D"}。'
                  "空欄なら数字のまま表示します。")
    is_bonus = models.BooleanField("加点項目", default=False,
                                   help_text="「審査にあたり配慮します」のように加点として扱う視点。"
                                             "採点は任意で、合計点とは別に「加点」として集計します。")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "審査の視点"
        verbose_name_plural = "審査の視点"
        ordering = ["criteria_set_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "order"], name="criterion_unique_order"),
            models.CheckConstraint(condition=models.Q(scale_max__gt=models.F("scale_min")),
                                   name="criterion_scale_ordered"),
        ]

    def __str__(self):
        return f"{self.order}. {self.name}"

    def clean(self):
        if self.scale_min is not None and self.scale_max is not None and self.scale_max <= self.scale_min:
            raise ValidationError({"scale_max": "評点の上限は下限より大きくしてください。"})
        if self.scale_labels:
            if not isinstance(self.scale_labels, dict):
                raise ValidationError({"scale_labels": '{"評点": "記号"} の形で入力してください。'})
            for key in self.scale_labels:
                if not str(key).lstrip("-").isdigit() or not (
                        self.scale_min <= int(key) <= self.scale_max):
                    raise ValidationError({"scale_labels": f"「{key}」は評点の範囲"
                                           f"（{self.scale_min}〜{self.scale_max}）にありません。"})

    @property
    def scale(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    def label_for(self, value) -> str:
        """How a score is shown: its label (A–D) if the criterion has labels, else the number."""
        if value is None:
            return ""
        label = (self.scale_labels or {}).get(str(value))
        return f"{label}（{value}）" if label else str(value)

    @property
    def scale_text(self) -> str:
        if self.scale_labels:
            return "、".join(self.label_for(v) for v in reversed(self.scale))
        return f"{self.scale_min}〜{self.scale_max}点"


class RoundReviewSettings(models.Model):
    """How one selection round is reviewed: its criteria set, reviewers per application, the
    due date of assignments, who sees what. `scoring_started_at` (the first score) freezes the
    choice of set. The values here are those of the latest version (RoundReviewSettingsVersion):
    they change only by review.services.round_settings_new_version, which keeps each version
    with who, when, why and from when, and never rewrites or deletes one."""

    class Visibility(models.TextChoices):
        NEVER = "never", "表示しない"
        AFTER_OWN_SUBMISSION = "after_submission", "自分の審査を提出した後に表示する"

    selection_round = models.OneToOneField(SelectionRound, verbose_name="公募回", on_delete=models.PROTECT,
                                           related_name="review_settings")
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name="審査の視点（基準セット）",
                                     on_delete=models.PROTECT, related_name="round_settings")
    reviewers_per_application = models.PositiveSmallIntegerField(
        "1件あたりの審査員数", default=3, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="自動割当で、各申請にこの人数の審査員を割り当てます。")
    review_due_at = models.DateTimeField("審査期限", null=True, blank=True,
                                         help_text="新しく割り当てる審査の期限（割当ごとに変更できます）。")
    other_reviews_visibility = models.CharField(
        "他の審査員の審査結果", max_length=20, choices=Visibility.choices, default=Visibility.NEVER)
    reviewer_names_visible = models.BooleanField(
        "審査員どうしの氏名を表示する", default=False,
        help_text="オフの場合、他の審査員は「審査員A」「審査員B」のように表示します。")
    disagreement_threshold = models.DecimalField(
        "評価の割れの基準", max_digits=3, decimal_places=2, default=0.5,
        validators=[MinValueValidator(0.05), MaxValueValidator(1)],
        help_text="いずれかの視点で、審査員の評点の最大と最小の差が評点幅のこの割合以上のとき"
                  "「評価が割れている」と表示します（0.5 なら 0〜5 点で 2.5 点以上の差）。")
    scoring_started_at = models.DateTimeField(
        "採点開始日時", null=True, blank=True, editable=False,
        help_text="この公募回で最初の評点が保存された日時。以後、基準セットは変更できません。")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "公募回の審査設定"
        verbose_name_plural = "公募回の審査設定"
        ordering = ["selection_round__programme_id", "selection_round__number"]

    def __str__(self):
        return f"{self.selection_round}の審査設定"

    def clean(self):
        if self.criteria_set_id and self.selection_round_id and \
                self.criteria_set.programme_id != self.selection_round.programme_id:
            raise ValidationError({"criteria_set": "公募回と同じ制度の基準セットを選んでください。"})


SETTINGS_VERSION_FIELDS = ("criteria_set", "reviewers_per_application", "review_due_at", "other_reviews_visibility",
                           "reviewer_names_visible", "disagreement_threshold")


class RoundReviewSettingsVersion(models.Model):
    """One version of a round's review settings, as it was made: never changed or deleted."""

    round_settings = models.ForeignKey(RoundReviewSettings, verbose_name="公募回の審査設定",
                                       on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("版")
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name="審査の視点（基準セット）",
                                     on_delete=models.PROTECT, related_name="+")
    reviewers_per_application = models.PositiveSmallIntegerField("1件あたりの審査員数")
    review_due_at = models.DateTimeField("審査期限", null=True, blank=True)
    other_reviews_visibility = models.CharField("他の審査員の審査結果", max_length=20,
                                                choices=RoundReviewSettings.Visibility.choices)
    reviewer_names_visible = models.BooleanField("審査員どうしの氏名を表示する")
    disagreement_threshold = models.DecimalField("評価の割れの基準", max_digits=3, decimal_places=2)
    effective_from = models.DateTimeField("適用開始日時")
    reason = models.TextField("変更の理由")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="変更した人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("変更日時", auto_now_add=True)

    class Meta:
        verbose_name = "審査設定の版"
        verbose_name_plural = "審査設定の版"
        ordering = ["round_settings_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["round_settings", "number"],
                                               name="review_settings_version_unique")]

    def __str__(self):
        return f"{self.round_settings} 第{self.number}版"
