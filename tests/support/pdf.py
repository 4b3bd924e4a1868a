"""A minimal PDF writer for tests (pypdf cannot lay out text)."""

from __future__ import annotations


def make_pdf(pages: list[list[str | tuple[int, str]]], title: str = "") -> bytes:
    """A valid PDF with one Helvetica text line per string, one page per list; a line given as
    ``(size, text)`` is set in that point size (12 otherwise)."""
    streams = []
    for lines in pages:
        ops = "BT 14 TL 72 720 Td " + " ".join(
            f"/F1 {line[0] if isinstance(line, tuple) else 12} Tf "
            f"({_esc(line[1] if isinstance(line, tuple) else line)}) Tj T*" for line in lines
        ) + " ET"
        streams.append(ops.encode("latin-1"))
    return _document(streams, ("Helvetica",), (612, 792), title)


def make_laid_out_pdf(pages: list[list[tuple]], size: tuple[int, int] = (612, 792)) -> bytes:
    """A PDF whose pages place text and ruled tables where told, for layouts ``make_pdf``
    cannot draw (a table frame reaching into the page's margins).

    Each page is a list of
    - ``("text", x, y, size, text)`` or ``("bold", x, y, size, text)``: one line from (x, y),
      y counted from the bottom of the page;
    - ``("table", x, y_top, widths, row_height, rows, size)``: a ruled grid of ``rows`` (tuples
      of cell texts, one line each) with column ``widths``, its first row set in bold.
    """

    def text(x: float, y: float, font: str, pt: float, s: str) -> str:
        return f"BT /{font} {pt} Tf {x} {y} Td ({_esc(s)}) Tj ET"

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
    return _document(streams, ("Helvetica", "Helvetica-Bold"), size, "")


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _document(streams: list[bytes], fonts: tuple[str, ...], size: tuple[int, int], title: str) -> bytes:
    """The PDF file of one content stream per page, fonts F1, F2, ... and an optional title."""
    n = len(streams)
    font_ids = [3 + 2 * n + k for k in range(len(fonts))]
    resources = " ".join(f"/F{k + 1} {font_id} 0 R" for k, font_id in enumerate(font_ids))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(n))
        + f"] /Count {n} >>".encode(),
    ]
    for i, stream in enumerate(streams):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] "
            f"/Contents {4 + 2 * i} 0 R /Resources << /Font << {resources} >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    for name in fonts:
        objects.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} "
                       "/Encoding /WinAnsiEncoding >>".encode())
    if title:
        objects.append(f"<< /Title ({_esc(title)}) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R"
    trailer += f" /Info {len(objects)} 0 R >>" if title else " >>"
    out += f"{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
