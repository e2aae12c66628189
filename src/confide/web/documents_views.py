"""Documents of a client: uploading (kept in memory until sealed) and downloading under a generic
file name."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import IO, cast

from django.contrib import messages
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from confide.records import documents
from confide.records.documents import MAX_DOCUMENT_BYTES
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError
from confide.web.chart_views import UploadForm, render_chart
from confide.web.record_pages import clinical_client, record_page, request_vault

# Downloads are named by their type alone: the real file name is client data and would end up
# in the browser's download history and on disk.
GENERIC_FILENAMES = {
    "application/pdf": "document.pdf",
    "image/png": "document.png",
    "image/jpeg": "document.jpg",
    "text/plain": "document.txt",
}

# Room for the multipart envelope around the largest allowed file.
_UPLOAD_OVERHEAD = 64 * 1024


def generic_filename(content_type: str) -> str:
    """The name a download is saved under: its type, never the client's file name."""
    return GENERIC_FILENAMES.get(content_type, "document.bin")


class _InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keep an upload in memory until it is sealed.

    Django spools uploads over 2.5 MB to a temporary file, which would put a client's document
    on disk unencrypted. The size cap bounds the memory used.
    """

    def handle_raw_input(self, input_data: IO[bytes], META: dict[str, str], content_length: int,  # noqa: N803
                         boundary: str, encoding: str | None = None) -> None:
        self.activated = 0 < content_length <= MAX_DOCUMENT_BYTES + _UPLOAD_OVERHEAD


@csrf_exempt  # The CSRF check runs in `_upload_document`, after the upload handlers are in place.
def upload_document(request: HttpRequest, client_id: str) -> HttpResponse:
    """Upload a document to the client's record (encrypted in chunks by the service)."""
    request.upload_handlers = [_InMemoryUploadHandler(request)]
    return _upload_document(request, client_id)


@record_page
@require_POST
@csrf_protect
def _upload_document(request: HttpRequest, client_id: str) -> HttpResponse:
    clinical_client(request_vault(request), str(client_id))
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    form = UploadForm(request.POST, request.FILES)
    if length > MAX_DOCUMENT_BYTES + _UPLOAD_OVERHEAD:
        form.add_error(None, f"Files may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            documents.upload_document(request_vault(request), str(client_id), filename=upload.name or "",
                                      stream=cast(IO[bytes], upload), size=upload.size or 0)
        except NotFoundError:
            raise
        except RecordIntegrityError:
            raise
        except RecordError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, "Document uploaded.")
            return redirect(reverse("client-chart", args=[client_id]) + "#documents")
    return render_chart(request, str(client_id), upload_form=form, status=400)


@record_page
@require_GET
def download_document(request: HttpRequest, client_id: str, document_id: str) -> HttpResponse:
    """Stream a document, opened chunk by chunk, under a generic file name."""
    meta, chunks = documents.open_document(request_vault(request), str(client_id), str(document_id))
    # Open the first chunk before answering, so a missing or tampered file gets the integrity
    # page rather than a 200 with a broken body. A later chunk that fails aborts the stream.
    first = next(chunks, b"")
    stream: Iterator[bytes] = itertools.chain([first], chunks)
    content_type = meta.content_type + ("; charset=utf-8" if meta.content_type == "text/plain" else "")
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{generic_filename(meta.content_type)}"'
    # The view decorators are typed for HttpResponse; a streaming response passes through them unchanged.
    return cast(HttpResponse, response)
