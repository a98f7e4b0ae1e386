from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm


class LoginForm(AuthenticationForm):
    """Sign in with the e-mail address; messages in plain Japanese."""

    username = forms.EmailField(label="メールアドレス", max_length=254,
                                widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(label="パスワード", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": "メールアドレスまたはパスワードが正しくありません。入力内容をご確認ください。"
                         "（パスワードは大文字・小文字を区別します）",
        "inactive": "このアカウントは利用が停止されています。事務局にお問い合わせください。",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class PortalPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(label="メールアドレス", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text="登録済みのメールアドレスに、パスワード再設定用のリンクをお送りします。")
