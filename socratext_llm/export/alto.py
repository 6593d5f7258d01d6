"""ALTO v4 XML, the layout standard of French libraries and archives (BnF, Gallica)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ..document import BBox, Document

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-2.xsd"


def _place(element: ET.Element, box: BBox) -> None:
    element.set("HPOS", str(round(box.x0)))
    element.set("VPOS", str(round(box.y0)))
    element.set("WIDTH", str(max(0, round(box.width))))
    element.set("HEIGHT", str(max(0, round(box.height))))


def to_alto(document: Document) -> str:
    ET.register_namespace("", ALTO_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(f"{{{ALTO_NS}}}alto", {f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION})
    description = ET.SubElement(root, f"{{{ALTO_NS}}}Description")
    ET.SubElement(description, f"{{{ALTO_NS}}}MeasurementUnit").text = "pixel"
    source = ET.SubElement(description, f"{{{ALTO_NS}}}sourceImageInformation")
    ET.SubElement(source, f"{{{ALTO_NS}}}fileName").text = document.source.filename
    processing = ET.SubElement(description, f"{{{ALTO_NS}}}OCRProcessing", ID="ocr")
    step = ET.SubElement(processing, f"{{{ALTO_NS}}}ocrProcessingStep")
    software = ET.SubElement(step, f"{{{ALTO_NS}}}processingSoftware")
    ET.SubElement(software, f"{{{ALTO_NS}}}softwareName").text = "Socratext LLM"
    layout = ET.SubElement(root, f"{{{ALTO_NS}}}Layout")
    for page in document.pages:
        page_el = ET.SubElement(layout, f"{{{ALTO_NS}}}Page", ID=f"p{page.index + 1}",
                                PHYSICAL_IMG_NR=str(page.index + 1), WIDTH=str(page.width_px),
                                HEIGHT=str(page.height_px))
        space = ET.SubElement(page_el, f"{{{ALTO_NS}}}PrintSpace")
        _place(space, BBox(x0=0, y0=0, x1=page.width_px, y1=page.height_px))
        for block in page.blocks:
            block_el = ET.SubElement(space, f"{{{ALTO_NS}}}TextBlock", ID=f"p{page.index + 1}_b{block.order}")
            _place(block_el, block.bbox)
            for line in block.lines:
                line_el = ET.SubElement(block_el, f"{{{ALTO_NS}}}TextLine",
                                        ID=f"p{page.index + 1}_l{line.order}")
                _place(line_el, line.bbox)
                for position, word in enumerate(line.words):
                    if position:
                        ET.SubElement(line_el, f"{{{ALTO_NS}}}SP")
                    word_el = ET.SubElement(line_el, f"{{{ALTO_NS}}}String", CONTENT=word.text,
                                            WC=f"{word.confidence:.3f}")
                    _place(word_el, word.bbox)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
