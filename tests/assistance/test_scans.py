"""What 王丽 may scan into 李秀英's case: a PDF that opens as a PDF and does nothing by itself, or a PNG or
JPEG, which the portal keeps as it writes it afresh. Anything else is refused, in Chinese, and nothing is kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from tests.jiedao.test_uploads import Body
from tests.scans import gps_exif, launch_action, pdf, picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(web, user, case, name, content):
    response = web.as_(user).post(reverse("assistance:document_upload", args=[case.pk]),
                                  {"doc_type": "income", "file": SimpleUploadedFile(name, content)}, follow=True)
    return [str(m) for m in response.context["messages"]]


def _stored(case):
    document = case.documents.get()
    with document.file.open("rb") as f:
        return document, f.read()


def test_a_plain_scanned_pdf_is_kept_as_it_came(web, staff_east, case):
    content = pdf(open_action=DictionaryObject())  # an empty open action (a scanner's "fit page") is harmless
    assert _upload(web, staff_east, case, "收入证明.pdf", content) == ["已上传材料。"]
    document, stored = _stored(case)
    assert stored == content and document.content_type == "application/pdf"


@pytest.mark.parametrize("content, why", [
    (pdf(js="app.launchURL('http://evil.example')"), "document script (/Names /JavaScript)"),
    (pdf(open_action=DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                       NameObject("/JS"): NameObject("/x")})), "/OpenAction with JS"),
    (pdf(open_action=launch_action()), "/Launch"),
    (pdf(page_aa=True), "/AA on a page"),
    (pdf(attachment=b"MZ\x90\x00"), "/EmbeddedFiles"),
])
def test_a_pdf_that_would_do_something_when_opened_is_refused(web, staff_east, case, content, why):
    assert _upload(web, staff_east, case, "材料.pdf", content) == [
        "PDF 中含有脚本、自动动作或嵌入文件，不能作为申请材料上传；请打印后重新扫描。"], why
    assert not case.documents.exists()


@pytest.mark.parametrize("content", [
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>",
    b"%PDF-1.7\n%%EOF\n",
    pdf()[:200],  # cut short
])
def test_a_file_that_only_starts_like_a_pdf_is_refused(web, staff_east, case, content):
    assert _upload(web, staff_east, case, "材料.pdf", content) == ["PDF 文件已损坏或不是真正的 PDF，请重新扫描后上传。"]
    assert not case.documents.exists()


def test_a_png_is_written_afresh_without_what_was_appended_or_its_text(web, staff_east, case):
    content = picture("PNG", text="身份证号 11010519491231002X") + b"<script>alert(1)</script>"
    assert _upload(web, staff_east, case, "户口本.png", content) == ["已上传材料。"]
    document, stored = _stored(case)
    assert document.content_type == "image/png" and document.size == len(stored)
    assert b"<script>" not in stored and b"11010519491231002X" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (40, 30) and not image.text


def test_a_photo_loses_its_gps_position_and_what_was_appended(web, staff_east, case):
    content = picture("JPEG", exif=gps_exif()) + b"PK\x03\x04 a zip behind the picture"
    assert _upload(web, staff_east, case, "残疾证.jpg", content) == ["已上传材料。"]
    document, stored = _stored(case)
    assert document.content_type == "image/jpeg" and b"PK\x03\x04" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n" + b"not really a picture",
    b"\xff\xd8\xff" + b"<html>",
    picture("PNG")[:60],
])
def test_a_broken_picture_is_refused(web, staff_east, case, content):
    assert _upload(web, staff_east, case, "照片.png", content) == ["图片已损坏或过大，无法读取，请重新扫描后上传。"]
    assert not case.documents.exists()


@pytest.mark.parametrize("name, content", [
    ("说明.html", b"<html><script>alert(1)</script></html>"),
    ("照片.gif", b"GIF89a" + b"\x00" * 20),
    ("申请.docx", b"PK\x03\x04" + b"\x00" * 20),
])
def test_anything_else_is_refused(web, staff_east, case, name, content):
    assert _upload(web, staff_east, case, name, content) == ["只能上传 PDF、PNG 或 JPG 格式的扫描件。"]
    assert not case.documents.exists()


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(web, staff_east, case, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # a decompression bomb, in small
    assert _upload(web, staff_east, case, "照片.png", picture("PNG")) == [
        "图片已损坏或过大，无法读取，请重新扫描后上传。"]


def test_an_open_action_that_goes_to_a_page_is_harmless(web, staff_east, case):
    content = pdf(open_action=ArrayObject([NumberObject(0), NameObject("/Fit")]))
    assert _upload(web, staff_east, case, "材料.pdf", content) == ["已上传材料。"]


def test_a_200_mb_scan_is_refused_before_a_byte_is_read(web, staff_east, case):
    body = Body(1024)  # it says 200 MB; what it holds never matters, as nothing reads it
    response = web.as_(staff_east).generic(
        "POST", reverse("assistance:document_upload", args=[case.pk]), b"", CONTENT_LENGTH=str(200 * 1024 * 1024),
        CONTENT_TYPE="multipart/form-data; boundary=x", **{"wsgi.input": body})
    assert response.status_code == 413 and body.taken == 0
    assert "提交的内容过大（上限 6 MB），没有被接收。" in response.content.decode()
    assert not case.documents.exists()
