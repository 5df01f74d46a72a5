"""Forms of the policy lifecycle pages: a draft's text (pasted or uploaded), and the review,
approval, retirement and return decisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD = 1024 * 1024  # a policy file is a few dozen kilobytes


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(attrs={"class": "form-control"}, format="%Y-%m-%d")


class DraftForm(forms.Form):
    """A policy text: an uploaded YAML file wins over the text box."""

    source = forms.CharField(
        label=_("政策文本（YAML）"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "class": "form-control font-monospace",
                "rows": 18,
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )
    upload = forms.FileField(
        label=_("或上传政策文件"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".yaml,.yml,text/yaml"}
        ),
    )
    expected_sha = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        data["file_name"] = ""
        if upload:
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(_("文件太大（最大 1 MB）"))
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("文件不是 UTF-8 编码的文本")) from exc
            data["file_name"] = upload.name
        if not (data.get("source") or "").strip():
            raise forms.ValidationError(_("请粘贴政策文本或上传政策文件"))
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        error_messages={"required": _("请说明退回的理由")},
    )


class ApproveForm(CommentForm):
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=DateInput(),
        error_messages={
            "required": _("请填写生效日期"),
            "invalid": _("请按 2027-01-01 的格式填写生效日期"),
        },
    )


class RetireForm(CommentForm):
    effective_to = forms.DateField(
        label=_("最后适用日期"),
        widget=DateInput(),
        error_messages={
            "required": _("请填写最后适用日期"),
            "invalid": _("请按 2027-12-31 的格式填写日期"),
        },
    )
