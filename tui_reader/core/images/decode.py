"""Decode a stored picture safely with Pillow: a few raster formats only, Pillow's
decompression-bomb limit on (and a lower pixel cap of our own), the first frame of an
animation, and a small RGB copy kept for drawing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .policy import PictureError

if TYPE_CHECKING:
    from PIL.Image import Image

FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
"""What Pillow may open: never the formats that run other programs (EPS) or are rarely safe."""
MAX_PIXELS = 40_000_000
"""Larger pictures are refused before any pixel is decoded (a 40 MP PNG is ~160 MB decoded)."""
KEEP_SIZE = (400, 400)
"""The decoded copy kept for drawing fits in this: half-cell blocks draw a pixel per cell
across and two per cell down, and a pane is at most a few hundred cells wide."""


@dataclass(frozen=True, slots=True)
class DecodedPicture:
    """A small RGB copy of a picture, and the picture's own size in pixels."""

    image: Image
    width: int
    height: int


def decode_picture(data: bytes, keep: tuple[int, int] = KEEP_SIZE) -> DecodedPicture:
    """The picture in ``data`` as an RGB copy fitting in ``keep`` (never enlarged).

    Raises :class:`PictureError` (``lasting``) for a picture that is not one of
    :data:`FORMATS`, is corrupt, or declares too many pixels.
    """
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        image = PILImage.open(io.BytesIO(data), formats=FORMATS)
        width, height = image.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise PictureError(
                f"The picture declares {width} x {height} pixels: too large to draw safely.",
                lasting=True,
            )
        image.seek(0)  # an animation: its first frame
        image.draft("RGB", keep)  # JPEG: decode at a reduced size straight away
        image.thumbnail(keep)
        return DecodedPicture(image.convert("RGB"), width, height)
    except PILImage.DecompressionBombError as error:
        raise PictureError(
            "The picture declares too many pixels to draw safely.", lasting=True
        ) from error
    except UnidentifiedImageError as error:
        raise PictureError("The file is not a picture that can be drawn.", lasting=True) from error
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        raise PictureError("The picture is damaged and cannot be drawn.", lasting=True) from error
