from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("labs/<int:pk>/mark.svg", views.lab_mark, name="lab_mark"),
]
