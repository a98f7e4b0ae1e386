"""What staff write for the public pages (issue 16): the texts of the fixed pages, お知らせ, and each
round's 公募要領, FAQ and schedule. Plain text with a few marks (see labportal.markup), never HTML:
everything is escaped when shown."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .register import SelectionRound

MARKUP_HELP = ("書式: 空行で段落を分けます。「## 」で始まる行は見出し、「- 」で始まる行は箇条書きになります。"
               "URL（https://…）はリンクになります。HTMLは使えません（そのまま文字として表示されます）。")


class PublicPage(models.Model):
    """One of the fixed public pages whose text staff edit."""

    class Slug(models.TextChoices):
        ABOUT = "about", "地域DX推進ラボとは"
        TRANSITION = "transition", "移行について"
        CALLS = "calls", "公募"
        PRIVACY = "privacy", "個人情報の取扱い"
        TERMS = "terms", "利用規約"
        ACCESSIBILITY = "accessibility", "アクセシビリティ方針"

    slug = models.CharField("ページ", max_length=20, choices=Slug.choices, unique=True)
    title = models.CharField("見出し", max_length=100)
    body = models.TextField("本文", blank=True, max_length=20_000, help_text=MARKUP_HELP)
    is_draft = models.BooleanField("案として表示する", default=False,
                                   help_text="チェックすると見出しに「（案）」を付けて表示します。")
    conformance_target = models.CharField(
        "適合目標", max_length=200, blank=True,
        help_text="アクセシビリティ方針のみ。例: JIS X 8341-3:2016 の適合レベルAA に準拠")
    last_checked_on = models.DateField("最終確認日", null=True, blank=True,
                                       help_text="アクセシビリティ方針のみ。試験・確認を最後に行った日。")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "公開ページの文章"
        verbose_name_plural = "公開ページの文章"
        ordering = ["slug"]

    def __str__(self):
        return self.get_slug_display()

    @property
    def display_title(self) -> str:
        return f"{self.title}（案）" if self.is_draft else self.title


class NoticeQuerySet(models.QuerySet):
    def published(self, moment=None):
        return self.filter(published_at__lte=moment or timezone.now()).order_by("-published_at", "-pk")


class Notice(models.Model):
    """お知らせ: shown (and in the Atom feed) from its publication date and time."""

    title = models.CharField("件名", max_length=200)
    body = models.TextField("本文", max_length=20_000, help_text=MARKUP_HELP)
    published_at = models.DateTimeField("掲載日時", default=timezone.now,
                                        help_text="この日時から公開ページとフィードに表示します（未来の日時は予約）。")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("notice_detail", args=[self.pk])


def guide_pdf_path(instance, filename):
    return f"public/rounds/{uuid.uuid4().hex}.pdf"


def validate_pdf(file):
    head = file.read(5)
    file.seek(0)
    if head != b"%PDF-":
        raise ValidationError("PDFファイルを選んでください（ファイルの中身がPDFではありません）。")


class RoundGuide(models.Model):
    """A round's public call: 公募要領, FAQ, schedule and an optional PDF, edited by staff. The 公募
    page shows it once its round is no longer 準備中 (the round's own state decides, nothing here)."""

    selection_round = models.OneToOneField(SelectionRound, verbose_name="公募回", on_delete=models.PROTECT,
                                           related_name="guide")
    guidelines = models.TextField("公募要領", blank=True, max_length=50_000, help_text=MARKUP_HELP)
    faq = models.TextField("よくある質問（FAQ）", blank=True, max_length=50_000,
                           help_text=MARKUP_HELP + "質問は「## 」で始めると見出しになります。")
    guidelines_pdf = models.FileField(
        "公募要領（PDF）", upload_to=guide_pdf_path, blank=True, max_length=200,
        validators=[FileExtensionValidator(["pdf"], message="PDFファイル（.pdf）を選んでください。"), validate_pdf])
    pdf_title = models.CharField("PDFの表示名", max_length=200, blank=True, help_text="例: 公募要領（令和8年度）")
    review_period = models.CharField("審査", max_length=100, blank=True, help_text="例: 2026年5月〜6月（予定）")
    notification_on = models.CharField("内示", max_length=100, blank=True, help_text="例: 2026年7月上旬（予定）")
    publication_on = models.CharField("公表", max_length=100, blank=True, help_text="例: 2026年7月下旬（予定）")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "公募の案内"
        verbose_name_plural = "公募の案内"
        ordering = ["selection_round__programme_id", "-selection_round__number"]

    def __str__(self):
        return f"{self.selection_round} の公募の案内"
