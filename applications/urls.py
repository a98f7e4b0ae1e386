from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("organisations/join/", views.organisation_join, name="organisation_join"),
    path("organisations/switch/", views.organisation_switch, name="organisation_switch"),
    path("organisations/<int:pk>/members/", views.members, name="members"),
    path("organisations/<int:pk>/members/<int:membership_pk>/<str:decision>/", views.membership_decide,
         name="membership_decide"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation"),
    path("rounds/<int:round_pk>/new/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/sections/<slug:key>/", views.section_edit, name="section"),
    path("<int:pk>/attachments/", views.attachments, name="attachments"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/submit/", views.application_submit, name="submit"),
    path("<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:pk>/print/", views.application_print, name="print"),
]
