from django.urls import path

from . import views

app_name = "transition"
urlpatterns = [
    # the lab's organisation
    path("", views.request_list, name="request_list"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/start/", views.request_start, name="request_start"),
    path("requests/<int:pk>/statement/", views.statement_edit, name="statement"),
    path("requests/<int:pk>/plan/attachments/", views.plan_attachments, name="plan_attachments"),
    path("requests/<int:pk>/plan/attachments/<int:attachment_pk>/delete/", views.plan_attachment_delete,
         name="plan_attachment_delete"),
    path("requests/<int:pk>/plan/<slug:key>/", views.plan_section, name="plan_section"),
    path("requests/<int:pk>/submit/", views.request_submit, name="request_submit"),
    path("requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    # staff
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/remind/", views.dashboard_remind, name="dashboard_remind"),
    path("dashboard/export.csv", views.export_csv, name="export_csv"),
    path("dashboard/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("staff/requests/<int:pk>/", views.staff_request, name="staff_request"),
]
