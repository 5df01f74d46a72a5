"""Accounts over the API: sign-in tokens, "me", and account management for administrators.

Thin: parse with an input serializer, call access/service/selector, render with an output
serializer. The rules and the audit are the services' (the same as the web pages).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.access import access_user_by_id
from hehu.accounts.lockout import lockout_message
from hehu.accounts.models import Organisation, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.accounts.selectors import (
    jurisdictions_of,
    locked_usernames,
    organisations_available_to,
    permissions_of,
    user_list,
)
from hehu.accounts.services import (
    user_create,
    user_deactivate,
    user_reactivate,
    user_set_password,
    user_unlock,
    user_update,
)
from hehu.core.errors import ValidationFailed

ERROR = inline_serializer(
    "AccountsError",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


class CanManageAccounts(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return has_perm(request.user, Perm.MANAGE_ACCOUNTS)


class JurisdictionOut(serializers.Serializer[Any]):
    prefix = serializers.CharField(help_text="Region code prefix; empty = national")
    region_code = serializers.CharField(help_text="12-digit code; empty = national")
    region_name = serializers.CharField()


class OrganisationOut(serializers.Serializer[Organisation]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserOut(serializers.Serializer[User]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    department = serializers.CharField()
    department_display = serializers.CharField(source="get_department_display")
    organisation = OrganisationOut(allow_null=True)
    jurisdictions = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    locked = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    last_login = serializers.DateTimeField(allow_null=True)
    date_joined = serializers.DateTimeField()

    @extend_schema_field(JurisdictionOut(many=True))
    def get_jurisdictions(self, user: User) -> list[dict[str, str]]:
        return [JurisdictionOut(j).data for j in jurisdictions_of(user=user)]

    def get_locked(self, user: User) -> bool:
        return user.username in self.context.get("locked", set())


class MeOut(UserOut):
    permissions = serializers.SerializerMethodField()

    def get_permissions(self, user: User) -> list[str]:
        return permissions_of(user=user)


class UserIn(serializers.Serializer[Any]):
    full_name = serializers.CharField(allow_blank=True, trim_whitespace=True)
    phone = serializers.CharField(allow_blank=True, required=False, default="")
    role = serializers.CharField(allow_blank=True)
    department = serializers.CharField(allow_blank=True, required=False, default="")
    organisation = serializers.IntegerField(allow_null=True, required=False, default=None)
    prefixes = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=12),
        help_text="Region code prefixes (2/4/6/9/12 digits); an empty string = national",
    )


class UserCreateIn(UserIn):
    username = serializers.CharField(allow_blank=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False)


class UserPatchIn(UserIn):
    version = serializers.IntegerField(
        required=False, help_text="The version you read; refused with 409 if it changed"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


class PasswordIn(serializers.Serializer[Any]):
    password = serializers.CharField(write_only=True, trim_whitespace=False)


class ReasonIn(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class TokenIn(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)


def _organisation(actor: Any, org_id: int | None) -> Organisation | None:
    if org_id is None:
        return None
    org = organisations_available_to(actor=actor).filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed(
            {"organisation": [_("社会组织：该社会组织不存在或不在您的管辖范围内。")]}
        )
    return org


def _user_out(user: User) -> dict[str, Any]:
    return UserOut(user, context={"locked": locked_usernames([user.username])}).data


class TokenView(APIView):
    """Sign in for API clients: a token for a username and password; DELETE revokes it.

    Failed attempts count towards the same lockout as the sign-in page (django-axes sees
    the underlying HttpRequest), so a locked account gets 429 even with the right password.
    """

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=TokenIn,
        responses={
            200: inline_serializer("TokenOut", fields={"token": serializers.CharField()}),
            400: ERROR,
            429: ERROR,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        http_request = request._request
        user = authenticate(
            request=http_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            return Response(
                {"code": "account_locked", "message": lockout_message()},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            return Response(
                {"code": "invalid_credentials", "message": _("用户名或密码不正确，请重新输入。")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        # A token sign-in is a sign-in: it clears earlier failures and records last_login.
        user_logged_in.send(sender=type(user), request=http_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        me: User = request.user  # type: ignore[assignment]
        Token.objects.filter(user=me).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in account: role, department, jurisdictions with names, permissions."""

    @extend_schema(responses={200: MeOut})
    def get(self, request: Request) -> Response:
        me: User = request.user  # type: ignore[assignment]
        return Response(MeOut(me, context={"locked": set()}).data)


class UserListView(GenericAPIView[User]):
    """Accounts whose every jurisdiction lies inside the administrator's; create one."""

    permission_classes = [IsAuthenticated, CanManageAccounts]
    serializer_class = UserOut

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return user_list(
            actor=self.request.user,
            query=params.get("q", "").strip(),
            role=params.get("role", ""),
            status=params.get("status", ""),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="username, name, phone or region prefix"),
            OpenApiParameter("role", str),
            OpenApiParameter("status", str, enum=["active", "inactive"]),
        ],
        responses={200: UserOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        locked = locked_usernames(u.username for u in page)
        out = self.get_serializer(page, many=True, context={"locked": locked})
        return self.get_paginated_response(out.data)

    @extend_schema(request=UserCreateIn, responses={201: UserOut, 400: ERROR, 403: ERROR})
    def post(self, request: Request) -> Response:
        data = UserCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["organisation"] = _organisation(request.user, fields["organisation"])
        user = user_create(actor=request.user, **fields)
        return Response(_user_out(user), status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    """One account; 404 when it lies outside the administrator's jurisdiction."""

    permission_classes = [IsAuthenticated, CanManageAccounts]

    @extend_schema(responses={200: UserOut, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_user_out(access_user_by_id(request.user, pk)))

    @extend_schema(
        request=UserPatchIn, responses={200: UserOut, 400: ERROR, 404: ERROR, 409: ERROR}
    )
    def patch(self, request: Request, pk: int) -> Response:
        user = access_user_by_id(request.user, pk)
        data = UserPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        organisation = (
            _organisation(request.user, given["organisation"])
            if "organisation" in given
            else user.organisation
        )
        user = user_update(
            actor=request.user,
            user=user,
            full_name=given.get("full_name", user.full_name),
            phone=given.get("phone", user.phone),
            role=given.get("role", user.role),
            department=given.get("department", user.department),
            organisation=organisation,
            prefixes=given.get("prefixes", list(user.prefixes)),
            expected_version=given.get("version"),
        )
        return Response(_user_out(user))


class UserPasswordView(APIView):
    permission_classes = [IsAuthenticated, CanManageAccounts]

    @extend_schema(request=PasswordIn, responses={200: UserOut, 400: ERROR, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        user = access_user_by_id(request.user, pk)
        data = PasswordIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_set_password(
            actor=request.user, user=user, password=data.validated_data["password"]
        )
        return Response(_user_out(user))


class UserDeactivateView(APIView):
    permission_classes = [IsAuthenticated, CanManageAccounts]

    @extend_schema(request=ReasonIn, responses={200: UserOut, 400: ERROR, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        user = access_user_by_id(request.user, pk)
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_deactivate(actor=request.user, user=user, reason=data.validated_data["reason"])
        return Response(_user_out(user))


class UserReactivateView(APIView):
    permission_classes = [IsAuthenticated, CanManageAccounts]

    @extend_schema(request=ReasonIn, responses={200: UserOut, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        user = access_user_by_id(request.user, pk)
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_reactivate(actor=request.user, user=user, reason=data.validated_data["reason"])
        return Response(_user_out(user))


class UserUnlockView(APIView):
    permission_classes = [IsAuthenticated, CanManageAccounts]

    @extend_schema(request=None, responses={200: UserOut, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        user = access_user_by_id(request.user, pk)
        user_unlock(actor=request.user, user=user)
        return Response(_user_out(user))
