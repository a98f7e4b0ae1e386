"""The portal's user and the role names."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("メールアドレスは必須です。")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person: signs in with an e-mail address; roles are groups (applicant, reviewer, staff)."""

    username = None
    email = models.EmailField("メールアドレス", unique=True)
    last_name = models.CharField("姓", max_length=150, blank=True)
    first_name = models.CharField("名", max_length=150, blank=True)
    # Mixed into every session's auth hash: raising it ends all of the user's sessions, in every
    # browser, at their next request (logout, a disabled account). See _get_session_auth_hash.
    session_generation = models.PositiveIntegerField("セッションの世代", default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.display_name

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._was_active = user.__dict__.get("is_active")
        return user

    def save(self, *args, **kwargs):
        # Invariant: a disabled account has no live session. Django already refuses a session of an
        # inactive user; the new generation also keeps the old sessions dead if it is enabled again.
        if not self.is_active and getattr(self, "_was_active", False):
            self.session_generation += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "session_generation"}
        super().save(*args, **kwargs)
        self._was_active = self.is_active

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash (an HMAC of the password hash, so a password change ends other
        sessions), with the session generation mixed in. Generation 0 keeps Django's own value,
        so sessions made before this field existed stay valid."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac("labportal.User.session_auth_hash", f"{self.password}\x00{self.session_generation}",
                           secret=secret, algorithm="sha256").hexdigest()

    @property
    def display_name(self):
        name = f"{self.last_name} {self.first_name}".strip()
        return name or self.email

    def get_full_name(self):
        return self.display_name

    def in_group(self, name: str) -> bool:
        return any(g.name == name for g in self.groups.all())


class Role:
    """The names of the role groups, created with their permissions by a data migration."""

    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    STAFF = "staff"
