"""The admin app with the portal's admin site (labportal.admin_safety.PortalAdminSite): listed in
INSTALLED_APPS in place of "django.contrib.admin"; autodiscovery and everything else as Django's."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "labportal.admin_safety.PortalAdminSite"
