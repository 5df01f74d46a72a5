"""Forms of account management. They parse what was typed; the services decide the rules
and name the field in every message, so the fields here are optional and all problems
are shown at once."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from hehu.accounts.models import Department, Organisation, Role, User
from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.regions.codes import prefix_of

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def parse_prefixes(text: str) -> list[str]:
    """Region codes typed one per line or separated by commas; a full 12-digit code of a
    province, city, county or township becomes its prefix (510000000000 → 51)."""
    prefixes = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        if len(part) == 12 and part.isdigit():
            part = prefix_of(part)
        prefixes.append(part)
    return prefixes


class FieldErrorsMixin:
    """Bootstrap classes on every widget and, after validation, the error state for
    assistive technology: aria-invalid and aria-describedby pointing at the message."""

    fields: dict[str, forms.Field]
    errors: Any

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def mark_errors(self) -> None:
        for name, field in self.fields.items():
            classes = field.widget.attrs.get("class", "").split()
            if name in self.errors and "is-invalid" not in classes:
                field.widget.attrs["class"] = " ".join([*classes, "is-invalid"])
                field.widget.attrs["aria-invalid"] = "true"
                described = f"id_{name}_error"
                if field.help_text:
                    described += f" id_{name}_helptext"
                field.widget.attrs["aria-describedby"] = described

    def add_service_errors(self, exc: ApplicationError) -> None:
        """Put a service's refusal next to the fields it names (or at the top)."""
        form: Any = self
        if isinstance(exc, ValidationFailed):
            for field, messages in exc.errors.items():
                for message in messages:
                    form.add_error(field if field in self.fields else None, str(message))
        else:
            form.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        self.mark_errors()


def _role_choices() -> list[tuple[str, Any]]:
    return [("", _("请选择角色")), *Role.choices]


def _department_choices() -> list[tuple[str, Any]]:
    return [("", _("无（不属于政府部门）")), *Department.choices]


class AccountForm(FieldErrorsMixin, forms.Form):
    """An account's role, department or organisation and jurisdictions (create and edit)."""

    full_name = forms.CharField(label=_("姓名"), required=False)
    phone = forms.CharField(
        label=_("电话"),
        required=False,
        help_text=_("选填。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("角色"),
        required=False,
        choices=_role_choices,
        error_messages={"invalid_choice": _("角色：请从列表中选择角色。")},
    )
    department = forms.ChoiceField(
        label=_("部门"),
        required=False,
        choices=_department_choices,
        help_text=_("县级部门干部必填；县级民政干部自动为“民政”。"),
        error_messages={"invalid_choice": _("部门：请从列表中选择部门。")},
    )
    organisation = forms.ModelChoiceField(
        label=_("社会组织"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("无"),
        help_text=_("只有社会组织社工需要选择。"),
        error_messages={"invalid_choice": _("社会组织：请从列表中选择社会组织。")},
    )
    national = forms.BooleanField(label=_("全国范围"), required=False)
    prefixes = forms.CharField(
        label=_("管辖区划代码"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "每行一个，或用逗号分隔。村（社区）12 位，乡镇（街道）9 位，县 6 位，市 4 位，省 2 位。"
        ),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"])
        org_field.queryset = organisations
        self.fields["prefixes"].widget.attrs.update(
            {
                "hx-get": str(reverse_lazy("accounts:regions_lookup")),
                "hx-trigger": "keyup changed delay:400ms, change",
                "hx-target": "#prefix-names",
                "hx-swap": "innerHTML",
                "autocomplete": "off",
            }
        )
        self.style_widgets()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()

    def jurisdiction_prefixes(self) -> list[str]:
        prefixes = parse_prefixes(self.cleaned_data.get("prefixes") or "")
        if self.cleaned_data.get("national"):
            prefixes.insert(0, "")
        return prefixes

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "full_name": data.get("full_name") or "",
            "phone": data.get("phone") or "",
            "role": data.get("role") or "",
            "department": data.get("department") or "",
            "organisation": data.get("organisation"),
            "prefixes": self.jurisdiction_prefixes(),
        }

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        prefixes = [p for p in user.prefixes if p]
        return {
            "full_name": user.full_name,
            "phone": user.phone,
            "role": user.role,
            "department": user.department,
            "organisation": user.organisation_id,
            "national": "" in user.prefixes,
            "prefixes": "\n".join(prefixes),
            "version": user.version,
        }


class PasswordPairMixin(FieldErrorsMixin):
    """A new password typed twice. The policy itself is checked by the service."""

    cleaned_data: dict[str, Any]

    def check_pair(self) -> None:
        form: Any = self
        first = self.cleaned_data.get("password") or ""
        second = self.cleaned_data.get("password2") or ""
        if not first:
            form.add_error("password", _("密码：请填写密码。"))
        elif first != second:
            form.add_error("password2", _("确认密码：两次输入的密码不一致，请重新输入。"))


def _password_field(label: Any, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class AccountCreateForm(PasswordPairMixin, AccountForm):
    username = forms.CharField(
        label=_("用户名"),
        required=False,
        help_text=_("登录时使用，创建后不能修改。字母、数字和 @ . + - _。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    password = _password_field(_("初始密码"))
    password2 = _password_field(_("确认初始密码"))

    field_order = [
        "username",
        "full_name",
        "phone",
        "role",
        "department",
        "organisation",
        "national",
        "prefixes",
        "password",
        "password2",
    ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_pair()
        return cleaned


class AccountEditForm(AccountForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PasswordResetForm(PasswordPairMixin, forms.Form):
    """An administrator sets a new password for someone who forgot theirs."""

    password = _password_field(_("新密码"))
    password2 = _password_field(_("确认新密码"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_pair()
        return cleaned


class OwnPasswordForm(PasswordResetForm):
    """Anyone changes their own password, proving they know the current one."""

    old_password = _password_field(_("当前密码"), autocomplete="current-password")

    field_order = ["old_password", "password", "password2"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.user.check_password(cleaned.get("old_password") or ""):
            self.add_error("old_password", _("当前密码：不正确，请重新输入。"))
        return cleaned


class DeactivateForm(FieldErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("停用原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：调离岗位、退休。原因会记入审计记录。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=lambda: [("", _("全部角色")), *Role.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("active", _("在用")), ("inactive", _("已停用"))],
    )
