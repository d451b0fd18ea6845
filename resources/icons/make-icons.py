"""Draw Loupe's placeholder icon (a magnifier on a dark square) with the
Python standard library only, and write icon.png (1024 px, Linux), icon.ico
(Windows) and icon.icns (macOS). Run from this folder: python3 make-icons.py
"""

import math
import struct
import zlib

BACKGROUND = (31, 58, 95, 255)
FOREGROUND = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """Return the colour at (x, y) in a unit square."""
    margin, radius = 0.06, 0.18
    # Rounded square: distance from the inner rectangle must stay under the corner radius.
    dx = max(margin + radius - x, 0, x - (1 - margin - radius))
    dy = max(margin + radius - y, 0, y - (1 - margin - radius))
    if math.hypot(dx, dy) > radius:
        return CLEAR
    # Lens: a ring around (0.43, 0.43).
    if abs(math.hypot(x - 0.43, y - 0.43) - 0.22) < 0.035:
        return FOREGROUND
    # Handle: a thick segment from the ring towards the lower right corner.
    t = ((x - 0.6) + (y - 0.6)) / 2
    if 0 <= t <= 0.2 and abs((x - 0.6) - (y - 0.6)) / math.sqrt(2) < 0.05:
        return FOREGROUND
    return BACKGROUND


def png(size: int) -> bytes:
    rows = bytearray()
    for row in range(size):
        rows.append(0)  # filter type: none
        for column in range(size):
            rows.extend(pixel((column + 0.5) / size, (row + 0.5) / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def ico(images: dict[int, bytes]) -> bytes:
    """ICO with PNG-compressed entries (read by Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, data = b"", b""
    for size, image in images.items():
        side = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(image), offset + len(data))
        data += image
    return header + entries + data


def icns(images: dict[bytes, bytes]) -> bytes:
    """ICNS whose entries are PNGs, keyed by their OSType (ic10 is 1024 px)."""
    body = b"".join(kind + struct.pack(">I", len(image) + 8) + image for kind, image in images.items())
    return b"icns" + struct.pack(">I", len(body) + 8) + body


if __name__ == "__main__":
    by_size = {size: png(size) for size in (16, 32, 48, 64, 128, 256, 512, 1024)}
    with open("icon.png", "wb") as out:
        out.write(by_size[1024])
    with open("icon.ico", "wb") as out:
        out.write(ico({size: by_size[size] for size in (16, 32, 48, 64, 128, 256)}))
    with open("icon.icns", "wb") as out:
        out.write(icns({b"ic07": by_size[128], b"ic08": by_size[256], b"ic09": by_size[512], b"ic10": by_size[1024]}))
