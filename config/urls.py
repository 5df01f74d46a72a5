from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("hehu.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("regions/", include("hehu.regions.urls")),
    path("accounts/", include("hehu.accounts.urls")),
    path("audit/", include("hehu.audit.urls")),
    path("", include("hehu.policy.urls")),
    path("", include("hehu.cases.urls")),
    path("", include("hehu.protection.urls")),
    path("", include("hehu.supply.urls")),
    path("", include("hehu.benefits.urls")),
    path("", include("hehu.benefits.report_urls")),
    path("", include("hehu.benefits.supervision_urls")),
    path("", include("hehu.web.urls")),
]
