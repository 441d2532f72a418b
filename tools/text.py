# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Text compared the way people read it: without accents, case or extra spaces.

Plain Python, no ORM: used by the solvency import (headers, sheet names,
grades) and the BODACC provider (wording of judgments).
"""

import unicodedata


def strip_accents(text):
    """``text`` without its accents (and with compatibility characters, such as
    ligatures or full-width letters, in their plain form)."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in text if not unicodedata.combining(char))


def normalize_header(text):
    """A column header or sheet name compared without case, accents or extra
    spaces: "  Note  de   crédit " and "note de credit" are the same."""
    return " ".join(strip_accents(text).split()).casefold()


def normalize_grade(text):
    """A rating grade compared without case, accents or any space: "A +" and
    "a+" are the same."""
    return "".join(strip_accents(text).split()).casefold()
