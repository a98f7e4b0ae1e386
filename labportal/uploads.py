"""The size limit of an upload, enforced while it streams in (issue 15, "Uploads").

`SizeLimitedUploadHandler` is the first of FILE_UPLOAD_HANDLERS. It passes each chunk on to
Django's handlers (memory, then a temporary file) until a file passes
APPLICATION_ATTACHMENT_MAX_BYTES; from there on it swallows the rest of that file, so nothing past
the limit is kept in memory or written to disk, and it hands the form a `TooLargeUpload` instead:
an empty file that knows its name and how many bytes were sent. The attachment check
(applications.services.attachment_check) refuses it by its size with the usual message on the
field, and the rest of the form is kept — no 413 page, no upload held whole before it is judged.
"""

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class TooLargeUpload(InMemoryUploadedFile):
    """A file that was not kept because it passed the limit: no content, its real size."""

    too_large = True

    def __init__(self, name, content_type, size, charset, field_name):
        from io import BytesIO

        super().__init__(BytesIO(b""), field_name, name, content_type, size, charset)


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.APPLICATION_ATTACHMENT_MAX_BYTES
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # swallowed: the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size):
        if self.received <= self.limit:
            return None  # the next handler's file, as Django would have made it
        return TooLargeUpload(self.file_name, self.content_type, self.received, self.charset, self.field_name)
