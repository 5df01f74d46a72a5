from django.urls import path

from hehu.regions import api

urlpatterns = [
    path("", api.RegionListApi.as_view(), name="regions"),
    path("<str:code>/", api.RegionDetailApi.as_view(), name="region"),
]
