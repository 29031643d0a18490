"""What the portal takes in as files and bodies.

- `BodyLimitMiddleware`: a request body larger than DATA_UPLOAD_MAX_BYTES answers 413 before a byte of it
  is read (its Content-Length says so), and a body sent without one (chunked) is read only up to the limit.
- `checked_scan`: a scanned document is kept only if it is what it claims, and harmless to open: a PDF that
  parses and carries no script, action or embedded file; a PNG or JPEG decoded and written afresh by Pillow
  (anything appended to it and its metadata are dropped). Anything else is refused at the field.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.handlers.wsgi import LimitedStream
from django.http import JsonResponse
from django.shortcuts import render
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# ── request bodies ─────────────────────────────────────────────────────────────────────────────────────


# Where a ledger (台账) is uploaded, larger than any scan: up to LEDGER_MAX_BYTES (20 MB unless set; the
# file itself is checked by jiedao.ledger.check_workbook), plus room for the form's other fields.
LEDGER_UPLOAD_PATHS = ("/api/v1/imports/residents/", "/residents/imports/new/")
FORM_ROOM = 64 * 1024


def _file_limit(request) -> int:
    """The largest file the request may carry (what the refusal says)."""
    if request.method == "POST" and request.path in LEDGER_UPLOAD_PATHS:
        return max(settings.DATA_UPLOAD_MAX_BYTES, getattr(settings, "LEDGER_MAX_BYTES", 20 * 1024 * 1024))
    return settings.DATA_UPLOAD_MAX_BYTES


def body_limit(request) -> int:
    limit = _file_limit(request)
    return limit if limit == settings.DATA_UPLOAD_MAX_BYTES else limit + FORM_ROOM


def body_too_large_message(limit: int | None = None) -> str:
    limit = settings.DATA_UPLOAD_MAX_BYTES if limit is None else limit
    return f"提交的内容过大（上限 {limit / 1024 / 1024:g} MB），没有被接收。"


def body_too_large(request):
    """The 413 answer: JSON under /api/, the portal's page elsewhere (the body was not read, so the form
    it came from cannot be shown again)."""
    message = body_too_large_message(_file_limit(request))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413, json_dumps_params={"ensure_ascii": False})
    return render(request, "413.html", {"message": message}, status=413)


class BodyLimitMiddleware:
    """Refuses a body over DATA_UPLOAD_MAX_BYTES before anything reads it. Django bounds a file upload by
    nothing but the disk (DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields only), so a 200 MB post would
    otherwise be written to a temporary file in full before any view could say no."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request)
        length = request.META.get("CONTENT_LENGTH")
        if length:
            if not length.isdigit() or int(length) > limit:
                return body_too_large(request)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # No length given: Django would read nothing of it (its stream stops at CONTENT_LENGTH, 0 here).
            # Read it here, up to the limit and no further, and hand Django what was read.
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return body_too_large(request)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))
        return self.get_response(request)


# ── scanned documents ──────────────────────────────────────────────────────────────────────────────────

NOT_A_SCAN = "只能上传 PDF、PNG 或 JPG 格式的扫描件。"
# Keys and values that make a PDF do something when opened: scripts, actions on any event, launching
# programs, embedded files, rich media and XFA forms (which carry scripts of their own). /OpenAction itself is
# no threat (a scanner may open at page 1, fit to window): a script in it is found by its /JS.
ACTIVE_PDF_NAMES = {"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFiles", "/EmbeddedFile",
                    "/RichMedia", "/XFA", "/SubmitForm", "/ImportData"}


@dataclass
class Scan:
    content: bytes
    content_type: str
    extension: str


def checked_scan(data: bytes) -> Scan:
    """The scan to keep, or a ValidationError at `file` saying in Chinese why not."""
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return Scan(data, "application/pdf", ".pdf")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Scan(_reencode(data, "PNG"), "image/png", ".png")
    if data.startswith(b"\xff\xd8\xff"):
        return Scan(_reencode(data, "JPEG"), "image/jpeg", ".jpg")
    raise ValidationError({"file": NOT_A_SCAN})


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise ValidationError({"file": "加密的 PDF 无法检查，请上传未加密的扫描件。"})
        if len(reader.pages) == 0:
            raise ValidationError({"file": "PDF 没有页面，请重新扫描。"})
        found = _active_names(reader.trailer)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        # Not a PDF a reader can open, though it starts like one (a PDF header before HTML, a cut file).
        raise ValidationError({"file": "PDF 文件已损坏或不是真正的 PDF，请重新扫描后上传。"}) from None
    if found:
        raise ValidationError({"file": "PDF 中含有脚本、自动动作或嵌入文件，不能作为申请材料上传；请打印后重新扫描。"})


def _active_names(root) -> set[str]:
    """Every active name among the keys and name values of the objects reachable from the trailer (pypdf
    decodes #-escaped names and reads objects packed in object streams)."""
    found, seen, todo = set(), set(), [root]
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams too (their dictionary)
            found |= ACTIVE_PDF_NAMES & set(obj.keys())
            todo.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)
        elif isinstance(obj, NameObject) and obj in ACTIVE_PDF_NAMES:
            found.add(str(obj))
    return found


def _reencode(data: bytes, kind: str) -> bytes:
    """The picture decoded and written again: what was appended after it, and its EXIF/text metadata (a
    phone's GPS position among them), do not survive. The EXIF orientation is applied first."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != kind:
                    raise ValidationError({"file": NOT_A_SCAN})
                image.load()
                image = ImageOps.exif_transpose(image)
                if kind == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(out, format=kind, **({"quality": 90} if kind == "JPEG" else {}))
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError({"file": "图片已损坏或过大，无法读取，请重新扫描后上传。"}) from None
    return out.getvalue()

