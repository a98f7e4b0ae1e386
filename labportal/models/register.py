"""The register every app shares: bureaus, prefectures, regions, programmes, rounds and labs."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from ..seed_data import local_government_check_digit


class ReferenceQuerySet(models.QuerySet):
    """Reference data that applications choose from (regions, initiatives, quadrants, activities)."""

    def active(self):
        """What a new application may choose: everything not retired."""
        return self.filter(retired_at__isnull=True)

    def offered_with(self, chosen_ids):
        """The choices of a form: what is not retired, plus what the record already chose (a
        retired item stays on the applications that chose it, shown and kept when saved)."""
        return self.filter(models.Q(retired_at__isnull=True) | models.Q(pk__in=chosen_ids))


def RETIRED_AT():  # noqa: N802 - a field factory, read like the field it makes
    """Retired (廃止) instead of deleted: hidden from new applications' choices, kept and shown on
    the applications, scores and decisions that use it. Set by labportal.services.reference_retire."""
    return models.DateTimeField(
        "廃止日時", null=True, blank=True, editable=False,
        help_text="廃止すると新しい申請の選択肢に表示しません。既に選んだ申請にはそのまま残り、表示されます。")


class Bureau(models.Model):
    """A METI regional bureau (経済産業局), or 沖縄総合事務局."""

    code = models.SlugField("コード", max_length=20, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    short_name = models.CharField("略称", max_length=10, unique=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "経済産業局"
        verbose_name_plural = "経済産業局"
        ordering = ["order"]

    def __str__(self):
        return self.name


class Prefecture(models.Model):
    code = models.CharField("都道府県コード（JIS X 0401）", max_length=2, unique=True,
                            validators=[RegexValidator(r"^(0[1-9]|[1-3][0-9]|4[0-7])$",
                                                       "01 から 47 の2桁で入力してください。")])
    name = models.CharField("名称", max_length=10, unique=True)
    bureau = models.ForeignKey(Bureau, verbose_name="管轄の経済産業局", on_delete=models.PROTECT,
                               related_name="prefectures")

    class Meta:
        verbose_name = "都道府県"
        verbose_name_plural = "都道府県"
        ordering = ["code"]

    def __str__(self):
        return self.name


def validate_local_government_code(value: str):
    if len(value) != 6 or not value.isdigit():
        raise ValidationError("全国地方公共団体コードは半角数字6桁で入力してください。")
    if local_government_check_digit(value[:5]) != int(value[5]):
        raise ValidationError("全国地方公共団体コードの検査数字（6桁目）が正しくありません。"
                              "コードをもう一度ご確認ください。")


class Region(models.Model):
    """A region a lab belongs to: a prefecture, a municipality, or a collaboration of several."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", "都道府県"
        MUNICIPALITY = "municipality", "市区町村"
        COLLABORATION = "collaboration", "地域連携"

    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    name_kana = models.CharField("名称（フリガナ）", max_length=200, blank=True)
    prefecture = models.ForeignKey(Prefecture, verbose_name="都道府県", on_delete=models.PROTECT,
                                   related_name="regions")
    local_government_code = models.CharField(
        "全国地方公共団体コード", max_length=6, blank=True,
        validators=[validate_local_government_code],
        help_text="市区町村・都道府県のみ。半角数字6桁（検査数字を含む）。",
    )
    members = models.ManyToManyField("self", verbose_name="構成する地域", blank=True,
                                     symmetrical=False, related_name="collaborations",
                                     through="RegionMember", through_fields=("from_region", "to_region"),
                                     help_text="地域連携の場合、判明している構成自治体。")
    retired_at = RETIRED_AT()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "地域"
        verbose_name_plural = "地域"
        ordering = ["prefecture__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["prefecture", "kind", "name"], name="region_unique_name"),
            models.UniqueConstraint(fields=["local_government_code"],
                                    condition=~models.Q(local_government_code=""),
                                    name="region_unique_local_government_code"),
        ]

    def __str__(self):
        if self.kind == self.Kind.PREFECTURE:
            return self.name
        return f"{self.name}（{self.prefecture.name}）"

    def clean(self):
        if self.local_government_code and self.kind == self.Kind.COLLABORATION:
            raise ValidationError({"local_government_code":
                                   "地域連携には全国地方公共団体コードを設定できません。"})


class RegionMember(models.Model):
    """A member of a regional collaboration (地域連携). A member region cannot be deleted while a
    collaboration lists it (PROTECT); deleting the collaboration itself is refused by its labs."""

    # The names of Django's automatic table, which this model took over with its rows.
    from_region = models.ForeignKey(Region, verbose_name="地域連携", on_delete=models.CASCADE, related_name="+")
    to_region = models.ForeignKey(Region, verbose_name="構成する地域", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "labportal_region_members"
        verbose_name = "地域連携の構成地域"
        verbose_name_plural = "地域連携の構成地域"
        unique_together = [("from_region", "to_region")]

    def __str__(self):
        return f"{self.from_region.name} / {self.to_region.name}"


class Programme(models.Model):
    """地方版IoT推進ラボ or 地域DX推進ラボ: what it is for, whom it selects, what selection brings."""

    code = models.SlugField("コード", max_length=10, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    short_name = models.CharField("略称", max_length=20)
    established = models.CharField("制度化", max_length=30, blank=True)
    purpose = models.TextField("制度の目的")
    eligible_initiatives = models.JSONField("選定の対象となる地域の取組", default=list)
    implementing_body = models.TextField("ラボの実施主体", blank=True)
    role = models.CharField("経済産業省・IPAの役割", max_length=200, blank=True)
    merits = models.JSONField("選定された場合のメリット", default=list)

    class Meta:
        verbose_name = "制度"
        verbose_name_plural = "制度"
        ordering = ["id"]

    def __str__(self):
        return self.name


class SelectionRoundQuerySet(models.QuerySet):
    def open_at(self, moment):
        return self.filter(state=SelectionRound.State.OPEN, opens_at__lte=moment, closes_at__gt=moment)


class SelectionRound(models.Model):
    """A call for applications (公募回, 第n弾) of a programme; its dates drive the clock."""

    class State(models.TextChoices):
        PREPARING = "preparing", "準備中"
        OPEN = "open", "公募中"
        REVIEWING = "reviewing", "審査中"
        ANNOUNCED = "announced", "公表済"

    programme = models.ForeignKey(Programme, verbose_name="制度", on_delete=models.PROTECT,
                                  related_name="rounds")
    number = models.PositiveSmallIntegerField("弾")
    opens_at = models.DateTimeField("公募開始日時", null=True, blank=True)
    closes_at = models.DateTimeField("公募締切日時", null=True, blank=True)
    announced_on = models.DateField("公表日", null=True, blank=True)
    announced_month_only = models.BooleanField(
        "公表は年月のみ判明", default=False,
        help_text="過去の回で選定の年月しか分からない場合。公表日はその月の1日として記録します。")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.PREPARING)
    public_note = models.CharField(
        "公開する状況", max_length=100, blank=True,
        help_text="公開ページで公募回の状況として表示する文言（例: 選定中（令和4年1月現在））。"
                  "空欄の場合は状態を表示します。")
    notes = models.TextField("備考", blank=True)

    objects = SelectionRoundQuerySet.as_manager()

    class Meta:
        verbose_name = "公募回"
        verbose_name_plural = "公募回"
        ordering = ["programme_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="round_unique_number"),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at"))
                                   | models.Q(closes_at__isnull=True) | models.Q(opens_at__isnull=True),
                                   name="round_closes_after_opening"),
        ]

    def __str__(self):
        return f"{self.programme.name} 第{self.number}弾"

    @property
    def label(self):
        return f"第{self.number}弾"

    @property
    def public_status(self) -> str:
        """What the public pages say of the round: staff's wording, else its state."""
        return self.public_note or self.get_state_display()

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "公募締切日時は公募開始日時より後にしてください。"})

    def is_accepting(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return (self.state == self.State.OPEN and self.opens_at is not None
                and self.closes_at is not None and self.opens_at <= moment < self.closes_at)


class Lab(models.Model):
    """A selected lab: an IoT lab of the seed, or a DX lab selected or moved from an IoT lab."""

    class Status(models.TextChoices):
        ACTIVE = "active", "活動中"
        TRANSITIONING = "transitioning", "移行手続中"
        MOVED = "moved", "DXラボへ移行済"
        ABOLISHED = "abolished", "廃止"
        COEXISTING = "coexisting", "併存"
        # The seed lists the 105 IoT labs but states none's activity: unknown until staff learn it.
        UNREGISTERED = "unregistered", "状況未登録"

    name = models.CharField("ラボ名（地域名）", max_length=100)
    region = models.ForeignKey(Region, verbose_name="地域", on_delete=models.PROTECT, related_name="labs")
    programme = models.ForeignKey(Programme, verbose_name="制度", on_delete=models.PROTECT,
                                  related_name="labs")
    selection_round = models.ForeignKey(
        SelectionRound, verbose_name="選定された公募回", on_delete=models.PROTECT, related_name="labs",
        null=True, blank=True,
        help_text="地方版IoT推進ラボから計画変更で移行した地域DX推進ラボは、地域DX推進ラボの公募回を持ちません"
                  "（IoTラボの公募回と移行日で示します）。")
    selected_on = models.DateField("選定時期", null=True, blank=True,
                                   help_text="公募回が年月のみ判明の場合はその月の1日（表示は年月のみ）。")
    transitioned_on = models.DateField("移行日", null=True, blank=True,
                                       help_text="地方版IoT推進ラボから地域DX推進ラボへ計画変更で移行した日。"
                                                 "移行元のIoTラボと移行先のDXラボの両方に記録します。")
    implementing_body = models.CharField("実施主体", max_length=200, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    predecessor = models.OneToOneField("self", verbose_name="移行元のIoTラボ", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="successor")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "ラボ"
        verbose_name_plural = "ラボ"
        ordering = ["programme_id", "region__prefecture__code", "selection_round__number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "region", "name"], name="lab_unique_per_region"),
            # Only a lab moved from an IoT lab (it has a predecessor) may lack a round of its own.
            models.CheckConstraint(condition=models.Q(selection_round__isnull=False)
                                   | models.Q(predecessor__isnull=False),
                                   name="lab_round_or_predecessor"),
        ]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self):
        return f"{self.name}（{self.programme.short_name}）"

    def get_absolute_url(self):
        return reverse("lab_detail", args=[self.pk])

    def clean(self):
        if self.selection_round_id and self.programme_id and \
                self.selection_round.programme_id != self.programme_id:
            raise ValidationError({"selection_round": "制度と公募回の制度が一致していません。"})
        if self.predecessor_id and self.predecessor.programme.code != "iot":
            raise ValidationError({"predecessor": "移行元には地方版IoT推進ラボを指定してください。"})
        if not self.selection_round_id and not self.predecessor_id:
            raise ValidationError({"selection_round": "選定された公募回を選んでください"
                                                      "（IoTラボから移行したラボを除きます）。"})

    @property
    def selected_month_only(self) -> bool:
        """Whether only the year and month of the selection are known (the seed's IoT rounds)."""
        return bool(self.selection_round_id and self.selection_round.announced_month_only)

    @property
    def round_label(self) -> str:
        """「地方版IoT推進ラボ 第1弾」, or for a lab moved from an IoT lab its predecessor's round
        and the move: it takes no DX round of its own."""
        if self.selection_round_id:
            return f"{self.programme.name} {self.selection_round.label}"
        if self.predecessor_id and self.predecessor.selection_round_id:
            return f"地方版IoT推進ラボ {self.predecessor.selection_round.label}から移行"
        return "—"
