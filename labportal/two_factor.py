"""Two-factor authentication (allauth.mfa): who must use it, and the one place that enforces it.

Staff (事務局) and reviewers work in the admin on every application of a round, so their accounts
must have an authenticator app (TOTP) — `two_factor_required`. Applicants may set one up; they are
never forced. allauth itself asks everyone who has one for the code at login (its authentication
stage), whichever page the login started from. `TwoFactorEnrolmentMiddleware` sends a signed-in
person who must have one but has none to the set-up page before anything else, the admin
included; only the set-up, logout and the pages allauth needs on the way stay reachable.
The authenticator secrets are stored encrypted with MFA_ENCRYPTION_KEYS (`MFAAdapter.encrypt`).
"""

import functools
import time

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal.cryptokit import normalize_user_code
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Role

ROLES_REQUIRING_TWO_FACTOR = (Role.STAFF, Role.REVIEWER)
# Pages a person who must enrol can still open: the set-up itself and what it leads to (the
# password check before it, allauth's 2FA overview), logging out, and allauth's login steps.
ENROLMENT_URL_NAMES = frozenset({
    "mfa_activate_totp", "mfa_index", "account_reauthenticate", "mfa_reauthenticate",
    "mfa_authenticate", "login", "account_login", "logout", "account_logout",
})
# Where to go after the set-up: the page the person had asked for (kept in the session).
NEXT_SESSION_KEY = "two_factor_enrolment_next"
_CLEARED_SESSION_KEY = "two_factor_cleared"


def two_factor_required(user) -> bool:
    """Must this person use two-factor authentication? Anyone who may open the admin (is_staff,
    superusers) or holds the staff or reviewer role."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (user.is_staff or user.is_superuser
            or user.groups.filter(name__in=ROLES_REQUIRING_TWO_FACTOR).exists())


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def must_enrol(user) -> bool:
    """Signed in, must use two-factor authentication, and has no authenticator app yet."""
    return two_factor_required(user) and not has_totp(user)


def enrolment_next_url(request) -> str:
    """The page to continue to once the authenticator app is set up."""
    default = reverse("admin:index") if request.user.is_staff else reverse("applications:dashboard")
    return request.session.get(NEXT_SESSION_KEY) or default


class TwoFactorEnrolmentMiddleware:
    """Sends a signed-in person who must use two-factor authentication but has no authenticator
    app to the set-up page, from any page (the admin included) except the few the set-up needs.

    The check is made once per session, at login (check_at_login) or else at the first request,
    not on every request (the pinned query counts of the admin's pages stay as they are): the
    session remembers the person and their admin flags, so a person made staff is checked again
    at their next request. An authenticator
    removed by someone else while the person is signed in is required again at the next login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        if request.session.get(_CLEARED_SESSION_KEY) == _stamp(user):
            return None
        if not must_enrol(user):
            request.session[_CLEARED_SESSION_KEY] = _stamp(user)
            return None
        match = request.resolver_match
        if (match and match.url_name in ENROLMENT_URL_NAMES) or request.path.startswith(
                "/" + settings.STATIC_URL.lstrip("/")):
            return None
        if request.method == "GET" and url_has_allowed_host_and_scheme(
                request.get_full_path(), {request.get_host()}, request.is_secure()):
            request.session[NEXT_SESSION_KEY] = request.get_full_path()
        return redirect(reverse("mfa_activate_totp"))


def _stamp(user) -> str:
    return f"{user.pk}:{int(user.is_staff)}:{int(user.is_superuser)}"


def check_at_login(sender, request, user, **kwargs):
    """user_logged_in: check once while the login writes the session anyway, so that the first
    page after it costs no query or session write of its own; the middleware relies on it."""
    if request is not None and hasattr(request, "session") and not must_enrol(user):
        request.session[_CLEARED_SESSION_KEY] = _stamp(user)


def _password_typed_moments_ago(request) -> bool:
    """The login's own password counts as the re-entry allauth asks for before 2FA changes, for
    as long as a re-entry would (ACCOUNT_REAUTHENTICATION_TIMEOUT): right after logging in, staff
    go straight to the set-up instead of typing the same password twice."""
    if request is None or not request.user.is_authenticated:
        return False
    records = [r for r in get_authentication_records(request, request.user)
               if r.get("method") in ("password", "mfa")]
    return bool(records) and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT


def reauthentication_required_for_two_factor(app: str) -> bool | None:
    """For AccountAdapter.is_reauthentication_required: False when a fresh login stands in."""
    if app == "allauth.mfa" and _password_typed_moments_ago(context.request):
        return False
    return None


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa with our messages, and no way for someone who must use 2FA to switch it off."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "コードが正しくありません。認証アプリに表示されている最新の6桁の数字を入力してください。",
        "cannot_delete_authenticator": "事務局・審査員のアカウントでは2段階認証を無効にできません。"
                                       "スマートフォンを替えるときは事務局にご連絡ください。",
        "cannot_generate_recovery_codes": "2段階認証を設定してから、リカバリーコードを発行してください。",
        "unverified_email": "メールアドレスの確認が済んでいないため、2段階認証を設定できません。"
                            "お送りした確認メールのリンクを開いてから、もう一度お試しください。",
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        return not (authenticator.type == Authenticator.Type.TOTP
                    and two_factor_required(authenticator.user))

    # allauth stores the TOTP secret and the recovery codes' seed through these two: encrypted
    # with MFA_ENCRYPTION_KEYS (Fernet; the first key encrypts, any of them decrypts, so keys can
    # be rotated). A value stored before there was a key is read as it is: nobody is locked out.

    def encrypt(self, text: str) -> str:
        keys = settings.MFA_ENCRYPTION_KEYS
        if not keys:  # production without a key: check --deploy warns (labportal.W002)
            return text
        return _fernet(tuple(keys)).encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not is_encrypted(encrypted_text):
            return encrypted_text
        keys = settings.MFA_ENCRYPTION_KEYS
        try:
            if not keys:
                raise InvalidToken
            return _fernet(tuple(keys)).decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            # Never a silent fall-back: a secret nobody can read is a configuration error.
            raise ImproperlyConfigured(
                "2段階認証の鍵を復号できません。MFA_ENCRYPTION_KEYS に、この鍵を暗号化したときの鍵が"
                "含まれていません（鍵を替えたときは、古い鍵を新しい鍵の後ろに残してください）。"
                " / An authenticator secret cannot be decrypted with any key of MFA_ENCRYPTION_KEYS."
            ) from None


# Every Fernet token starts with its version byte 0x80 and a timestamp, "gAAAA" in base64; a
# secret stored in the clear (base32, or the hex seed of recovery codes) never does.
FERNET_TOKEN_PREFIX = "gAAAA"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(FERNET_TOKEN_PREFIX)


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEYS の鍵の形式が正しくありません。鍵は次のコマンドで作れます: "
            "python -c \"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\""
            " / MFA_ENCRYPTION_KEYS holds a value that is not a Fernet key."
        ) from None


def authenticator_secrets_encrypt(authenticator_model=Authenticator) -> int:
    """Encrypt every authenticator secret still stored in the clear (TOTP secrets and recovery-code
    seeds from before MFA_ENCRYPTION_KEYS) with the first key, and return how many authenticators
    changed. Idempotent; changes nothing while no key is set. Rows are locked while rewritten, so a
    recovery code used meanwhile stays used. `authenticator_model`: a migration's historical model."""
    if not settings.MFA_ENCRYPTION_KEYS:
        return 0
    adapter = MFAAdapter()
    changed = 0
    with transaction.atomic():
        for authenticator in authenticator_model.objects.select_for_update().filter(
                type__in=(Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)).order_by("pk"):
            data = dict(authenticator.data)
            for field in ("secret", "seed"):
                if isinstance(data.get(field), str) and not is_encrypted(data[field]):
                    data[field] = adapter.encrypt(data[field])
            if isinstance(data.get("migrated_codes"), list):
                data["migrated_codes"] = [code if is_encrypted(code) else adapter.encrypt(code)
                                          for code in data["migrated_codes"]]
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed


_CODE_HELP = "認証アプリ（Google Authenticator、Microsoft Authenticator など）に表示される6桁の数字です。"


def _code_field(field, label, help_text):
    field.label = label
    field.help_text = help_text
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})


# Wrong codes in a row before the code is refused for a while. allauth's own limit shares the
# "login_failed" rate of passwords, which django-axes replaces (ACCOUNT_RATE_LIMITS): without this,
# a stolen password would leave a million codes to guess at leisure.
CODE_FAILURE_LIMIT = 5
CODE_FAILURE_MINUTES = 15


class _CheckedCode:
    """The code at login and re-authentication: a few wrong ones in a row are allowed, then none
    for CODE_FAILURE_MINUTES; and a TOTP code, valid for a step either side
    (MFA_TOTP_TOLERANCE), is remembered for the whole window (allauth: one step), so that a code
    never logs in twice."""

    def clean_code(self):
        failures_key = f"two_factor.failures:{self.user.pk}"
        if cache.get(failures_key, 0) >= CODE_FAILURE_LIMIT:
            raise forms.ValidationError(
                f"確認コードを{CODE_FAILURE_LIMIT}回続けて間違えたため、入力を{CODE_FAILURE_MINUTES}分間止めています。"
                "時間をおいてから、もう一度お試しください。", code="too_many_codes")
        try:
            code = super().clean_code()
            if self.authenticator.type == Authenticator.Type.TOTP:
                window = mfa_settings.TOTP_PERIOD * (2 * mfa_settings.TOTP_TOLERANCE + 1)
                used_key = f"two_factor.totp.used:{self.user.pk}:{normalize_user_code(code)}"
                if not cache.add(used_key, True, timeout=window):
                    raise MFAAdapter().validation_error("incorrect_code")
        except forms.ValidationError:
            cache.add(failures_key, 0, timeout=CODE_FAILURE_MINUTES * 60)
            cache.incr(failures_key)
            raise
        cache.delete(failures_key)
        return code


class AuthenticateForm(_CheckedCode, AllauthAuthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], "確認コード",
                    _CODE_HELP + "スマートフォンが手元にないときは、8桁のリカバリーコードも使えます。")


class ReauthenticateForm(_CheckedCode, AllauthReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], "確認コード", _CODE_HELP + "8桁のリカバリーコードも使えます。")


class ActivateTOTPForm(AllauthActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], "確認コード",
                    "QRコードを読み取ると認証アプリに表示される6桁の数字を入力してください。")


def totp_issue(*, user) -> str:
    """Give `user` a new authenticator secret, replacing any authenticator app and recovery codes
    they had, and return it: for accounts the portal sets up itself (the demo accounts), whose
    secret is shown once to the person who will add it to their authenticator app."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    Authenticator.objects.filter(user_id=user.pk, type__in=(
        Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
