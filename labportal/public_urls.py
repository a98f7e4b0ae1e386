from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("labs/", views.lab_list, name="lab_list"),
    path("labs/<int:pk>/", views.lab_detail, name="lab_detail"),
    path("opendata/", views.opendata, name="opendata"),
    path("opendata/labs.json", views.opendata_labs_json, name="opendata_labs_json"),
    path("opendata/labs.csv", views.opendata_labs_csv, name="opendata_labs_csv"),
    path("healthz", views.healthz, name="healthz"),
]
