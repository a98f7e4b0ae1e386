"""The portal's user and the role names."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


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

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.display_name

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
