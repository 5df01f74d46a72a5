"""API routes of accounts, included by hehu.api.urls under /api/v1/."""

from django.urls import path

from hehu.accounts import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("me/", api.MeView.as_view(), name="me"),
    path("users/", api.UserListView.as_view(), name="users"),
    path("users/<int:pk>/", api.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:pk>/password/", api.UserPasswordView.as_view(), name="user-password"),
    path("users/<int:pk>/deactivate/", api.UserDeactivateView.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", api.UserReactivateView.as_view(), name="user-reactivate"),
    path("users/<int:pk>/unlock/", api.UserUnlockView.as_view(), name="user-unlock"),
]
