"""Small forms on a child's file: the reason to see the full ID number, an attachment, and
the merge of two files."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hehu.web.forms import widgets as w


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=500,
        help_text=_("例如：为儿童办理低保申请核对身份。理由会记入审计记录"),
        error_messages={"required": _("请填写查看完整身份证号码的理由")},
        widget=w.text(autocomplete="off"),
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("附件标题"),
        max_length=200,
        help_text=_("例如：父亲服刑判决书"),
        error_messages={"required": _("请填写附件标题")},
        widget=w.text(),
    )
    kind = forms.CharField(
        label=_("附件类型"),
        max_length=40,
        required=False,
        help_text=_("可不填，例如：判决书、残疾证、报案回执"),
        widget=w.text(),
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF或照片（JPG、PNG、HEIC、WEBP），不超过10MB；手机可直接拍照"),
        error_messages={"required": _("请选择要上传的文件")},
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": "application/pdf,image/*"}
        ),
    )


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查找重复档案"),
        max_length=50,
        required=False,
        help_text=_("输入姓名、18位身份证号码或档案编号"),
        widget=w.text(type="search", autocomplete="off"),
    )


class MergeForm(forms.Form):
    reason = forms.CharField(
        label=_("合并理由"),
        max_length=500,
        help_text=_("例如：同一儿童在两个村重复登记，已入户核实。理由会记入审计记录"),
        error_messages={"required": _("请填写合并理由")},
        widget=w.text(autocomplete="off"),
    )
