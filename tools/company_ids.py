# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Company identifiers: French SIREN / SIRET and VAT numbers, read with the
digits 0-9 only.

Plain Python, no ORM: the solvency providers find the SIREN of a customer
here, and the solvency import reads the keys of its rows here.
"""

import re

# countries whose companies are registered in the French SIRENE registry
SIRENE_COUNTRIES = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}
# what people write between the digits of a number: spaces, dots, dashes
SEPARATORS = re.compile(r"[\s.\-]")
FRENCH_VAT = re.compile(r"FR([0-9A-Z]{2})(\d{9})")
SIREN_LENGTH = 9
SIRET_LENGTH = 14

# why a number is not a valid identifier
CHECK_DIGIT = "check_digit"
NOT_ASCII = "not_ascii"


def luhn_valid(number):
    """Whether ``number`` (digits 0-9 only) passes the Luhn check digit."""
    if not (number.isascii() and number.isdigit()):
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def french_vat_key(siren):
    """The 2-digit key of the French VAT number of a SIREN."""
    return (12 + 3 * (int(siren) % 97)) % 97


def has_foreign_digits(text):
    """Whether ``text`` holds digits other than 0-9 (full-width, Arabic-Indic,
    superscript...), which are no registry number."""
    return any(char.isdigit() and not char.isascii() for char in text)


def find_siren(registry, vat, country=None):
    """The SIREN (9 digits) of a French company, and the numbers found invalid.

    Taken from its company registry (a SIREN, or a SIRET whose first 9 digits
    are the SIREN; only for a company of a SIRENE country or of no country),
    else from its French VAT number ("FR" + 2-character key + SIREN). The
    SIREN must pass its Luhn check digit, and a numeric VAT key must match.

    :param str registry: company registry as written (or None)
    :param str vat: VAT number as written (or None)
    :param str country: ISO code of the company's country (or None)
    :return: ``(siren or None, [(number as read, CHECK_DIGIT or NOT_ASCII)])``
    """
    invalid = []
    registry = SEPARATORS.sub("", registry or "")
    if (
        registry.isdigit()
        and len(registry) in (SIREN_LENGTH, SIRET_LENGTH)
        and (not country or country in SIRENE_COUNTRIES)
    ):
        if not registry.isascii():
            invalid.append((registry, NOT_ASCII))
        elif luhn_valid(registry[:SIREN_LENGTH]):
            return registry[:SIREN_LENGTH], invalid
        else:
            invalid.append((registry, CHECK_DIGIT))
    vat = SEPARATORS.sub("", vat or "").upper()
    match = FRENCH_VAT.fullmatch(vat)
    if match:
        key, siren = match.groups()
        if not siren.isascii():
            invalid.append((vat, NOT_ASCII))
        elif (not key.isdigit() or int(key) == french_vat_key(siren)) and luhn_valid(siren):
            return siren, invalid
        else:
            invalid.append((vat, CHECK_DIGIT))
    return None, invalid


def vat_key(text):
    """A VAT number as compared: its letters and digits, upper case."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def registry_key(text, from_number=False):
    """A company registry number as compared: its digits.

    :param bool from_number: the number was a spreadsheet's number, which
        loses the leading zeros of a SIREN or SIRET: they are put back
    """
    digits = re.sub(r"[^0-9]", "", text)
    if digits and from_number:
        if len(digits) < SIREN_LENGTH:
            digits = digits.zfill(SIREN_LENGTH)
        elif SIREN_LENGTH < len(digits) < SIRET_LENGTH:
            digits = digits.zfill(SIRET_LENGTH)
    return digits
