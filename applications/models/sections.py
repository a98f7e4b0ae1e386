"""The application's answers, one model per section, in the order of the six review criteria.

Each section saves on its own and carries its own version counter: two tabs editing the same
section conflict (the later save is refused), two tabs editing different sections do not.
Everything may be blank while drafting; what submission requires is checked by
applications.checklist, so a half-written draft is never refused.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from labportal.models import Region

from .application import Activity, Application, Initiative, Quadrant, RegionalityAspect

LONG_TEXT = 20_000  # characters: about ten pages of A4, the longest answer the form accepts
SHORT_TEXT = 2_000


class Section(models.Model):
    """What every section has: its application, a version counter, who saved it last."""

    key: str = ""
    title: str = ""
    criterion: str = ""  # the review criterion (審査の視点) this section answers, if any

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField("版", default=0)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.title}（{self.application}）"


def _text(label, max_length=LONG_TEXT, **kwargs):
    return models.TextField(label, max_length=max_length, blank=True, **kwargs)


class BasicInfoSection(Section):
    key, title, criterion = "basic", "基本情報", ""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="basic")
    lab_name = models.CharField("ラボの名称", max_length=100, blank=True,
                                help_text="例: 札幌市地域DX推進ラボ")
    regions = models.ManyToManyField(Region, verbose_name="対象地域", blank=True, related_name="+",
                                     through="BasicInfoRegion")
    implementing_body = models.CharField("実施主体の名称", max_length=200, blank=True)
    implementing_body_members = _text("実施主体の構成", SHORT_TEXT,
                                      help_text="構成する自治体・団体・企業等と、それぞれの役割を記入してください。")
    contact_name = models.CharField("担当者 氏名", max_length=100, blank=True)
    contact_kana = models.CharField("担当者 フリガナ", max_length=200, blank=True,
                                    help_text="全角カタカナで入力してください（ひらがなはカタカナに変換します）。")
    contact_department = models.CharField("担当者 部署", max_length=200, blank=True)
    contact_phone = models.CharField("担当者 電話番号", max_length=20, blank=True,
                                     help_text="例: 000-0000-0000（全角数字も使えます）")
    contact_email = models.EmailField("担当者 メールアドレス", blank=True)

    class Meta:
        verbose_name = "基本情報"
        verbose_name_plural = "基本情報"


class DirectionSection(Section):
    key, title, criterion = "direction", "方向性", "方向性"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="direction")
    vision = _text("DX推進のビジョン")
    goals = _text("目標")
    process = _text("目標に至るプロセス")

    class Meta:
        verbose_name = "方向性"
        verbose_name_plural = "方向性"


class RegionalitySection(Section):
    key, title, criterion = "regionality", "地域性", "地域性"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="regionality")
    regional_issues = _text("解決を目指す地域課題")
    target_industries = _text("対象とする産業", SHORT_TEXT)
    # What the 地域性 criterion asks, as the seed words it; the ①② of 新規産業・新規ビジネス are
    # asked under 革新性, whose criterion they answer (issue 16).
    aspects = models.ManyToManyField(RegionalityAspect, verbose_name="取組内容が該当するもの", blank=True,
                                     related_name="+", through="RegionalityAspectChoice")

    class Meta:
        verbose_name = "地域性"
        verbose_name_plural = "地域性"


class InnovationSection(Section):
    key, title, criterion = "innovation", "革新性", "革新性"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="innovation")
    initiatives = models.ManyToManyField(Initiative, verbose_name="該当する取組", blank=True,
                                         related_name="+", through="InnovationInitiative")
    quadrants = models.ManyToManyField(Quadrant, verbose_name="取組が該当する象限", blank=True,
                                       related_name="+", through="InnovationQuadrant")
    activities = models.ManyToManyField(Activity, verbose_name="実施する取組", blank=True, related_name="+",
                                        through="InnovationActivity")
    activities_other = models.CharField("その他の取組", max_length=500, blank=True,
                                        help_text="一覧にない取組があれば記入してください。")
    activity_plan = _text("取組の内容と計画")

    class Meta:
        verbose_name = "革新性"
        verbose_name_plural = "革新性"


class CommitmentSection(Section):
    key, title, criterion = "commitment", "自治体の積極性と継続性", "自治体の積極性と継続性"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="commitment")
    municipality_role = _text("自治体の役割と関与")
    annual_budget = models.PositiveBigIntegerField(
        "年間予算（円）", null=True, blank=True, validators=[MaxValueValidator(10**13)],
        help_text="半角・全角の数字で入力（カンマ・「円」は省略可）。例: 12,000,000")
    funding_plan = _text("予算・資金計画（経済的な自立に向けて）")
    returns = _text("リターンを生み出す仕組み")
    staffing = _text("ラボを運営・発展させる人材")

    class Meta:
        verbose_name = "自治体の積極性と継続性"
        verbose_name_plural = "自治体の積極性と継続性"


class DiversitySection(Section):
    key, title, criterion = "diversity", "多様性と一体感", "多様性と一体感"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="diversity")
    collaboration = _text("連携・参加の体制")

    class Meta:
        verbose_name = "多様性と一体感"
        verbose_name_plural = "多様性と一体感"


class OtherSection(Section):
    key, title, criterion = "other", "その他", "その他"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="other")
    open_data = _text("オープンデータの活用")
    digital_talent = _text("デジタル推進人材の育成・確保")
    data_linkage = _text("企業・団体・地域間のデータ連携")

    class Meta:
        verbose_name = "その他"
        verbose_name_plural = "その他"


# --- What a section chose from the reference data ------------------------------------------
# Explicit through models (they took over the rows of Django's automatic tables, same names and
# columns): a choice points at its region, initiative, quadrant or activity with PROTECT, so
# reference data that an application chose can never be deleted (a cascade would silently
# remove it from submitted and selected applications); it is retired instead (retired_at).

class _Choice(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return str(getattr(self, self.choice_field))


class BasicInfoRegion(_Choice):
    choice_field = "region"
    basicinfosection = models.ForeignKey(BasicInfoSection, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, verbose_name="対象地域", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "applications_basicinfosection_regions"
        unique_together = [("basicinfosection", "region")]
        verbose_name = verbose_name_plural = "申請の対象地域"


class RegionalityAspectChoice(_Choice):
    choice_field = "aspect"
    regionalitysection = models.ForeignKey(RegionalitySection, on_delete=models.CASCADE, related_name="+")
    aspect = models.ForeignKey(RegionalityAspect, verbose_name="取組内容が該当するもの", on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        unique_together = [("regionalitysection", "aspect")]
        verbose_name = verbose_name_plural = "申請の地域性の該当内容"


class InnovationInitiative(_Choice):
    choice_field = "initiative"
    innovationsection = models.ForeignKey(InnovationSection, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey(Initiative, verbose_name="該当する取組", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        unique_together = [("innovationsection", "initiative")]
        verbose_name = verbose_name_plural = "申請が該当する取組"


class InnovationQuadrant(_Choice):
    choice_field = "quadrant"
    innovationsection = models.ForeignKey(InnovationSection, on_delete=models.CASCADE, related_name="+")
    quadrant = models.ForeignKey(Quadrant, verbose_name="象限", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "applications_innovationsection_quadrants"
        unique_together = [("innovationsection", "quadrant")]
        verbose_name = verbose_name_plural = "申請が該当する象限"


class InnovationActivity(_Choice):
    choice_field = "activity"
    innovationsection = models.ForeignKey(InnovationSection, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, verbose_name="実施する取組", on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        db_table = "applications_innovationsection_activities"
        unique_together = [("innovationsection", "activity")]
        verbose_name = verbose_name_plural = "申請が実施する取組"


# In the order the applicant fills them and the reviewer reads them.
SECTION_MODELS = [BasicInfoSection, DirectionSection, RegionalitySection, InnovationSection,
                  CommitmentSection, DiversitySection, OtherSection]
SECTIONS_BY_KEY = {model.key: model for model in SECTION_MODELS}
SECTION_KEYS = [model.key for model in SECTION_MODELS]

FISCAL_YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Kpi(models.Model):
    """A row of the KPI table of 方向性."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="kpis")
    indicator = models.CharField("指標", max_length=200)
    current_value = models.CharField("現状値", max_length=100)
    target_value = models.CharField("目標値", max_length=100)
    target_fiscal_year = models.PositiveSmallIntegerField("目標年度", validators=FISCAL_YEAR_VALIDATORS,
                                                          help_text="西暦で入力（例: 2028）")
    order = models.PositiveSmallIntegerField("順序", default=0)

    class Meta:
        verbose_name = "KPI"
        verbose_name_plural = "KPI"
        ordering = ["application_id", "order", "id"]

    def __str__(self):
        return self.indicator


class RoadmapItem(models.Model):
    """A year of the roadmap (ロードマップ) of 方向性."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="roadmap_items")
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=FISCAL_YEAR_VALIDATORS,
                                                   help_text="西暦で入力（例: 2026）")
    plan = models.TextField("取組内容", max_length=SHORT_TEXT)

    class Meta:
        verbose_name = "ロードマップ"
        verbose_name_plural = "ロードマップ"
        ordering = ["application_id", "fiscal_year", "id"]

    def __str__(self):
        return f"{self.fiscal_year}年度"


class Participant(models.Model):
    """A participating organisation of 多様性と一体感."""

    class Kind(models.TextChoices):
        PUBLIC = "public", "公的機関"
        SCHOOL = "school", "大学・各種学校"
        RESEARCH = "research", "研究機関"
        COMPANY = "company", "企業・事業者"
        ASSOCIATION = "association", "事業者団体"
        INVESTOR = "investor", "投資家"
        VENTURE_FUND = "venture_fund", "ベンチャーファンド"
        FINANCIAL = "financial", "金融機関"
        CIVIC = "civic", "市民団体"
        OTHER = "other", "その他"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField("機関・団体名", max_length=200)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    role = models.CharField("役割", max_length=500)
    order = models.PositiveSmallIntegerField("順序", default=0)

    class Meta:
        verbose_name = "参加機関"
        verbose_name_plural = "参加機関"
        ordering = ["application_id", "order", "id"]

    def __str__(self):
        return self.name
