"""QR codes drawn on our own server, as inline SVG: nothing is loaded from another host."""

from __future__ import annotations


def qr_svg(text: str) -> str:
    """`text` (a link, an authenticator's otpauth:// address) as an inline SVG QR code."""
    import segno

    return str(segno.make(text, error="m").svg_inline(scale=4, omitsize=False))
