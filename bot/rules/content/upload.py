"""A course uploaded as a .zip: unpacked safely into a temporary folder, then loaded.

Refused before any unpacking: files that are not zip archives, archives over
`MAX_UPLOAD_BYTES` or unpacking to more than `MAX_UNPACKED_BYTES`, and members with
absolute paths or `..` (a zip-slip).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from bot.rules.content import Course, load_course

MAX_UPLOAD_BYTES = 5 * 2**20
MAX_UNPACKED_BYTES = 20 * 2**20
MAX_MEMBERS = 2000


class UploadRefused(Exception):
    """The upload is not something we import; the message says why, for the admin."""


def load_uploaded_course(data: bytes) -> Course:
    """Unpack and load; raises UploadRefused or content.CourseInvalid."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadRefused("this is not a .zip archive") from exc
    with archive, tempfile.TemporaryDirectory(prefix="learnbot-course-") as folder:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UploadRefused(f"the archive holds more than {MAX_MEMBERS} files")
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise UploadRefused(
                f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB"
            )
        for member in members:
            path = PurePosixPath(member.filename)
            if path.is_absolute() or ".." in path.parts:
                raise UploadRefused(f"unsafe path in the archive: {member.filename}")
        archive.extractall(folder)
        return load_course(course_root(Path(folder)))


def course_root(folder: Path) -> Path:
    """The folder holding course.yaml: the archive's root or its single top folder."""
    if (folder / "course.yaml").exists():
        return folder
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith((".", "__"))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
