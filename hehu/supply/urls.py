from django.urls import include, path

app_name = "supply"

urlpatterns = [
    path("", include("hehu.supply.views.stock")),
    path("", include("hehu.supply.views.items")),
    path("", include("hehu.supply.views.children")),
]
