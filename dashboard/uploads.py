"""Upload handling: stream each uploaded file to a temporary file in chunks, hashing as it goes.

Memory stays flat whatever the file size, the sha256 is ready when the upload ends, and an upload
over the size limit is cut off while it streams instead of after it was written in full.
"""

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class HashedTemporaryUploadedFile(TemporaryUploadedFile):
    sha256: str = ""


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Like Django's temporary-file handler, plus a running sha256 and a hard size limit."""

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)
        self.file = HashedTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
        self._hash = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._size += len(raw_data)
        if self._size > settings.UNMASK_UPLOAD_MAX_BYTES:
            self.file.close()  # deletes the partial temporary file
            if self.request is not None:
                self.request.unmask_upload_too_large = True
            raise StopUpload(connection_reset=False)
        self._hash.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> HashedTemporaryUploadedFile:
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self._hash.hexdigest()
        return self.file
