from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .admin import view_on_site
from .auth_views import admin_login, session_keepalive
from .csp_report import csp_report

admin.site.site_header = "地域DX推進ラボ 管理画面"
admin.site.site_title = "地域DX推進ラボ 管理画面"
admin.site.index_title = "管理メニュー"

# The portal's Japanese error page; 503 with Retry-After when the database does not answer.
handler500 = "labportal.views.server_error"
handler400 = "labportal.views.bad_request"  # in Japanese; a form too large is told so

urlpatterns = [
    path("admin/login/", admin_login),  # before the admin's own: one login form for everybody
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),  # checked
    path("admin/", admin.site.urls),
    path("accounts/session/keepalive/", session_keepalive, name="session_keepalive"),
    path("csp-report/", csp_report, name="csp_report"),  # browsers' CSP violation reports
    path("accounts/", include("applications.account_urls")),  # django-allauth, with our URL names
    path("applications/", include("applications.urls")),
    path("transition/", include("transition.urls")),
    path("review/", include("review.urls")),
    path("", include("labportal.public_urls")),
]

if settings.BENCH_ENDPOINTS:  # the benchmark's minimal view (bench/views.py), never routed otherwise
    urlpatterns.insert(0, path("bench/", include("bench.urls")))
