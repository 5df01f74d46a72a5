from django.urls import path

from hehu.regions import views

app_name = "regions"

urlpatterns = [
    path("import/", views.region_import, name="import"),
]
