from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LabportalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labportal"
    verbose_name = "ラボ台帳・共通"

    def ready(self):
        from . import deadlines  # noqa: F401 - registers labportal's handlers with the clock
        from . import checks  # noqa: F401 - registers the portal's deploy checks
        from django.contrib.auth import signals as auth_signals

        from . import security, sessions

        security.connect_signals()  # the security log
        from . import input_notice

        input_notice.connect()  # characters nobody can see never reach the database
        auth_signals.user_logged_in.connect(sessions.on_login, dispatch_uid="labportal.sessions.login")
        auth_signals.user_logged_out.connect(sessions.on_logout, dispatch_uid="labportal.sessions.logout")
        from .two_factor import check_at_login

        auth_signals.user_logged_in.connect(check_at_login, dispatch_uid="labportal.two_factor.login")

        # After every migrate (when all permissions exist), keep the role groups in step.
        post_migrate.connect(_sync_roles_once, dispatch_uid="labportal.sync_roles")


def _sync_roles_once(sender, app_config=None, using="default", **kwargs):
    # post_migrate fires once per app; act on the last of ours so every permission exists.
    if app_config is not None and app_config.label == "transition":
        from .roles import sync_roles

        sync_roles()
