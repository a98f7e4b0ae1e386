"""The application (申請) itself, its timeline, its submitted versions and revision requests."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from labportal.models import SelectionRound
from labportal.models.register import RETIRED_AT, ReferenceQuerySet

from .organisations import Organisation


class Application(models.Model):
    """One organisation's application in one selection round. Its answers live in the section
    models (see sections.py); its state changes only through applications.services."""

    class State(models.TextChoices):
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "提出済"
        UNDER_REVIEW = "under_review", "審査中"
        RETURNED = "returned", "差し戻し"
        SELECTED = "selected", "選定"
        NOT_SELECTED = "not_selected", "不選定"
        WITHDRAWN = "withdrawn", "取下げ"

    DECIDED_STATES = (State.SELECTED, State.NOT_SELECTED)

    organisation = models.ForeignKey(Organisation, verbose_name="申請主体", on_delete=models.PROTECT,
                                     related_name="applications")
    selection_round = models.ForeignKey(SelectionRound, verbose_name="公募回", on_delete=models.PROTECT,
                                        related_name="applications")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.DRAFT)
    receipt_number = models.CharField("受付番号", max_length=30, unique=True, null=True, blank=True)
    receipt_seq = models.PositiveIntegerField("公募回内の受付連番", null=True, blank=True, editable=False)
    first_submitted_at = models.DateTimeField("初回提出日時", null=True, blank=True)
    submitted_at = models.DateTimeField("最終提出日時", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作成者", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    # A transition request's changed plan (transition/plan.py) is an Application too, in the
    # policy's plan round, and one organisation may hold several there (one per IoT lab it runs):
    # the one-application rule below leaves plans out, so they are marked when they are made.
    is_transition_plan = models.BooleanField("移行の変更計画書", default=False, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "申請"
        verbose_name_plural = "申請"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["selection_round", "receipt_seq"],
                                    name="application_receipt_seq_per_round"),
            # One application in progress per organisation per ordinary round: a withdrawn one
            # does not count (the organisation may start again), transition plans are left out.
            # applications.services.application_create checks it first under a lock on the
            # organisation, so a person meets the Japanese message, never this constraint.
            models.UniqueConstraint(fields=["organisation", "selection_round"],
                                    condition=~models.Q(state="withdrawn") & models.Q(is_transition_plan=False),
                                    name="one_application_per_organisation_per_round"),
        ]
        indexes = [
            models.Index(fields=["selection_round", "state"]),
            # The staff list's order (ApplicationAdmin.ordering): its first 50 rows read from
            # the index instead of every application joined and sorted (make bench: 12 ms → 1).
            models.Index(models.F("selection_round").desc(), "receipt_seq", "id",
                         name="application_staff_list_order"),
        ]

    def __str__(self):
        return self.receipt_number or f"申請 #{self.pk}（{self.get_state_display()}）"

    def get_absolute_url(self):
        return reverse("applications:detail", args=[self.pk])


class Initiative(models.Model):
    """選定の対象となる地域の取組 ① / ②."""

    code = models.CharField("コード", max_length=5, unique=True)
    numeral = models.CharField("番号", max_length=2)
    name = models.CharField("名称", max_length=200)
    retired_at = RETIRED_AT()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "対象となる取組"
        verbose_name_plural = "対象となる取組"
        ordering = ["code"]

    def __str__(self):
        return self.name


class RegionalityAspect(models.Model):
    """What the 地域性 criterion asks (審査の視点 2): 1) DX for regional issues or regional industries'
    competitive advantage; 2) DX for regional companies' competitive advantage (either or both)."""

    code = models.CharField("コード", max_length=5, unique=True)
    numeral = models.CharField("番号", max_length=3)
    name = models.CharField("名称", max_length=200)
    retired_at = RETIRED_AT()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "地域性の該当内容"
        verbose_name_plural = "地域性の該当内容"
        ordering = ["code"]

    def __str__(self):
        return f"{self.numeral}{self.name}"


class Quadrant(models.Model):
    """A quadrant Ⅰ–Ⅳ of the concept diagram."""

    code = models.CharField("コード", max_length=5, unique=True)
    numeral = models.CharField("番号", max_length=2)
    name = models.CharField("名称", max_length=100)
    initiative = models.ForeignKey(Initiative, verbose_name="対応する取組", on_delete=models.PROTECT,
                                   related_name="quadrants")
    order = models.PositiveSmallIntegerField("表示順", default=0)
    retired_at = RETIRED_AT()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "象限"
        verbose_name_plural = "象限"
        ordering = ["order"]

    def __str__(self):
        return f"{self.numeral} {self.name}"


class Activity(models.Model):
    """An activity of the catalogue (取組イメージ)."""

    code = models.SlugField("コード", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    stage = models.CharField("段階", max_length=20, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    retired_at = RETIRED_AT()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "取組内容"
        verbose_name_plural = "取組内容"
        ordering = ["order"]

    def __str__(self):
        return self.name


class ApplicationEvent(models.Model):
    """One step of the timeline, written by the one state-change service and nowhere else."""

    class Actor(models.TextChoices):
        APPLICANT = "applicant", "申請者"
        STAFF = "staff", "事務局"
        SYSTEM = "system", "システム"

    application = models.ForeignKey(Application, verbose_name="申請", on_delete=models.CASCADE,
                                    related_name="events")
    from_state = models.CharField("変更前", max_length=20, choices=Application.State.choices)
    to_state = models.CharField("変更後", max_length=20, choices=Application.State.choices)
    actor = models.CharField("操作者の区分", max_length=10, choices=Actor.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    message = models.TextField("メッセージ", blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "状態の履歴"
        verbose_name_plural = "状態の履歴"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class ApplicationVersion(models.Model):
    """The whole application as submitted, as JSON: staff compare versions after a 差し戻し."""

    application = models.ForeignKey(Application, verbose_name="申請", on_delete=models.CASCADE,
                                    related_name="versions")
    number = models.PositiveIntegerField("版")
    data = models.JSONField("提出内容")
    submitted_at = models.DateTimeField("提出日時")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出者", null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "提出版"
        verbose_name_plural = "提出版"
        ordering = ["application_id", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"],
                                               name="application_version_unique")]

    def __str__(self):
        return f"{self.application} 第{self.number}版"


class RevisionRequest(models.Model):
    """A 差し戻し: what staff ask to be revised, and by when. Resolved by the next submission."""

    application = models.ForeignKey(Application, verbose_name="申請", on_delete=models.CASCADE,
                                    related_name="revision_requests")
    message = models.TextField("修正を依頼する内容")
    due_at = models.DateTimeField("再提出期限")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="依頼者", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    resolved_at = models.DateTimeField("再提出日時", null=True, blank=True)

    class Meta:
        verbose_name = "差し戻し"
        verbose_name_plural = "差し戻し"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.application} の差し戻し（期限 {self.due_at:%Y-%m-%d}）"
