from django.urls import path

from . import views

urlpatterns = [
    path("minimal/", views.bench_minimal, name="bench_minimal"),
]
