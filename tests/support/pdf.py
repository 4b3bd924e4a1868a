"""A minimal PDF writer for tests (pypdf cannot lay out text)."""

from __future__ import annotations


def make_pdf(pages: list[list[str | tuple[int, str]]], title: str = "") -> bytes:
    """A valid PDF with one Helvetica text line per string, one page per list; a line given as
    ``(size, text)`` is set in that point size (12 otherwise)."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(n_pages))
        + f"] /Count {n_pages} >>".encode(),
    ]
    for i, lines in enumerate(pages):
        ops = "BT 14 TL 72 720 Td " + " ".join(
            f"/F1 {line[0] if isinstance(line, tuple) else 12} Tf "
            f"({esc(line[1] if isinstance(line, tuple) else line)}) Tj T*" for line in lines
        ) + " ET"
        stream = ops.encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    info = f"<< /Title ({esc(title)}) >>".encode() if title else None
    if info:
        objects.append(info)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R"
    trailer += f" /Info {len(objects)} 0 R >>" if info else " >>"
    out += f"{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
