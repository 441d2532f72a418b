# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Unit tests of tools/text.py: plain Python, no database."""

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_management.tools.text import (
    normalize_grade,
    normalize_header,
    strip_accents,
)


@tagged("post_install", "-at_install")
class TestToolsText(BaseCase):
    def test_strip_accents(self):
        self.assertEqual(
            strip_accents("Clôture pour insuffisance d'actif"), "Cloture pour insuffisance d'actif"
        )
        self.assertEqual(strip_accents("ÉCHÉANCE ﬁn"), "ECHEANCE fin", "ligatures in plain letters")
        self.assertEqual(strip_accents(None), "")
        self.assertEqual(strip_accents(""), "")

    def test_normalize_header(self):
        self.assertEqual(normalize_header("  Note  de\tcrédit "), "note de credit")
        self.assertEqual(normalize_header("N° SIREN"), normalize_header("n° siren"))
        self.assertNotEqual(normalize_header("Note de credit"), normalize_header("Notedecredit"))
        self.assertEqual(normalize_header("STRASSE"), normalize_header("straße"), "casefold")
        self.assertEqual(normalize_header(None), "")

    def test_normalize_grade(self):
        self.assertEqual(normalize_grade(" A + "), "a+")
        self.assertEqual(normalize_grade("Très  bon"), "tresbon")
        self.assertEqual(normalize_grade("insolvent"), normalize_grade("INSOLVENT"))
        self.assertEqual(normalize_grade(""), "")
