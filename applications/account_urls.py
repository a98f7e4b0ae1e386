"""/accounts/: django-allauth's sign-up, confirmation, login and password flows, with the URL
names the rest of the portal already uses (login, logout, password_reset) kept as aliases."""

from allauth.account import views as account_views
from django.urls import include, path

urlpatterns = [
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("password/reset/", account_views.password_reset, name="password_reset"),
    path("", include("allauth.urls")),
]
