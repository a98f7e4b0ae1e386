"""Criteria sets and criteria (審査の視点) as data. Assignments, reviews and decisions follow (issue 5)."""

from django.core.exceptions import ValidationError
from django.db import models

from labportal.models import Programme


class CriteriaSet(models.Model):
    """A versioned set of review criteria of a programme; staff choose one per round."""

    name = models.CharField("名称", max_length=100)
    programme = models.ForeignKey(Programme, verbose_name="制度", on_delete=models.PROTECT,
                                  related_name="criteria_sets")
    version = models.PositiveSmallIntegerField("版", default=1)
    is_published = models.BooleanField("公開ページに掲載", default=False,
                                       help_text="制度のトップページに「審査の視点」として表示します。")
    notes = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = "審査の視点（基準セット）"
        verbose_name_plural = "審査の視点（基準セット）"
        ordering = ["programme_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["programme", "version"], name="criteria_set_version")]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"


class Criterion(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name="基準セット", on_delete=models.CASCADE,
                                     related_name="criteria")
    order = models.PositiveSmallIntegerField("順序")
    name = models.CharField("視点", max_length=50)
    description = models.TextField("内容（審査すること）", blank=True)
    points = models.JSONField("該当すべき事項", default=list, blank=True,
                              help_text="「いずれか、又は両方に該当すること」等の項目を1行ずつ。")
    weight = models.DecimalField("重み", max_digits=4, decimal_places=2, default=1)
    scale_min = models.SmallIntegerField("評点の下限", default=0)
    scale_max = models.SmallIntegerField("評点の上限", default=5)
    is_bonus = models.BooleanField("加点項目", default=False,
                                   help_text="「審査にあたり配慮します」のように加点として扱う視点。")

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
