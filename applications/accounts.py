"""Sign-up and login through django-allauth, adapted to the portal: names in Japanese order,
new accounts join the applicant group, applicants land on their dashboard after login."""

import hashlib
import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from labportal.models import Role

from .forms import InputMixin

# allauth's mails, by template prefix: our outbox event and the context key holding the link.
ACCOUNT_MAILS = {
    "account/email/email_confirmation_signup": ("account_email_confirmation", "activate_url"),
    "account/email/email_confirmation": ("account_email_confirmation", "activate_url"),
    "account/email/password_reset_key": ("account_password_reset", "password_reset_url"),
    "account/email/unknown_account": ("account_unknown", "signup_url"),
    "account/email/account_already_exists": ("account_already_exists", "password_reset_url"),
}


class LoginForm(InputMixin, AllauthLoginForm):
    """allauth's login form, its e-mail field posted as `username` as before the switch, so that
    saved passwords, bookmarks with a prefilled form and our tests keep working."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "メールアドレス"
        self.fields["login"].widget.attrs.update({"autocomplete": "email", "autofocus": True})
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].label = "パスワード"
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "ログインしたままにする"

    def add_prefix(self, field_name):
        return "username" if field_name == "login" else super().add_prefix(field_name)

    def clean_login(self):
        return super().clean_login().lower()

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):  # locked by django-axes: say until when
                from labportal.lockout import lockout_message

                raise ValidationError(lockout_message(self.request, self.cleaned_data.get("login", ""))) from None
            raise


class SignupForm(InputMixin, AllauthSignupForm):
    last_name = forms.CharField(label="姓", max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    first_name = forms.CharField(label="名", max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    field_order = ["last_name", "first_name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "メールアドレス"
        self.fields["email"].help_text = "確認のメールをお送りします。所属先で受け取れるアドレスを入力してください。"
        self.fields["password1"].help_text = "10文字以上で、数字だけ・よくある語句は使えません。"
        for name in ("email", "password1", "password2"):
            # allauth's placeholders repeat the label; our labels are always visible.
            self.fields[name].widget.attrs.pop("placeholder", None)

    def save(self, request):
        user = super().save(request)
        return user


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "メールアドレスまたはパスワードが正しくありません。入力内容をご確認ください。"
                                   "（パスワードは大文字・小文字を区別します）",
        "email_taken": "このメールアドレスは既に登録されています。ログインするか、パスワードの再設定をご利用ください。",
        "account_inactive": "このアカウントは利用が停止されています。事務局にお問い合わせください。",
    }

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user._signed_up_by_allauth = True  # its address is confirmed by mail, not trusted
        user.last_name = form.cleaned_data.get("last_name", "")
        user.first_name = form.cleaned_data.get("first_name", "")
        if commit:
            user.save()
            user.groups.add(Group.objects.get(name=Role.APPLICANT))
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's mails go through the outbox like every other mail of the portal: staff see
        them, a failing SMTP server is retried, and a request never fails because mail is down."""
        from labportal.services import notify

        event, link_key = ACCOUNT_MAILS[template_prefix]
        user = context.get("user")
        # A confirmation key or reset link is unique; the other two mails answer one request each.
        once = context.get("key") or context.get("password_reset_url") if event in (
            "account_email_confirmation", "account_password_reset") else uuid.uuid4().hex
        notify(event=event, to=user if user is not None and user.email == email else email,
               context={"link": str(context.get(link_key, ""))},
               dedup_key="account:" + hashlib.sha256(str(once).encode()).hexdigest()[:32])

    def get_login_redirect_url(self, request):
        user = request.user
        if not user.is_staff and user.in_group(Role.APPLICANT):
            return reverse("applications:dashboard")
        return super().get_login_redirect_url(request)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        from labportal.two_factor import reauthentication_required_for_two_factor

        answer = reauthentication_required_for_two_factor(app)
        return super().is_reauthentication_required(app=app, **kwargs) if answer is None else answer

    def reauthenticate(self, user, password):
        """The password typed again before a sensitive change counts towards the lockout like a
        login (allauth passes the request on); once locked, the form says so and until when."""
        if super().reauthenticate(user, password):
            return True
        request = context.request
        if getattr(request, "axes_locked_out", False):
            from labportal.lockout import lockout_message

            raise ValidationError(lockout_message(request, user.email))
        return False


def trust_address_of_account_made_by_staff(sender, instance, created, raw=False, **kwargs):
    """An account made by staff (admin, createsuperuser, demo data) has an address staff chose:
    mark it confirmed, so that mandatory confirmation only applies to self sign-up."""
    if not created or raw or getattr(instance, "_signed_up_by_allauth", False) or not instance.email:
        return
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=instance, email=instance.email.lower(),
                                       defaults={"verified": True, "primary": True})
