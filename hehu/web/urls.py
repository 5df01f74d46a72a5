from django.contrib.auth import views as auth_views
from django.urls import path

from hehu.web.views import children, edit, home, merge

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home.home, name="home"),
    path("children/", children.child_list, name="children"),
    path("children/new/", edit.child_register, name="child_register"),
    path("children/<int:pk>/", children.child_detail, name="child"),
    path("children/<int:pk>/edit/", edit.child_edit, name="child_edit"),
    path("children/<int:pk>/reveal/", children.child_reveal, name="child_reveal"),
    path(
        "children/<int:pk>/attachments/",
        children.attachment_upload,
        name="child_attachment_add",
    ),
    path(
        "children/<int:pk>/attachments/<int:attachment_pk>/",
        children.attachment_download,
        name="child_attachment",
    ),
    path("children/<int:pk>/merge/", merge.child_merge, name="child_merge"),
    path(
        "children/<int:pk>/merge/<int:duplicate_pk>/",
        merge.child_merge_confirm,
        name="child_merge_confirm",
    ),
]
