"""Documents attached to a child's file: certificates, judgments, police receipts, photos."""

from __future__ import annotations

import uuid

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ValidationFailed
from hehu.registry.models import Attachment, Child
from hehu.registry.services._common import require_perm, require_visible

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) from the file's first bytes; the name and the browser's
    declared type are not trusted."""
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic", "image/heic"
    return None


@transaction.atomic
def attachment_add(
    *, actor: User, child: Child, file: File[bytes], title: str, kind: str = ""
) -> Attachment:
    """Attach a PDF or an image (JPG, PNG, HEIC, WEBP) of at most 10 MB to the file."""
    require_perm(actor, Perm.EDIT_CHILD)
    require_visible(actor, child)
    errors: dict[str, list[object]] = {}
    title, kind = (title or "").strip(), (kind or "").strip()
    if not title:
        errors["title"] = [_("请填写附件标题")]
    elif len(title) > 200:
        errors["title"] = [_("附件标题不能超过200个字")]
    if len(kind) > 40:
        errors["kind"] = [_("附件类型不能超过40个字")]
    size = file.size or 0
    detected = None
    if size == 0:
        errors["file"] = [_("上传的文件是空的，请重新选择文件")]
    elif size > MAX_ATTACHMENT_BYTES:
        errors["file"] = [
            _("附件不能超过10MB（此文件约%(mb).1fMB），请压缩后再上传") % {"mb": size / 2**20}
        ]
    else:
        file.seek(0)
        detected = sniff_type(file.read(16))
        file.seek(0)
        if detected is None:
            errors["file"] = [_("只能上传PDF、JPG、PNG、HEIC或WEBP格式的文件")]
    if errors or detected is None:
        raise ValidationFailed(errors)
    extension, content_type = detected
    attachment = Attachment(
        child=child,
        title=title,
        kind=kind,
        uploaded_by=actor,
        original_name=(file.name or "")[-255:],
        content_type=content_type,
        size=size,
    )
    # A generated name: the uploaded one may carry the child's name or a path.
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", file, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        verb=Verb.ATTACHMENT_ADDED,
        object_type="attachment",
        object_id=attachment.pk,
        child_id=child.pk,
        changes={
            "title": [None, title],
            "kind": [None, kind],
            "content_type": [None, content_type],
            "size": [None, size],
        },
    )
    return attachment
