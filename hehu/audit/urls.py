from django.urls import path

from hehu.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.search, name="search"),
    path("children/<int:child_id>/", views.child_trail, name="child_trail"),
]
