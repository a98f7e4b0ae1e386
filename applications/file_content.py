"""What an attachment's content must be beyond its first bytes (issue 15, "Uploads").

filetype names a type from the magic bytes at the start; a polyglot starts as one type and is
another as well: a PDF with a ZIP (or a Word file) appended that an unpacker opens, a PNG with a
page after its end, a file whose first kilobyte is a web page that a browser would render. Each
check below reads the whole file (in chunks, never all at once) or its structure, and returns the
reason to refuse in Japanese, or None.
"""

import re
import zipfile

from django.core.files.uploadedfile import UploadedFile

CHUNK = 64 * 1024
# PDF readers accept the header anywhere in the first 1,024 bytes, and browsers sniff a page from
# the first bytes: markup there makes the file something else too.
HEAD = 1024
HTML_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta|style|title|form)[\s/>]",
    re.IGNORECASE)
PDF_HEADER = b"%PDF-"
PNG_END = b"IEND\xaeB`\x82"
ZIP_TYPES = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/"}

POLYGLOT = ("選んだファイル「{name}」は、{what}ため登録できません。元のアプリケーションで"
            "保存し直したファイル（またはPDFに印刷したもの）を選んでください。")


def _read_head_and_tail(uploaded: UploadedFile) -> tuple[bytes, bytes, int]:
    """The first HEAD bytes, the last 64 KB and the size, reading the file through once."""
    uploaded.seek(0)
    head, tail, size = b"", b"", 0
    for chunk in iter(lambda: uploaded.read(CHUNK), b""):
        if len(head) < HEAD:
            head += chunk[:HEAD - len(head)]
        tail = (tail + chunk)[-CHUNK:]
        size += len(chunk)
    uploaded.seek(0)
    return head, tail, size


def _is_zip(uploaded: UploadedFile) -> bool:
    uploaded.seek(0)
    try:
        return zipfile.is_zipfile(uploaded)
    finally:
        uploaded.seek(0)


def _zip_problem(uploaded: UploadedFile, folder: str) -> str | None:
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = archive.namelist()
            first = min((info.header_offset for info in archive.infolist()), default=None)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "中身が壊れている"
    finally:
        uploaded.seek(0)
    if "[Content_Types].xml" not in names or not any(name.startswith(folder) for name in names):
        return "Office のファイルの構成になっていない"
    if first != 0:
        return "先頭に別のデータが付け加えられている"
    return None


def content_problem(uploaded: UploadedFile, mime: str) -> str | None:
    """Why `uploaded`, whose first bytes say `mime`, is not only that: None when it is."""
    name = uploaded.name or ""
    head, tail, _size = _read_head_and_tail(uploaded)
    what = None
    if HTML_MARKUP.search(head):
        what = "先頭にウェブページ（HTML）が含まれている"
    elif mime != "application/pdf" and PDF_HEADER in head:
        what = "PDFとしても読めるデータを含んでいる"
    elif mime in ZIP_TYPES:
        what = _zip_problem(uploaded, ZIP_TYPES[mime])
    elif _is_zip(uploaded):
        what = "ZIP形式のデータ（圧縮ファイル）を含んでいる"
    elif mime == "application/pdf" and b"%%EOF" not in tail[-HEAD:]:
        what = "PDFの終わり（%%EOF）が見つからないか、その後に別のデータが続いている"
    elif mime == "image/png" and not tail.endswith(PNG_END):
        what = "画像の終わりの後に別のデータが続いている"
    return POLYGLOT.format(name=name, what=what) if what else None
