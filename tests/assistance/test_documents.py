"""王丽 scans 李秀英's papers into her case: a PDF, PNG or JPEG (checked: jiedao.uploads) of 5 MB at most,
kept under MEDIA_ROOT, which no URL serves, and handed out only to those who may see the case, each look
written to the audit log."""

import pytest
from django.urls import reverse

from tests.scans import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_scans_upload_with_a_type_and_size_limit_and_reach_only_those_who_see_the_case(web, case, staff_east,
                                                                                      staff_west, auditor, media):
    from jiedao.models import AuditEntry

    client = web.as_(staff_east)
    url = reverse("assistance:document_upload", args=[case.pk])
    client.post(url, {"doc_type": "income", "file": _upload("收入证明.pdf", pdf())})
    client.post(url, {"doc_type": "income", "file": _upload("virus.pdf", b"MZ\x90\x00 not a pdf")})
    client.post(url, {"doc_type": "income", "file": _upload("big.png", b"\x89PNG\r\n\x1a\n" + b"x" * 6_000_000)})
    document = case.documents.get()
    assert document.original_name == "收入证明.pdf" and document.content_type == "application/pdf"
    assert str(media) in document.file.path  # under MEDIA_ROOT, which no URL serves
    response = client.get(reverse("assistance:document", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(target_type="casedocument", action="view_full").count() == 1
    assert web.as_(staff_west).get(reverse("assistance:document", args=[document.pk])).status_code == 404
    assert web.as_(auditor).get(reverse("assistance:document", args=[document.pk])).status_code == 403
    assert web.get(f"/media/{document.file.name}").status_code == 404
