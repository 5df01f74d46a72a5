"""What a locked-out user sees: a plain message in their language, not a bare 403."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("登录失败次数过多，账号已暂时锁定，请 %(minutes)d 分钟后再试或联系管理员。") % {
        "minutes": minutes
    }


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "account_locked", "message": lockout_message()}, status=429)
    return render(request, "web/login.html", {"locked_message": lockout_message()}, status=429)
