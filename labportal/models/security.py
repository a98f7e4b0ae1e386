"""The security log: sign-ins and their failures, lockouts, sign-outs, password changes, and
accesses the portal refused. Written by labportal.services.security_event_record only."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    """One authentication event or one refused access: who, what, when and from where.

    Rows are only ever inserted (one INSERT per event) and read by staff in the admin.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "ログイン"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        LOCKED_OUT = "locked_out", "ロックアウト"
        UNLOCKED = "unlocked", "ロック解除"
        LOGOUT = "logout", "ログアウト"
        SESSION_EXPIRED = "session_expired", "セッション切れ"
        SESSIONS_ENDED = "sessions_ended", "全セッションの終了"
        PASSWORD_CHANGED = "password_changed", "パスワード変更"
        PASSWORD_RESET = "password_reset", "パスワード再設定"
        MFA_FAILED = "mfa_failed", "二要素認証の失敗"
        ACCESS_REFUSED = "access_refused", "アクセス拒否"
        CSRF_REFUSED = "csrf_refused", "送信の拒否（CSRF）"
        ADMIN_NOT_FOUND = "admin_not_found", "管理画面：存在しない対象"
        CSP_VIOLATION = "csp_violation", "CSP違反の報告"

    created_at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="security_events")
    identifier = models.CharField(
        "メールアドレス", max_length=254, blank=True,
        help_text="利用者のメールアドレス、またはログインで入力されたもの（存在しない場合もあります）。")
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    user_agent = models.CharField("ブラウザー（User-Agent）", max_length=300, blank=True)
    method = models.CharField("メソッド", max_length=10, blank=True)
    path = models.CharField("パス", max_length=500, blank=True)
    target = models.CharField("対象", max_length=200, blank=True,
                              help_text="拒否されたアクセスの対象（例: 申請 #12）や、操作の内容です。")

    class Meta:
        verbose_name = "セキュリティ記録"
        verbose_name_plural = "セキュリティ記録"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="security_kind_created"),
            models.Index(fields=["user", "created_at"], name="security_user_created"),
            models.Index(fields=["ip_address", "created_at"], name="security_ip_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.identifier or '（匿名）'}"


class LoginLock(AccessAttempt):
    """django-axes' record of failed sign-ins of one address from one IP address, shown to staff
    in Japanese; releasing a lock deletes it (labportal.services.login_lock_release)."""

    class Meta:
        proxy = True
        verbose_name = "ログインのロック"
        verbose_name_plural = "ログインのロック"
        ordering = ["-attempt_time"]
