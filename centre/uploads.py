"""Request bodies are bounded before they are read or stored: a request declaring more than
UPLOAD_MAX_REQUEST_BYTES is answered 413 without reading its body, and an uploaded file is
counted as it streams and dropped past UPLOAD_MAX_FILE_BYTES (DATA_UPLOAD_MAX_MEMORY_SIZE does
not bound multipart files). Django never reads past the declared Content-Length, so these two
bound every body; the proxy in front refuses larger ones first (README "Limits on uploads")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class UploadTooLargeError(Exception):
    """Raised while a file streams in, past UPLOAD_MAX_FILE_BYTES."""


class BoundedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts each file's bytes before the others keep them."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_FILE_BYTES:
            raise UploadTooLargeError
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class RequestSizeLimitMiddleware:
    """Answers 413 with a page saying the limit, for a body declared too large (unread) or a file
    that turns out too large while it streams. After authentication (the page has the top bar),
    before any view or CSRF check reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.UPLOAD_MAX_REQUEST_BYTES:
            return too_large(request)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (parse now, where a file too large can be answered)
            except UploadTooLargeError:
                return too_large(request)
        return self.get_response(request)


def too_large(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "413.html",
        {"megabytes": settings.UPLOAD_MAX_FILE_BYTES // 1_000_000},
        status=413,
    )
    response["Connection"] = "close"  # the unread body is not worth reading
    return response
