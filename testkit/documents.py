"""A small folder of a team's own documents (HTML, Markdown in English and Chinese, text, PDF, and
files the index must skip), for the local index, `websearch doctor` and the local provider's answers."""

from __future__ import annotations

from pathlib import Path


def tiny_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A minimal, valid one-page PDF that shows `lines` in Helvetica (pypdf reads the text back)."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    if title:
        objects.append(f"<< /Title ({escape(title)}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


HTML_DOC = """<!doctype html>
<html><head><meta charset="utf-8"><title>Harrowgate Tunnel project report</title>
<script>var tracking = "Harrowgate budget overrun";</script></head>
<body><nav>Home · Projects · Contact</nav>
<h1>Harrowgate Tunnel</h1>
<p>The Harrowgate Tunnel cost 215 million pounds and opened to traffic in March 2019.</p>
<p>The tunnel is 3.4 kilometres long and carries two lanes in each direction under the Wyre hills.</p>
</body></html>"""


MD_DOC = """---
tags: [ops]
---
Some intro line before the heading.

# On-call handbook

## Paging

The **on-call engineer** answers a page within *15 minutes*; see [the rota](https://intranet/rota).

- Escalate to the duty manager after 30 minutes.
- Never silence the `db-primary` alert.
"""


ZH_DOC = """# 银杏水库简介

银杏水库位于青石县北部，总库容 3.2 亿立方米，是全县最大的水库。

水库于 1976 年建成，主要用于灌溉和防洪，同时为县城提供饮用水。
"""


TXT_DOC = """Cafeteria notes

The staff cafeteria on floor 2 serves lunch from 11:30 to 14:00 on weekdays.

Vegetarian dishes are marked with a green leaf.
"""


PDF_LINES = [
    "The Ostrava Lighthouse stands 48 metres tall on the Kestrel headland.",
    "Its lamp was electrified in 1931 and automated in 1987.",
]


def write_corpus(folder: Path) -> dict[str, Path]:
    """A small mixed folder: HTML, Markdown (English and Chinese), text, PDF, plus files to skip."""
    files = {
        "html": folder / "projects" / "harrowgate.html",
        "md": folder / "handbook" / "on-call.md",
        "zh": folder / "handbook" / "银杏水库.md",
        "txt": folder / "cafeteria.txt",
        "pdf": folder / "lighthouse.pdf",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    files["html"].write_text(HTML_DOC, encoding="utf-8")
    files["md"].write_text(MD_DOC, encoding="utf-8")
    files["zh"].write_text(ZH_DOC, encoding="utf-8")
    files["txt"].write_text(TXT_DOC, encoding="utf-8")
    files["pdf"].write_bytes(tiny_pdf(PDF_LINES, title="Ostrava Lighthouse fact sheet"))
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a document type: ignored
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")  # skipped: no text
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf")  # skipped: unreadable
    (folder / ".git").mkdir(exist_ok=True)
    (folder / ".git" / "notes.txt").write_text("Harrowgate secret", encoding="utf-8")  # hidden: not walked
    return files
