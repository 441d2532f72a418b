# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Unit tests of tools/company_ids.py: plain Python, no database."""

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_management.tools import company_ids
from odoo.addons.credit_management.tools.company_ids import (
    CHECK_DIGIT,
    NOT_ASCII,
    find_siren,
    french_vat_key,
    has_foreign_digits,
    luhn_valid,
    registry_key,
    vat_key,
)

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@tagged("post_install", "-at_install")
class TestToolsCompanyIds(BaseCase):
    def test_luhn(self):
        for number in ("552100554", "812345676", "443061841", "44306184100047"):
            self.assertTrue(luhn_valid(number), number)
        for number in ("552100555", "812345677", "", "55210055A"):
            self.assertFalse(luhn_valid(number), number)
        self.assertFalse(luhn_valid("552100554".translate(FULL_WIDTH)), "digits 0-9 only")

    def test_french_vat_key(self):
        self.assertEqual(french_vat_key("303265045"), 40)
        self.assertEqual(french_vat_key("552100554"), 96)

    def test_siren_from_registry(self):
        self.assertEqual(find_siren("552 100 554", None), ("552100554", []))
        self.assertEqual(find_siren("443.061.841-00047", None, "FR"), ("443061841", []), "SIRET")
        self.assertEqual(find_siren("552100554", None, "RE"), ("552100554", []), "overseas")
        self.assertEqual(find_siren("552100554", None, "BE"), (None, []), "not SIRENE")
        self.assertEqual(find_siren("5521005", None), (None, []), "neither SIREN nor SIRET")
        self.assertEqual(find_siren("552100555", None), (None, [("552100555", CHECK_DIGIT)]))

    def test_siren_from_vat(self):
        self.assertEqual(find_siren(None, "FR 40 303 265 045"), ("303265045", []))
        self.assertEqual(find_siren("", "fr96552100554"), ("552100554", []), "lower case")
        self.assertEqual(find_siren(None, "FRXA552100554"), ("552100554", []), "letter key")
        self.assertEqual(
            find_siren(None, "FR41303265045"), (None, [("FR41303265045", CHECK_DIGIT)]), "key"
        )
        self.assertEqual(find_siren(None, "BE0403170701"), (None, []), "not French")
        # a wrong registry number does not hide a good VAT number, and is told
        self.assertEqual(
            find_siren("552100555", "FR96552100554"),
            ("552100554", [("552100555", CHECK_DIGIT)]),
        )

    def test_siren_digits_0_9_only(self):
        registry = "552100554".translate(ARABIC_INDIC)
        self.assertEqual(find_siren(registry, None), (None, [(registry, NOT_ASCII)]))
        vat = "FR96" + "552100554".translate(FULL_WIDTH)
        self.assertEqual(find_siren(None, vat), (None, [(vat, NOT_ASCII)]))
        self.assertTrue(has_foreign_digits(registry))
        self.assertTrue(has_foreign_digits("SIREN ²"))
        self.assertFalse(has_foreign_digits("FR 40 303 265 045"))

    def test_keys(self):
        self.assertEqual(vat_key("fr 40-303.265.045"), "FR40303265045")
        self.assertEqual(registry_key("443 061 841 00047"), "44306184100047")
        self.assertEqual(registry_key("12345678"), "12345678", "a text keeps its digits")
        self.assertEqual(registry_key("12345678", from_number=True), "012345678")
        self.assertEqual(registry_key("1234567890123", from_number=True), "01234567890123")
        self.assertEqual(registry_key("1234567890", from_number=True), "00001234567890")
        self.assertEqual(registry_key("", from_number=True), "")
        self.assertIn("FR", company_ids.SIRENE_COUNTRIES)
