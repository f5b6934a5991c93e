"""GeoReport documents as bytes: JSON as the specification shows it (lists at the top for
services, requests and errors), and XML with the declaration, no namespace, each list's
items named as the specification names them (``<services><service>``, ``<errors><error>``)."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

JSON = "application/json; charset=utf-8"
XML = "text/xml; charset=utf-8"
MEDIA_TYPES = {"json": JSON, "xml": XML}

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all (not even escaped); a stored text keeps them, the
# XML leaves them out rather than send a document no parser reads.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Each list element's child tag.
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    else:
        text = _text(value)
        element.text = _NOT_XML.sub("", text) if text is not None else None


def to_xml(root: str, document: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, document)
    return DECLARATION + ET.tostring(element, encoding="unicode").encode()


def to_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root: str, document: Any) -> tuple[bytes, str]:
    """(body, media type) of ``document`` in ``fmt`` ("json" or "xml"); ``root`` is the XML
    root element (for JSON the document is sent as it is)."""
    if fmt == "xml":
        return to_xml(root, document), XML
    return to_json(document), JSON
