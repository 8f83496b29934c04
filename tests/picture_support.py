"""Pictures made in the tests with Pillow, a loopback site serving them, and posts showing them."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from datetime import timedelta

from PIL import Image

from tests.app_support import NOW, TAG, make_post
from tests.site_server import SiteServer
from tui_reader.core.models import Post

RED = (220, 20, 20)
BLUE = (20, 40, 230)


def png(width: int = 300, height: int = 150, color: tuple[int, int, int] = RED) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int = 400, height: int = 200, color: tuple[int, int, int] = BLUE) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


def animated_gif() -> bytes:
    """Two frames: red, then blue."""
    frames = [Image.new("RGB", (40, 20), RED), Image.new("RGB", (40, 20), BLUE)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 60_000) -> bytes:
    """A tiny PNG whose header declares ``side`` x ``side`` pixels."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def serve_pictures(site: SiteServer) -> dict[str, str]:
    """Serve a picture of each kind the tests need; their URLs by name."""
    return {
        "png": site.add_file("/static/red.png", png(), "image/png"),
        "jpeg": site.add_file("/static/blue.jpg", jpeg(), "image/jpeg"),
        "gif": site.add_file("/static/anim.gif", animated_gif(), "image/gif"),
        "bomb": site.add_file("/static/bomb.png", bomb_png(), "image/png"),
        "svg": site.add_file("/static/chart.svg", SVG, "image/svg+xml"),
        "svg-typed": site.add_file("/static/chart.png", SVG, "image/svg+xml"),
        "html": site.add_file("/static/page.png", b"<html>no</html>", "text/html"),
        "corrupt": site.add_file("/static/broken.png", png()[:60], "image/png"),
        "missing": site.url_for("/static/missing.png"),
    }


def picture_post(n: int, pictures: list[tuple[str, str]], *, tag: str = TAG) -> Post:
    """A post with a paragraph, then each ``(alt, url)`` picture in its own paragraph."""
    parts = ["The first paragraph, before any picture."]
    for alt, url in pictures:
        parts += [f"![{alt}]({url})", "A paragraph after the picture."]
    markdown = "\n\n".join(parts)
    post = make_post(n, NOW - timedelta(days=n))
    return replace(post, markdown=markdown, html="<p>…</p>", tags=(tag,))


def block_lines(text: str) -> list[str]:
    """The lines of a pane's text drawing a picture."""
    return [line for line in text.splitlines() if line.strip() and set(line.strip()) == {"▀"}]


def card_png() -> bytes:
    """A 320 x 160 PNG with coloured bands and a circle, to see scaling in a screenshot."""
    from PIL import ImageDraw

    image = Image.new("RGB", (320, 160), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for band, color in enumerate([(230, 40, 40), (240, 200, 30), (40, 170, 70), (40, 90, 220)]):
        draw.rectangle((band * 80, 0, band * 80 + 79, 59), fill=color)
    draw.ellipse((120, 70, 200, 150), fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
