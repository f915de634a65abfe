"""Therapists' directory photos: checked with Pillow, turned upright, resized to at most
``MAX_SIDE`` pixels, and re-encoded as a fresh JPEG, which drops every piece of metadata the
upload carried (EXIF with GPS position, camera serial, XMP, ICC profile, comments).

Only the re-encoded pixels are stored, under a random name (``models.photo_name``), in the
default storage (``MEDIA_ROOT``); ``views.therapist_photo`` serves them. Pillow is the
well-kept imaging library Django's own ``ImageField`` relies on (docs/decisions.md).
"""

from __future__ import annotations

import io
from typing import IO, Final

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

#: Largest upload accepted, in bytes (a phone's photo is 2-6 MB).
MAX_BYTES: Final = 10 * 1024 * 1024
#: Largest image accepted, in pixels (width × height): refuses "decompression bombs", small
#: files that unpack to gigabytes, before any pixel is decoded.
MAX_PIXELS: Final = 40_000_000
#: The stored photo's longest side, in pixels.
MAX_SIDE: Final = 640
ACCEPTED_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})
JPEG_QUALITY: Final = 85


def clean_photo(upload: IO[bytes], size: int | None = None) -> ContentFile[bytes]:
    """The upload as a safe JPEG, or a ValidationError saying why not (never a 500).

    ``size`` is the upload's length when known (Django's ``UploadedFile.size``).
    """
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            "This photo is too large (at most %(mb)d MB).", params={"mb": MAX_BYTES // 2**20}
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            "This photo is too large (at most %(mb)d MB).", params={"mb": MAX_BYTES // 2**20}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ACCEPTED_FORMATS:
                raise ValidationError("Please upload a JPEG, PNG or WebP photo.")
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    "This photo has too many pixels (%(w)d × %(h)d); please upload a smaller one.",
                    params={"w": width, "h": height},
                )
            probe.verify()  # a truncated or corrupt file fails here, before decoding
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError("This file is not a photo we can read (JPEG, PNG or WebP).") from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A new image object written without exif=, icc_profile= or comment=: nothing but pixels.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
