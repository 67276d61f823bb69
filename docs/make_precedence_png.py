"""Redraw docs/precedence.png, the README's picture: the map of the bundled corpus as Chromium shows it at 100 %.

    .venv/bin/python docs/make_precedence_png.py            # needs Graphviz's dot and /usr/bin/chromium

The map is exported as SVG (``clausegraph export --view precedence --format svg``) into a page the
size of the drawing, and the page is screenshot: the PNG is what a reader of the SVG sees.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import clausegraph

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        with clausegraph.open(Path(tmp) / "store") as kg:
            kg.ingest()
            svg = kg.export("svg", "precedence").decode("utf-8")
    page_html = ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{margin:0;background:white}"
                 "svg{display:block}</style></head><body><svg" + svg.split("<svg", 1)[1] + "</body></html>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
        page.set_content(page_html)
        box = page.evaluate("(() => { const r = document.querySelector('svg').getBoundingClientRect();"
                            " return [Math.ceil(r.width), Math.ceil(r.height)]; })()")
        page.set_viewport_size({"width": box[0], "height": box[1]})
        target = HERE / "precedence.png"
        page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": box[0], "height": box[1]})
        browser.close()
    print(f"wrote {target} ({box[0]} x {box[1]} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
