from django.urls import include, path

urlpatterns = [
    path("", include("hehu.supply.api.items")),
    path("", include("hehu.supply.api.distributions")),
]
