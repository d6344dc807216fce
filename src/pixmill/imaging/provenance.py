"""IPTC's digital source type, as XMP for raster files and as SVG metadata.

Written into the file before it is signed (see `c2pa_signing`), so the Content
Credentials' hash covers it. No timestamps or ids: the same picture gives the same bytes.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from pixmill import __version__

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_SOURCE_TYPES + "trainedAlgorithmicMedia"
"""A picture a trained model made from a prompt: what every pixmill generation is."""
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = (
    IPTC_SOURCE_TYPES + "compositeWithTrainedAlgorithmicMedia"
)
"""An edit: a given picture changed by a trained model (for the edits endpoint)."""

IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def software() -> str:
    return f"pixmill {__version__}"


def _description(source_type: str) -> str:
    return (
        f'<rdf:RDF xmlns:rdf="{RDF_NS}">'
        f'<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="{IPTC_EXT_NS}" xmlns:xmp="{XMP_NS}"'
        f" Iptc4xmpExt:DigitalSourceType={quoteattr(source_type)}"
        f" xmp:CreatorTool={quoteattr(software())}/>"
        "</rdf:RDF>"
    )


def xmp_packet(source_type: str = TRAINED_ALGORITHMIC_MEDIA) -> bytes:
    """An XMP packet naming the IPTC digital source type and pixmill as the creator tool."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{_description(source_type)}</x:xmpmeta>'
        '<?xpacket end="r"?>'
    ).encode()


def xmp_source_type(data: bytes) -> str | None:
    """The `Iptc4xmpExt:DigitalSourceType` of a png, jpeg or webp file's XMP, if any."""
    import io
    import xml.etree.ElementTree as ET

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        if not packet:
            return None
        root = ET.fromstring(packet.decode() if isinstance(packet, bytes) else packet)
    except (OSError, ValueError, ET.ParseError):
        return None
    attribute = f"{{{IPTC_EXT_NS}}}DigitalSourceType"
    for node in root.iter():
        if node.get(attribute):
            return node.get(attribute)
        if node.tag == attribute and node.text:
            return node.text.strip()
    return None


def svg_with_provenance(svg: bytes, source_type: str = TRAINED_ALGORITHMIC_MEDIA) -> bytes:
    """The SVG document with a <metadata> element saying the same as the XMP of rasters,
    placed first inside the root <svg> element."""
    start = svg.find(b"<svg")
    end = svg.find(b">", start)
    if start < 0 or end < 0:
        raise ValueError("not an SVG document")
    metadata = f"<metadata>{_description(source_type)}</metadata>".encode()
    if svg[end - 1 : end] == b"/":  # <svg .../>: an empty document
        return svg[: end - 1] + b">" + metadata + b"</svg>" + svg[end + 1 :]
    return svg[: end + 1] + metadata + svg[end + 1 :]
