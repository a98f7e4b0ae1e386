from django.db import migrations, models


class Migration(migrations.Migration):
    """The security log's two new kinds: the admin's "does not exist" answers and the browsers'
    CSP violation reports (issue 15)."""

    dependencies = [
        ('labportal', '0008_retire_regions_and_protect_members'),
    ]

    operations = [
        migrations.AlterField(
            model_name='securityevent',
            name='kind',
            field=models.CharField(choices=[('login', 'ログイン'), ('login_failed', 'ログイン失敗'), ('locked_out', 'ロックアウト'), ('unlocked', 'ロック解除'), ('logout', 'ログアウト'), ('session_expired', 'セッション切れ'), ('sessions_ended', '全セッションの終了'), ('password_changed', 'パスワード変更'), ('password_reset', 'パスワード再設定'), ('mfa_failed', '二要素認証の失敗'), ('access_refused', 'アクセス拒否'), ('csrf_refused', '送信の拒否（CSRF）'), ('admin_not_found', '管理画面：存在しない対象'), ('csp_violation', 'CSP違反の報告')], max_length=20, verbose_name='種類'),
        ),
    ]
