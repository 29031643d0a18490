"""Real scan files for the tests: a one-page PDF (pypdf) and PNG/JPEG pictures (Pillow), and their harmful kin."""

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def pdf(*, js: str | None = None, open_action: DictionaryObject | None = None, attachment: bytes | None = None,
        page_aa: bool = False) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    if js:  # a document-level script, in the /Names tree, run when the file opens
        script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject(js)})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(script)])})})
    if open_action is not None:
        writer._root_object[NameObject("/OpenAction")] = open_action
    if attachment is not None:
        writer.add_attachment("说明.exe", attachment)
    if page_aa:
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def launch_action() -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})


def picture(kind: str, *, exif: bytes | None = None, text: str | None = None) -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    out = io.BytesIO()
    options = {}
    if exif is not None:
        options["exif"] = exif
    if text is not None:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", text)
        options["pnginfo"] = info
    image.save(out, format=kind, **options)
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo: where the photo was taken
    return exif.tobytes()
