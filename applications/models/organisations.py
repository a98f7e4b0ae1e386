"""Applicant organisations (申請主体) and who belongs to them."""

import secrets

from django.conf import settings
from django.db import models

from labportal.models import Region


class Organisation(models.Model):
    """A body that applies: a municipality acting as the lab's secretariat, or another body with
    a municipality's consent (then a 同意書 is a required attachment of its applications)."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", "地方公共団体（都道府県・市区町村）"
        ASSOCIATION = "association", "組合・団体"
        COMPANY = "company", "企業・事業者"
        UNIVERSITY = "university", "大学・学校"
        OTHER = "other", "その他"

    class Status(models.TextChoices):
        PENDING = "pending", "事務局確認待ち"
        CONFIRMED = "confirmed", "確認済"
        REJECTED = "rejected", "確認できず"

    name = models.CharField("団体名", max_length=200)
    name_kana = models.CharField("団体名（フリガナ）", max_length=400, blank=True)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    regions = models.ManyToManyField(Region, verbose_name="対象地域", related_name="organisations",
                                     through="OrganisationRegion")
    department = models.CharField("担当部署", max_length=200, blank=True)
    address = models.CharField("所在地", max_length=300, blank=True)
    phone = models.CharField("電話番号", max_length=20, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登録者", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        verbose_name = "申請主体"
        verbose_name_plural = "申請主体"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def needs_consent_letter(self) -> bool:
        return self.kind != self.Kind.MUNICIPALITY


class OrganisationRegion(models.Model):
    """A region an organisation covers: PROTECT, so a region in use is retired, never deleted
    (the rows of Django's automatic table, same name and columns)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, verbose_name="対象地域", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "applications_organisation_regions"
        unique_together = [("organisation", "region")]
        verbose_name = verbose_name_plural = "申請主体の対象地域"

    def __str__(self):
        return str(self.region)


class Membership(models.Model):
    """A person in an organisation. A join request is a pending membership its members approve."""

    class Role(models.TextChoices):
        ADMIN = "admin", "管理者"
        MEMBER = "member", "メンバー"

    class State(models.TextChoices):
        PENDING = "pending", "承認待ち"
        ACTIVE = "active", "有効"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者", on_delete=models.CASCADE,
                             related_name="memberships")
    organisation = models.ForeignKey(Organisation, verbose_name="申請主体", on_delete=models.CASCADE,
                                     related_name="memberships")
    role = models.CharField("役割", max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField("申請日時", auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承認者", null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"
        ordering = ["organisation_id", "created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} / {self.organisation}"


def _new_token():
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation by e-mail to join an organisation; accepting it makes an active membership."""

    organisation = models.ForeignKey(Organisation, verbose_name="申請主体", on_delete=models.CASCADE,
                                     related_name="invitations")
    email = models.EmailField("招待先メールアドレス")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="招待者", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("招待日時", auto_now_add=True)
    accepted_at = models.DateTimeField("受諾日時", null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="受諾者", null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "招待"
        verbose_name_plural = "招待"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"
