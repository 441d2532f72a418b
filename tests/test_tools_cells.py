# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Unit tests of tools/cells.py: plain Python, no database."""

import datetime
import math

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_management.tools import cells
from odoo.addons.credit_management.tools.cells import CellError, CellReader


@tagged("post_install", "-at_install")
class TestToolsCells(BaseCase):
    def assertCellError(self, code, parse, cell, **params):
        with self.assertRaises(CellError) as caught:
            parse(cell)
        self.assertEqual(caught.exception.code, code, cell)
        self.assertEqual(caught.exception.params, params, cell)

    def test_cell_text(self):
        self.assertEqual(cells.cell_text(None), "")
        self.assertEqual(cells.cell_text(72.0), "72", "an integral number without .0")
        self.assertEqual(cells.cell_text(72.5), "72.5")
        self.assertEqual(cells.cell_text(datetime.date(2026, 6, 30)), "2026-06-30")
        self.assertEqual(cells.cell_text("  B "), "B")
        self.assertEqual(cells.number_text(1e300), "1e+300", "short, even when huge")
        self.assertEqual(cells.number_text(123.0), "123")
        self.assertTrue(cells.is_empty(None))
        self.assertTrue(cells.is_empty("  "))
        self.assertFalse(cells.is_empty(0))
        self.assertEqual(cells.json_value(datetime.date(2026, 6, 30)), "2026-06-30")

    def test_numbers_comma(self):
        reader = CellReader(separator=",")
        for text, number in (
            ("1 234,56", 1234.56),
            ("1.234,56", 1234.56),
            ("1\u202f234\u00a0567", 1234567.0),
            ("50 000 €", 50000.0),
            ("EUR 12", None),
            ("12 EUR", 12.0),
            ("-3,5", -3.5),
            ("1234", 1234.0),
        ):
            if number is None:
                self.assertCellError(cells.NOT_A_NUMBER, reader.number, text, value=text)
            else:
                self.assertEqual(reader.number(text), number, text)
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, "1,234.56", value="1,234.56")
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, "12 345,6,7", value="12 345,6,7")
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, "١٢", value="١٢")

    def test_numbers_point(self):
        reader = CellReader(separator=".")
        self.assertEqual(reader.number("1,234.56"), 1234.56)
        self.assertEqual(reader.number("1 234.5"), 1234.5)
        self.assertEqual(reader.number("$12"), 12.0)
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, "1.234,56", value="1.234,56")

    def test_number_cells(self):
        reader = CellReader()
        self.assertEqual(reader.number(42), 42.0)
        self.assertEqual(reader.number(4.5), 4.5)
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, True, value="True")
        day = datetime.date(2026, 1, 2)
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, day, value="2026-01-02")
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, math.inf, value="inf")
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, math.nan, value="nan")
        self.assertCellError(cells.NOT_A_NUMBER, reader.number, "1e400", value="1e400")

    def test_score(self):
        reader = CellReader()
        self.assertEqual(reader.score(72.5), 73, "rounded half up")
        self.assertEqual(reader.score("88,4"), 88)
        self.assertEqual(reader.score(0), 0)
        self.assertEqual(reader.score(100), 100)
        self.assertCellError(cells.SCORE_OUT_OF_RANGE, reader.score, 101, value="101")
        self.assertCellError(cells.SCORE_OUT_OF_RANGE, reader.score, -1, value="-1")

    def test_amount(self):
        reader = CellReader(amount_bound=10**12)
        self.assertEqual(reader.amount("25 000,50"), 25000.5)
        self.assertEqual(reader.amount(0), 0.0)
        self.assertCellError(cells.NEGATIVE_AMOUNT, reader.amount, -5, value="-5")
        self.assertCellError(
            cells.AMOUNT_TOO_LARGE, reader.amount, 1e15, value="1e+15", bound=10**12
        )
        self.assertCellError(
            cells.AMOUNT_TOO_LARGE, reader.amount, 10**12, value="1000000000000", bound=10**12
        )

    def test_rating(self):
        reader = CellReader(grades={"a": "A", "a+": "A", "tresbon": "B"})
        self.assertEqual(reader.rating(" a "), "A")
        self.assertEqual(reader.rating("A +"), "A")
        self.assertEqual(reader.rating("Très bon"), "B")
        self.assertCellError(cells.UNKNOWN_RATING, reader.rating, "Z", value="Z")
        self.assertEqual(reader.text(" Coface "), "Coface")

    def test_date(self):
        reader = CellReader(date_format="%d/%m/%Y")
        day = datetime.date(2026, 6, 30)
        self.assertEqual(reader.date(day), day)
        self.assertEqual(reader.date(datetime.datetime(2026, 6, 30, 10, 0)), day)
        self.assertEqual(reader.date("30/06/2026"), day)
        self.assertEqual(reader.date("2026-06-30"), day, "ISO dates too")
        self.assertEqual(reader.date(46203), day, "Excel's day number")
        self.assertEqual(CellReader(datemode=1).date(44741), day, "1904 date system")
        self.assertCellError(
            cells.NOT_A_DATE, reader.date, "06/30/2026", value="06/30/2026", example="31/12/2025"
        )
        self.assertCellError(
            cells.NOT_A_DATE, reader.date, 3e6, value="3000000", example="31/12/2025"
        )
        american = CellReader(date_format="%m/%d/%Y")
        self.assertEqual(american.date("06/30/2026"), day)
        self.assertCellError(
            cells.NOT_A_DATE, american.date, "30/06/2026", value="30/06/2026", example="12/31/2025"
        )

    def test_keys(self):
        self.assertEqual(cells.parse_key("vat", " fr 40 303 265 045 "), "FR40303265045")
        self.assertEqual(cells.parse_key("registry", "443 061 841"), "443061841")
        self.assertEqual(cells.parse_key("registry", 43061841.0), "043061841", "zeros put back")
        self.assertEqual(cells.parse_key("registry", "043061841"), "043061841")
        self.assertEqual(cells.parse_key("ref", " cust-0042 "), "CUST-0042")
        self.assertEqual(cells.parse_key("ref", None), "")
        number = "４４３０６１８４１"
        self.assertCellError(
            cells.FOREIGN_DIGITS, lambda v: cells.parse_key("registry", v), number, value=number
        )
        self.assertEqual(cells.parse_key("ref", number), number, "a reference is any text")
