from django.urls import path

from hehu.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("me/", views.my_account, name="password"),
    path("regions/", views.regions_lookup, name="regions_lookup"),
    path("<int:pk>/", views.account_edit, name="edit"),
    path("<int:pk>/password/", views.account_reset_password, name="reset_password"),
    path("<int:pk>/deactivate/", views.account_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.account_reactivate, name="reactivate"),
    path("<int:pk>/unlock/", views.account_unlock, name="unlock"),
]
