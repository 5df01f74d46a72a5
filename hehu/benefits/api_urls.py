from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("hehu.benefits.api.bank")),
    path("", include("hehu.benefits.api.cycles")),
    path("", include("hehu.benefits.api.enrolments")),
    path("", include("hehu.benefits.api.children")),
    path("", include("hehu.benefits.api.overpayments")),
]
