# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""QR codes for printed documents, as data URIs (no HTTP fetch by wkhtmltopdf).

Made with ``qrcode`` (one of Odoo's requirements) rather than the report
barcode route, whose PNG rendering needs reportlab's renderPM backend.
"""

import base64
import io

import qrcode


def qr_code_data_uri(value, box_size=6, border=2):
    """A PNG QR code of ``value`` as a ``data:`` URI."""
    image = qrcode.make(value, box_size=box_size, border=border)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
