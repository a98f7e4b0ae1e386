from django.urls import path

from . import public_views, views

urlpatterns = [
    # The programme's public pages (issue 16)
    path("about/", public_views.about, name="about"),
    path("about/transition/", public_views.transition_info, name="transition_info"),
    path("calls/", public_views.calls, name="calls"),
    path("calls/guides/<int:pk>/guidelines.pdf", public_views.round_guide_pdf, name="round_guide_pdf"),
    path("news/", public_views.notices, name="notices"),
    path("news/feed/", public_views.NoticeFeed(), name="notice_feed"),
    path("news/<int:pk>/", public_views.notice_detail, name="notice_detail"),
    path("privacy/", public_views.static_page, {"slug": "privacy"}, name="privacy"),
    path("terms/", public_views.static_page, {"slug": "terms"}, name="terms"),
    path("accessibility/", public_views.static_page, {"slug": "accessibility"}, name="accessibility"),
    path("", views.home, name="home"),
    path("labs/", views.lab_list, name="lab_list"),
    path("labs/<int:pk>/", views.lab_detail, name="lab_detail"),
    path("opendata/", views.opendata, name="opendata"),
    path("opendata/labs.json", views.opendata_labs_json, name="opendata_labs_json"),
    path("opendata/labs.csv", views.opendata_labs_csv, name="opendata_labs_csv"),
    path("healthz", views.healthz, name="healthz"),
]
