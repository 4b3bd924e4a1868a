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


def make_laid_out_pdf(pages: list[list[tuple]], size: tuple[int, int] = (612, 792)) -> bytes:
    """A PDF whose pages place text and ruled tables where told, for layouts ``make_pdf``
    cannot draw (a table frame reaching into the page's margins).

    Each page is a list of
    - ``("text", x, y, size, text)`` or ``("bold", x, y, size, text)``: one line from (x, y),
      y counted from the bottom of the page;
    - ``("table", x, y_top, widths, row_height, rows, size)``: a ruled grid of ``rows`` (tuples
      of cell texts, one line each) with column ``widths``, its first row set in bold.
    """

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    def text(x: float, y: float, font: str, pt: float, s: str) -> str:
        return f"BT /{font} {pt} Tf {x} {y} Td ({esc(s)}) Tj ET"

    streams = []
    for page in pages:
        ops: list[str] = []
        for item in page:
            if item[0] in ("text", "bold"):
                _, x, y, pt, s = item
                ops.append(text(x, y, "F2" if item[0] == "bold" else "F1", pt, s))
                continue
            _, x, top, widths, row_h, rows, pt = item
            bottom = top - row_h * len(rows)
            right = x + sum(widths)
            for r in range(len(rows) + 1):
                ops.append(f"{x} {top - r * row_h} m {right} {top - r * row_h} l S")
            edge = x
            for w in [0, *widths]:
                edge += w
                ops.append(f"{edge} {top} m {edge} {bottom} l S")
            for r, row in enumerate(rows):
                left = x
                for w, cell in zip(widths, row, strict=True):
                    ops.append(text(left + 4, top - (r + 1) * row_h + 6, "F2" if r == 0 else "F1",
                                    pt, cell))
                    left += w
        streams.append(" ".join(ops).encode("latin-1"))
    n = len(pages)
    fonts = (3 + 2 * n, 4 + 2 * n)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(n))
        + f"] /Count {n} >>".encode(),
    ]
    for i, stream in enumerate(streams):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] "
            f"/Contents {4 + 2 * i} 0 R /Resources << /Font << /F1 {fonts[0]} 0 R "
            f"/F2 {fonts[1]} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    for name in ("Helvetica", "Helvetica-Bold"):
        objects.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} "
                       "/Encoding /WinAnsiEncoding >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
