"""Authenticator secrets at rest (OWASP ASVS L2): allauth stores the TOTP secret and the recovery
codes' seed through our MFAAdapter, which encrypts them with MFA_ENCRYPTION_KEYS (MultiFernet:
the first key encrypts, any decrypts). Secrets stored in the clear before keep working, a key
rotation locks nobody out, and a secret no key opens is an error, never a silent pass."""

import io
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import generate_totp_secret
from cryptography.fernet import Fernet
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.urls import reverse

from labportal.settings import _development_fernet_key
from labportal.two_factor import MFAAdapter, authenticator_secrets_encrypt
from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.two_factor import give_totp, totp_code

pytestmark = pytest.mark.django_db

SET_UP = "/accounts/2fa/totp/activate/"
CODE_PAGE = "/accounts/2fa/authenticate/"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _stored_secret(user) -> str:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]


def _logs_in_with_code(client, user, secret) -> bool:
    """The real login: password, then the code the authenticator app shows for `secret`."""
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    client.post(CODE_PAGE, {"code": totp_code(secret)})
    return client.get("/admin/").status_code == 200


def _staff_with_plaintext_secret():
    """A staff member whose authenticator was set up before secrets were encrypted."""
    staff = StaffFactory()
    Authenticator.objects.filter(user=staff).delete()
    secret = generate_totp_secret()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": secret})
    return staff, secret


def test_totp_set_up_stores_the_secret_encrypted(client):
    staff = UserFactory(email="new-staff@example.go.jp", is_staff=True)
    Authenticator.objects.filter(user=staff).delete()
    client.post(reverse("login"), {"username": staff.email, "password": PASSWORD})
    client.get(SET_UP)
    secret = client.session["mfa.totp.secret"]
    client.post(SET_UP, {"code": totp_code(secret)})
    data = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP).data
    assert (secret in json.dumps(data), MFAAdapter().decrypt(data["secret"])) == (False, secret)


def test_recovery_codes_seed_stored_encrypted():
    staff = StaffFactory()
    data = RecoveryCodes.activate(staff).instance.data
    assert data["seed"].startswith("gAAAA")


def test_login_with_a_code_from_an_encrypted_secret(client):
    staff = StaffFactory()
    assert (_stored_secret(staff) != staff.totp_secret, _logs_in_with_code(client, staff, staff.totp_secret)) == (
        True, True)


def test_login_with_a_plaintext_secret_stored_before_encryption(client):
    staff, secret = _staff_with_plaintext_secret()
    assert _logs_in_with_code(client, staff, secret) is True


def test_after_rotation_a_secret_under_the_old_key_still_logs_in(client, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    staff = StaffFactory()
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert _logs_in_with_code(client, staff, staff.totp_secret) is True


def test_after_rotation_a_new_secret_uses_the_new_key(settings):
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    staff = StaffFactory()
    assert Fernet(NEW_KEY).decrypt(_stored_secret(staff).encode()).decode() == staff.totp_secret


def test_secret_under_a_key_no_longer_listed_fails_loudly(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    staff = StaffFactory()
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(ImproperlyConfigured, match="MFA_ENCRYPTION_KEYS"):
        MFAAdapter().decrypt(_stored_secret(staff))


def test_login_with_a_key_no_longer_listed_fails_loudly(client, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    staff = StaffFactory()
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    client.post(reverse("login"), {"username": staff.email, "password": PASSWORD})
    with pytest.raises(ImproperlyConfigured):
        client.post(CODE_PAGE, {"code": totp_code(staff.totp_secret)})


def test_encrypted_secret_without_any_key_fails_loudly(settings):
    staff = StaffFactory()
    settings.MFA_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        MFAAdapter().decrypt(_stored_secret(staff))


def test_malformed_key_refused_with_how_to_make_one(settings):
    settings.MFA_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet.generate_key"):
        MFAAdapter().encrypt("JBSWY3DPEHPK3PXP")


def test_without_keys_secrets_stay_in_the_clear(settings):
    """Production before MFA_ENCRYPTION_KEYS is set (check --deploy warns, labportal.W002)."""
    settings.MFA_ENCRYPTION_KEYS = []
    staff = StaffFactory()
    assert _stored_secret(staff) == staff.totp_secret


def test_encrypting_stored_secrets_encrypts_plaintext_rows_once(client):
    staff, secret = _staff_with_plaintext_secret()
    codes = RecoveryCodes.activate(staff).get_unused_codes()
    recovery = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
    recovery.data = {**recovery.data, "seed": MFAAdapter().decrypt(recovery.data["seed"])}  # as stored before
    recovery.save()
    changed = (authenticator_secrets_encrypt(), authenticator_secrets_encrypt())
    recovery.refresh_from_db()
    assert (changed, _stored_secret(staff).startswith("gAAAA"), recovery.data["seed"].startswith("gAAAA"),
            RecoveryCodes(recovery).get_unused_codes() == codes, _logs_in_with_code(client, staff, secret)) == (
        (2, 0), True, True, True, True)


def test_encrypt_command_reports_how_many_it_encrypted():
    _staff_with_plaintext_secret()
    out = io.StringIO()
    call_command("encrypt_authenticator_secrets", stdout=out)
    assert out.getvalue().strip() == "暗号化した認証器: 1件"


def test_encrypt_command_without_keys_refused(settings):
    settings.MFA_ENCRYPTION_KEYS = []
    with pytest.raises(CommandError, match="MFA_ENCRYPTION_KEYS"):
        call_command("encrypt_authenticator_secrets")


def test_development_key_derived_from_secret_key_deterministically():
    keys = [_development_fernet_key("a" * 50), _development_fernet_key("a" * 50), _development_fernet_key("b" * 50)]
    assert (keys[0] == keys[1], keys[0] == keys[2], Fernet(keys[0]) is not None) == (True, False, True)
