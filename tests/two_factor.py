"""Two-factor authentication in tests, the honest way: staff and reviewers get a real
authenticator (allauth.mfa's own TOTP model, as after the set-up page), and whoever logs in
through the form types a real code computed from its secret, as an authenticator app would."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from labportal.models import Role


def give_totp(user, secret: str | None = None) -> str:
    """Give `user` an authenticator app with `secret` (a new one by default); returns the secret,
    also kept on the object as `user.totp_secret`."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return secret


def totp_code(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` periods away)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD + steps))


def wrong_totp_code(secret: str) -> str:
    """A well-formed code that no accepted period gives."""
    accepted = {totp_code(secret, steps) for steps in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555", "666666")
                if code not in accepted)


def give_totp_if_staff(user, role=None) -> None:
    """Factories: staff and reviewers cannot work without an authenticator app, so theirs have one."""
    if user.is_staff or user.is_superuser or role in (Role.STAFF, Role.REVIEWER):
        give_totp(user)


def secret_of(user) -> str:
    """The secret of `user`'s authenticator app, as their phone holds it (stored encrypted by the
    portal's MFAAdapter)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    return decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])


def type_code(page, secret: str) -> None:
    """In a browser on the code page after the password: type what the authenticator app shows."""
    field = page.get_by_label("確認コード")
    field.click()  # a person clicks the field before typing (tests/e2e/person.py)
    field.fill(totp_code(secret))
    page.get_by_role("button", name="ログイン", exact=True).click()
