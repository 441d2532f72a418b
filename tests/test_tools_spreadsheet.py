# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Unit tests of tools/spreadsheet.py: plain Python, no database."""

import datetime
import io

import openpyxl
import xlwt

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_management.tools import spreadsheet
from odoo.addons.credit_management.tools.spreadsheet import SpreadsheetError, read_rows

DAY = datetime.datetime(2026, 6, 30)


def xlsx(sheets):
    """A .xlsx workbook: {sheet name: rows}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls(sheets):
    """A .xls workbook (BIFF8): {sheet name: rows}, dates as date cells."""
    book = xlwt.Workbook()
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for row_index, row in enumerate(rows):
            for col, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write(row_index, col, value, date_style)
                elif value is not None:
                    sheet.write(row_index, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestToolsSpreadsheet(BaseCase):
    def assertUnreadable(self, content, sheet_name=None):
        with self.assertRaises(SpreadsheetError) as caught:
            read_rows(content, sheet_name)
        self.assertEqual(caught.exception.code, spreadsheet.UNREADABLE)
        return caught.exception

    def test_xlsx(self):
        content = xlsx(
            {
                "Summary": [["nothing here"]],
                "Notes de crédit": [["VAT", "Score", "Expiry"], ["FR1", 72, DAY], [None, "x"]],
            }
        )
        rows, datemode = read_rows(content)
        self.assertEqual((rows, datemode), ([["nothing here"]], 0), "the first sheet")
        rows, __ = read_rows(content, "  NOTES DE CREDIT ")
        self.assertEqual(rows, [["VAT", "Score", "Expiry"], ["FR1", 72, DAY], [None, "x", None]])

    def test_xls(self):
        content = xls({"Ratings": [["VAT", "Score", "Expiry", "OK"], ["FR1", 72, DAY, True]]})
        rows, datemode = read_rows(content, "ratings")
        self.assertEqual(datemode, 0)
        self.assertEqual(rows, [["VAT", "Score", "Expiry", "OK"], ["FR1", 72.0, DAY, True]])

    def test_format_from_content_not_name(self):
        self.assertUnreadable(b"VAT;Rating\nFR1;A\n")
        self.assertUnreadable(b"%PDF-1.4 ...")
        self.assertUnreadable(b"")
        error = self.assertUnreadable(xlsx({"Ratings": [["VAT"]]})[:300])
        self.assertIsNotNone(error.__cause__, "the reader's own error is kept")
        error = self.assertUnreadable(spreadsheet.XLS_SIGNATURE + b"\0" * 600)
        self.assertIsNotNone(error.__cause__)

    def test_missing_sheet(self):
        for content in (xlsx({"Ratings": [["VAT"]]}), xls({"Ratings": [["VAT"]]})):
            with self.assertRaises(SpreadsheetError) as caught:
                read_rows(content, "Scores")
            self.assertEqual(caught.exception.code, spreadsheet.NO_SUCH_SHEET)
            self.assertEqual(caught.exception.params, {"sheet": "Scores", "sheets": ["Ratings"]})

    def test_pick_sheet(self):
        self.assertEqual(spreadsheet.pick_sheet(["A", "Été"], "ete"), "Été")
        self.assertEqual(spreadsheet.pick_sheet(["A", "B"], ""), "A")
        with self.assertRaises(SpreadsheetError):
            spreadsheet.pick_sheet([], None)
