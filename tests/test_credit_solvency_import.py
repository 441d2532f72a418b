# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64
import datetime
import io
import json
from unittest.mock import patch

import openpyxl
import xlwt

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.misc import file_open

from .common import CreditManagementCommon

HEADERS = (
    "VAT",
    "Company Registry",
    "Reference",
    "Rating",
    "Score",
    "Recommended Limit",
    "Insured Amount",
    "Insurer",
    "Insurance Expiry",
)
EXPIRY = datetime.date(2026, 12, 31)


def make_xlsx(rows, headers=HEADERS, before=()):
    """A real .xlsx workbook (Office Open XML) written by openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Ratings"
    for row in (*before, headers, *rows):
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_xls(rows, headers=HEADERS):
    """A real .xls workbook (BIFF8) written by xlwt, dates as date cells."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Ratings")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for row_index, row in enumerate((headers, *rows)):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write(row_index, col, value, date_style)
            else:
                sheet.write(row_index, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TestCreditSolvencyImportCommon(CreditManagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"vat": "FR 40 303 265 045"})
        cls.martin = cls.env["res.partner"].create(
            {"name": "Martin Industries", "is_company": True, "company_registry": "44306184100047"}
        )
        cls.bernard = cls.env["res.partner"].create(
            {"name": "Bernard & Co", "is_company": True, "ref": "CUST-0042"}
        )
        cls.preset = cls.env["credit.solvency.import.preset"].create(
            {
                "name": "Allianz Trade",
                "company_id": cls.company.id,
                "vat_column": "VAT",
                "registry_column": "Company Registry",
                "ref_column": "Reference",
                "rating_column": "Rating",
                "score_column": "Score",
                "recommended_limit_column": "Recommended Limit",
                "insured_limit_column": "Insured Amount",
                "insurer_column": "Insurer",
                "expiry_column": "Insurance Expiry",
            }
        )
        cls.Check = cls.env["credit.solvency.check"]

    def _wizard(self, content, filename, user=None, preset=None, **values):
        """Upload a file in the wizard as a user would, and preview it."""
        env = self.env(user=user or self.credit_manager)
        context = {"default_filename": filename}
        if preset is not None:
            context["default_preset_id"] = preset.id
        with Form(env["credit.solvency.import.wizard"].with_context(**context)) as form:
            form.file = base64.b64encode(content)
            for fname, value in values.items():
                setattr(form, fname, value)
        return form.record

    def _preview(self, content, filename, **kwargs):
        wizard = self._wizard(content, filename, **kwargs)
        wizard.action_preview()
        return wizard

    def _lines_by_row(self, wizard):
        return {line.row_number: line for line in wizard.line_ids}

    def _checks(self, partners=None):
        domain = [("trigger", "=", "import")]
        if partners is not None:
            domain.append(("partner_id", "in", partners.ids))
        return self.Check.search(domain)


@tagged("post_install", "-at_install")
class TestCreditSolvencyImport(TestCreditSolvencyImportCommon):
    def test_import_xlsx_good_file(self):
        content = make_xlsx(
            [
                ["fr40303265045", None, None, "B", 72, 25000, 20000, "Allianz Trade", EXPIRY],
                [None, "443 061 841", None, "a", 88.0, "50 000", None, None, None],
                [None, None, "cust-0042", "D", 35, 5000.5, 0, "Coface", "30/06/2026"],
            ]
        )
        wizard = self._preview(content, "ratings_2025-06.xlsx")
        self.assertEqual(wizard.state, "preview")
        self.assertEqual(wizard.preset_id, self.preset, "the company's preset is proposed")
        lines = self._lines_by_row(wizard)
        self.assertEqual(sorted(lines), [2, 3, 4], "rows are numbered as in the file")
        self.assertEqual(lines[2].partner_id, self.customer)
        self.assertEqual(lines[3].partner_id, self.martin, "a SIREN finds the SIRET")
        self.assertEqual(lines[4].partner_id, self.bernard)
        self.assertEqual(set(wizard.line_ids.mapped("status")), {"change"})
        self.assertFalse(lines[2].current_rating)
        self.assertEqual(lines[2].new_rating, "B")
        self.assertEqual(lines[2].new_insured_expiry, EXPIRY)
        self.assertEqual(lines[3].new_recommended_limit, 50000.0)
        self.assertEqual(lines[4].new_insured_expiry, datetime.date(2026, 6, 30))
        self.assertFalse(self._checks(), "a preview writes nothing")
        self.assertFalse(self.customer.solvency_rating)

        wizard.action_import()

        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.solvency_rating, "B")
        self.assertEqual(customer.solvency_score, 72)
        self.assertEqual(customer.solvency_recommended_limit, 25000.0)
        self.assertEqual(customer.credit_insured_limit, 20000.0)
        self.assertEqual(customer.credit_insurer, "Allianz Trade")
        self.assertEqual(customer.credit_insured_expiry, EXPIRY)
        self.assertEqual(customer.solvency_source, "Allianz Trade – ratings_2025-06.xlsx")
        self.assertEqual(self.martin.solvency_rating, "A")
        self.assertEqual(self.martin.solvency_score, 88)
        self.assertFalse(self.martin.credit_insured_limit, "empty cells change nothing")
        self.assertEqual(self.bernard.solvency_rating, "D")
        self.assertEqual(self.bernard.with_company(self.company).solvency_recommended_limit, 5000.5)
        checks = self._checks()
        self.assertEqual(checks.partner_id, self.customer | self.martin | self.bernard)
        self.assertEqual(set(checks.mapped("user_id")), {self.credit_manager})
        self.assertEqual(set(checks.mapped("company_id")), {self.company})
        check = checks.filtered(lambda c: c.partner_id == self.customer)
        payload = json.loads(check.payload)
        self.assertEqual(payload["row"], 2)
        self.assertEqual(payload["file"], "ratings_2025-06.xlsx")
        self.assertEqual(payload["cells"]["Insurance Expiry"], "2026-12-31T00:00:00")
        # who imported what is on record on the preset, with the file
        message = self.preset.message_ids[0]
        self.assertIn("ratings_2025-06.xlsx", message.body)
        self.assertIn("3 customer(s) updated", message.body)
        self.assertEqual(message.author_id, self.credit_manager.partner_id)
        self.assertEqual(message.attachment_ids.name, "ratings_2025-06.xlsx")

    def test_import_xls_file(self):
        content = make_xls(
            [
                ["FR40303265045", None, None, "C", 55, "12 500,50", "10 000", "Coface", EXPIRY],
                [None, 44306184100047, None, "E", 12.0, 1500, None, None, "15/01/2027"],
            ]
        )
        wizard = self._preview(content, "COFACE.XLS")
        lines = self._lines_by_row(wizard)
        self.assertEqual(
            set(wizard.line_ids.mapped("status")), {"change"}, wizard.line_ids.mapped("message")
        )
        self.assertEqual(lines[2].new_recommended_limit, 12500.5)
        self.assertEqual(lines[2].new_insured_expiry, EXPIRY, "an xls date cell is a date")
        self.assertEqual(lines[3].partner_id, self.martin, "a SIRET read from a number cell")
        wizard.action_import()
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.solvency_rating, "C")
        self.assertEqual(customer.solvency_recommended_limit, 12500.5)
        self.assertEqual(customer.credit_insured_limit, 10000.0)
        self.assertEqual(customer.credit_insured_expiry, EXPIRY)
        self.assertEqual(self.martin.with_company(self.company).solvency_recommended_limit, 1500)
        self.assertEqual(
            self.martin.with_company(self.company).credit_insured_expiry,
            datetime.date(2027, 1, 15),
        )
        self.assertEqual(len(self._checks()), 2)

    def test_partly_bad_file_writes_nothing(self):
        title = ["Allianz Trade - grades of June"]
        content = make_xlsx(
            [
                ["FR40303265045", None, None, "B", 70, 20000, None, None, None],  # row 4
                ["FR99999999999", None, None, "B", 70, 20000, None, None, None],  # 5
                [None, "443061841", None, "A", "abc", None, None, None, None],  # 6
                [None, None, "CUST-0042", "A", None, None, None, None, "31/31/2026"],  # 7
                [None, None, None, "A", 50, None, None, None, None],  # 8
                [None, None, None, None, None, None, None, None, None],  # 9: skipped
                [None, None, "CUST-0042", "Z", 150, -5, None, None, None],  # 10
            ],
            before=[title, []],
        )
        wizard = self._preview(content, "june.xlsx", header_row=3)
        lines = self._lines_by_row(wizard)
        self.assertEqual(sorted(lines), [4, 5, 6, 7, 8, 10])
        self.assertEqual(lines[4].status, "change")
        self.assertEqual(wizard.error_count, 5)
        self.assertIn("Unknown customer FR99999999999", lines[5].message)
        self.assertIn("Score: “abc” is not a number", lines[6].message)
        self.assertIn("Insurance Expiry: “31/31/2026” is not a date", lines[7].message)
        self.assertIn("No VAT number", lines[8].message)
        self.assertIn("unknown rating “Z”", lines[10].message)
        self.assertIn("outside 0-100", lines[10].message)
        self.assertIn("negative", lines[10].message)
        self.assertIn("appears on several rows (7, 10)", lines[10].message)

        with self.assertRaisesRegex(UserError, "Nothing was imported"):
            wizard.action_import()
        self.assertFalse(self._checks())
        self.assertFalse(self.customer.solvency_rating)
        self.assertFalse(self.customer.with_company(self.company).solvency_recommended_limit)

        with Form(wizard) as form:
            form.only_valid = True
        wizard.action_import()
        self.assertEqual(self._checks().partner_id, self.customer, "only the valid row")
        self.assertEqual(self.customer.solvency_rating, "B")
        self.assertFalse(self.martin.solvency_rating)
        self.assertFalse(self.bernard.solvency_rating)
        self.assertIn("5 row(s) skipped with errors", self.preset.message_ids[0].body)

    def test_corrupt_and_wrong_files(self):
        good = make_xlsx([["FR40303265045", None, None, "B", 70, None, None, None, None]])
        for content, filename, message in (
            (b"PK\x03\x04 not really a zip", "ratings.xlsx", "damaged"),
            (good[: len(good) // 2], "ratings.xlsx", "damaged"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ratings.xls", "damaged"),
            (b"<html><table><tr><td>VAT</td></tr></table></html>", "ratings.xls", "damaged"),
            (b"VAT;Rating\nFR40303265045;B\n", "ratings.csv", "not a spreadsheet"),
            (b"VAT;Rating\nFR40303265045;B\n", "ratings.xls", "damaged"),
            (b"%PDF-1.4 ...", "ratings.pdf", "not a spreadsheet"),
        ):
            wizard = self._wizard(content, filename)
            with self.assertRaisesRegex(UserError, message, msg=filename):
                wizard.action_preview()
        self.assertFalse(self._checks())
        # a workbook is recognised by its content, whatever its extension
        wizard = self._preview(good, "ratings.xls")
        self.assertEqual(wizard.line_ids.partner_id, self.customer)

    def test_layout_errors(self):
        empty = openpyxl.Workbook()
        buffer = io.BytesIO()
        empty.save(buffer)
        with self.assertRaisesRegex(UserError, "should hold the column names, is empty"):
            self._preview(buffer.getvalue(), "empty.xlsx")
        with self.assertRaisesRegex(UserError, "has no row to import"):
            self._preview(make_xlsx([]), "headers_only.xlsx")
        headers = [h for h in HEADERS if h != "Score"]
        with self.assertRaisesRegex(UserError, "“Score” not found in row 1"):
            self._preview(make_xlsx([["FR40303265045"]], headers=headers), "no_score.xlsx")
        with self.assertRaisesRegex(UserError, "no sheet named Notes"):
            self._preview(make_xlsx([["FR40303265045"]]), "sheet.xlsx", sheet_name="Notes")
        wizard = self._wizard(make_xlsx([["FR40303265045"]]), "nokey.xlsx")
        wizard.write({"vat_column": False, "registry_column": False, "ref_column": False})
        with self.assertRaises(ValidationError):
            wizard.action_preview()

    def test_french_headers_numbers_and_dates(self):
        self.preset.write(
            {
                "vat_column": "N° TVA",
                "registry_column": "Numéro SIREN",
                "rating_column": "Note",
                "recommended_limit_column": "Encours conseillé",
                "insured_limit_column": "Montant garanti",
                "score_column": False,
                "ref_column": False,
                "insurer_column": False,
                "expiry_column": "Date d'échéance",
                "insurer_name": "Atradius",
            }
        )
        headers = [" n° tva ", "NUMERO SIREN", "note", "ENCOURS CONSEILLE", "Montant Garanti"]
        headers.append("date d'echeance")
        content = make_xlsx(
            [
                ["FR40303265045", None, "B", "1 234,56", "1.000.000,5", "31/12/2026"],
                [None, "443061841", "A", "12\u202f500", "2 000 €", "2026-06-30"],
                [None, "4430618410", "A", "1234.56", None, None],
            ],
            headers=headers,
        )
        wizard = self._preview(content, "atradius.xlsx")
        lines = self._lines_by_row(wizard)
        self.assertEqual(lines[2].new_recommended_limit, 1234.56)
        self.assertEqual(lines[2].new_insured_limit, 1000000.5)
        self.assertEqual(lines[2].new_insured_expiry, EXPIRY)
        self.assertEqual(lines[2].new_insurer, "Atradius", "the preset's insurer")
        self.assertEqual(lines[3].new_recommended_limit, 12500.0)
        self.assertEqual(lines[3].new_insured_limit, 2000.0)
        self.assertEqual(lines[3].new_insured_expiry, datetime.date(2026, 6, 30))
        # with a decimal comma, a decimal point is refused rather than misread
        self.assertIn("“1234.56” is not a number", lines[4].message)
        self.assertIn("Unknown customer 4430618410", lines[4].message)

        self.preset.decimal_separator = "."
        self.preset.date_format = "%m/%d/%Y"
        content = make_xlsx(
            [["FR40303265045", None, "B", "1,234.56", "1 000 000.5", "12/31/2026"]],
            headers=headers,
        )
        line = self._preview(content, "atradius_us.xlsx").line_ids
        self.assertEqual(line.status, "change", line.message)
        self.assertEqual(line.new_recommended_limit, 1234.56)
        self.assertEqual(line.new_insured_limit, 1000000.5)
        self.assertEqual(line.new_insured_expiry, EXPIRY)

    def test_matching(self):
        other = self.env["res.partner"].create({"name": "Other Bernard", "ref": "cust-0042 "})
        archived = self.env["res.partner"].create(
            {"name": "Old Martin", "company_registry": "443061841", "active": False}
        )
        foreign = self.env["res.partner"].create(
            {
                "name": "Martin Other Company",
                "company_registry": "443 061 841 00099",
                "company_id": self.env["res.company"].create({"name": "Other Co"}).id,
            }
        )
        content = make_xlsx(
            [
                # VAT of the customer and of its contact (synchronised): one customer
                ["fr 40.303.265.045", None, None, "B", None, None, None, None, None],
                [None, "443061841", None, "A", None, None, None, None, None],
                [None, None, "CUST-0042", "A", None, None, None, None, None],
                # neither the VAT nor the reference is known
                ["FR00000000000", None, "nope", "C", None, None, None, None, None],
            ]
        )
        self.assertEqual(self.contact.vat, self.customer.vat)
        lines = self._lines_by_row(self._preview(content, "match.xlsx"))
        self.assertEqual(lines[2].partner_id, self.customer)
        self.assertEqual(lines[2].status, "change")
        self.assertEqual(lines[3].partner_id, self.martin, (archived, foreign))
        self.assertIn("matches several customers", lines[4].message)
        self.assertIn(other.name, lines[4].message)
        self.assertIn("Unknown customer FR00000000000 / NOPE", lines[5].message)

    def test_insolvent_rating_puts_on_hold_and_unchanged_rows(self):
        self.bernard._solvency_record_check({"rating": "B", "score": 60}, source="Manual")
        content = make_xls(
            [
                ["FR40303265045", None, None, "insolvent", None, None, None, None, None],
                [None, None, "CUST-0042", "B", 60, None, None, None, None],
            ]
        )
        wizard = self._preview(content, "alert.xls")
        lines = self._lines_by_row(wizard)
        self.assertEqual(lines[2].status, "change")
        self.assertEqual(lines[3].status, "unchanged")
        wizard.action_import()
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.solvency_rating, "insolvent")
        self.assertTrue(customer.credit_hold)
        self.assertEqual(customer.credit_hold_origin, "insolvency")
        # an unchanged row confirms the rating: it is on record with the file as source
        self.assertEqual(self._checks(self.bernard).rating, "B")
        self.assertEqual(self.bernard.solvency_source, "Allianz Trade – alert.xls")
        self.assertFalse(self.bernard.with_company(self.company).credit_hold)

    def test_rating_translation(self):
        rating_a = self.env.ref("credit_management.solvency_rating_a")
        insolvent = self.env.ref("credit_management.solvency_rating_insolvent")
        self.preset.rating_map_ids = [
            Command.create({"source_value": "1", "rating_id": rating_a.id}),
            Command.create({"source_value": "Défaillance", "rating_id": insolvent.id}),
        ]
        content = make_xlsx(
            [
                ["FR40303265045", None, None, 1, None, None, None, None, None],
                [None, "443061841", None, "DEFAILLANCE", None, None, None, None, None],
                [None, None, "CUST-0042", "b", None, None, None, None, None],
            ]
        )
        lines = self._lines_by_row(self._preview(content, "grades.xlsx"))
        self.assertEqual(lines[2].new_rating, "A")
        self.assertEqual(lines[3].new_rating, "insolvent")
        self.assertEqual(lines[4].new_rating, "B", "a rating code needs no translation")

    def test_preset_saved_from_the_wizard(self):
        content = make_xlsx(
            [["FR40303265045", "B"]],
            headers=["Tax ID", "Grade"],
        )
        wizard = self._wizard(
            content,
            "cs.xlsx",
            preset=self.env["credit.solvency.import.preset"],
            source_name="Credit Safe",
            vat_column="Tax ID",
            registry_column=False,
            ref_column=False,
            rating_column="Grade",
            score_column=False,
            recommended_limit_column=False,
            insured_limit_column=False,
            insurer_column=False,
            expiry_column=False,
        )
        self.assertFalse(wizard.preset_id)
        wizard.action_save_preset()
        preset = wizard.preset_id
        self.assertEqual(preset.name, "Credit Safe")
        self.assertEqual(preset.company_id, self.company)
        self.assertEqual((preset.vat_column, preset.rating_column), ("Tax ID", "Grade"))
        self.assertFalse(preset.registry_column)
        wizard.action_preview()
        wizard.action_import()
        self.assertEqual(self.customer.solvency_rating, "B")
        self.assertIn("cs.xlsx", preset.message_ids[0].body)

    def test_shipped_sample_and_preset(self):
        """The sample files are read by the shipped preset without an error."""
        shipped = self.env.ref("credit_management.credit_solvency_import_preset_standard").sudo()
        preset = shipped.copy({"company_id": self.company.id, "name": "Standard"})
        self.customer.vat = "FR40303265045"
        self.martin.company_registry = "55210055400013"
        self.bernard.ref = "CUST-0042"
        self.env["res.partner"].create(
            [
                {"name": "Sample 3", "is_company": True, "company_registry": "41234567800015"},
                {"name": "Sample 5", "is_company": True, "vat": "BE0477472701"},
            ]
        )
        for extension in ("xlsx", "xls"):
            path = f"credit_management/static/sample/solvency_import_sample.{extension}"
            with file_open(path, "rb") as sample:
                content = sample.read()
            wizard = self._preview(content, f"sample.{extension}", preset=preset)
            self.assertEqual(len(wizard.line_ids), 5)
            self.assertFalse(wizard.error_count, wizard.line_ids.mapped("message"))
        wizard.action_import()
        self.assertEqual(self.customer.with_company(self.company).credit_insured_limit, 20000.0)

    def test_preview_queries_do_not_grow_with_rows(self):
        """Customers are found with one query per kind of key, not one per row."""
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "is_company": True, "vat": f"FR{i:011d}"} for i in range(40)]
        )
        self.assertEqual(len(partners), 40)
        Wizard = self.env["credit.solvency.import.wizard"].with_user(self.credit_manager)

        def preview_queries(count):
            rows = [[f"FR{i:011d}", None, f"REF{i}", "B", 50] for i in range(count)]
            wizard = Wizard.create(
                {
                    "file": base64.b64encode(make_xlsx(rows)),
                    "filename": f"bulk_{count}.xlsx",
                    "preset_id": self.preset.id,
                    "expiry_column": False,  # the rest of the mapping comes from the preset
                }
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard.action_preview()
            self.env.flush_all()
            self.assertEqual(wizard.change_count, count, wizard.line_ids.mapped("message"))
            return self.env.cr.sql_log_count - before

        preview_queries(2)  # warm the caches
        self.assertLessEqual(preview_queries(40), preview_queries(4))

    def test_out_of_range_numbers_are_refused_on_their_row(self):
        """Huge numbers give a clear error on their row, never a database or
        overflow error, and nothing is written."""
        Partner = self.env["res.partner"]
        durand, petit, roux = Partner.create(
            [
                {"name": "Durand", "is_company": True, "ref": "CUST-0100"},
                {"name": "Petit", "is_company": True, "ref": "CUST-0101"},
                {"name": "Roux", "is_company": True, "ref": "CUST-0102"},
            ]
        )
        content = make_xlsx(
            [
                ["FR40303265045", None, None, "B", 1e308, None, None, None, None],  # row 2
                [None, "443061841", None, "A", None, 1e308, None, None, None],  # 3
                [None, None, "CUST-0042", "A", None, None, 1e308, None, None],  # 4
                [None, None, "CUST-0100", "A", None, 1e12, None, None, None],  # 5
                [None, None, "CUST-0101", "A", None, "1 000 000 000 000 000,00", None, None, None],
                [None, None, "CUST-0102", "C", 100, 999999999999.99, 0, None, None],  # 7
            ]
        )
        wizard = self._preview(content, "huge.xlsx")
        lines = self._lines_by_row(wizard)
        self.assertEqual(wizard.error_count, 5)
        self.assertIn("Score: the score 1e+308 is outside 0-100", lines[2].message)
        self.assertIn("Recommended Limit: the amount 1e+308 is too large", lines[3].message)
        self.assertIn("Insured Amount: the amount 1e+308 is too large", lines[4].message)
        self.assertIn("Recommended Limit: the amount 1000000000000 is too large", lines[5].message)
        self.assertIn("too large", lines[6].message)
        for line in wizard.line_ids:
            self.assertNotIn("0" * 20, line.message or "", "numbers are shown short")
        self.assertEqual(lines[7].status, "change")
        self.assertEqual(lines[7].new_score, 100)
        self.assertEqual(lines[7].new_recommended_limit, 999999999999.99)
        with self.assertRaisesRegex(
            UserError, r"5 row\(s\) of huge.xlsx cannot be imported \(row 2"
        ):
            wizard.action_import()
        self.assertFalse(self._checks())

        wizard.only_valid = True
        wizard.action_import()
        self.assertEqual(self._checks().partner_id, roux)
        self.assertFalse(any((durand | petit | self.customer).mapped("solvency_rating")))

    def test_out_of_range_numbers_in_an_xls_file(self):
        content = make_xls([["FR40303265045", None, None, "B", 1e308, 1e308, -1e308, None, None]])
        line = self._preview(content, "huge.xls").line_ids
        self.assertEqual(line.status, "error")
        self.assertIn("outside 0-100", line.message)
        self.assertIn("too large", line.message)
        self.assertIn("negative", line.message)

    def test_checks_refuse_out_of_range_values(self):
        """Whoever records a check (provider, import, code), absurd numbers are
        refused with a clear error before anything is written."""
        for values in (
            {"score": 1e308},
            {"score": 101},
            {"score": -1},
            {"recommended_limit": 1e308},
            {"recommended_limit": float("inf")},
            {"insured_limit": float("nan")},
            {"insured_limit": -5.0},
            {"recommended_limit": 1e12},
        ):
            with self.assertRaises(ValidationError, msg=values), self.cr.savepoint():
                self.customer._solvency_record_check({"rating": "B", **values}, "Agency")
        self.assertFalse(self.customer.solvency_check_ids)
        self.assertFalse(self.customer.solvency_rating)
        self.customer._solvency_record_check(
            {"score": 100, "recommended_limit": 999999999999.0}, "Agency"
        )
        self.assertEqual(self.customer.solvency_score, 100)

    def test_registry_and_vat_need_ascii_digits(self):
        """Full-width or other non-ASCII digits are not a SIREN, SIRET or VAT number."""
        self.martin.company_registry = "552100554"
        content = make_xlsx(
            [
                [None, "\uff15\uff15\uff12\uff11\uff10\uff10\uff15\uff15\uff14", None, "A"],
                ["FR\uff14\uff10303265045", None, None, "B"],
            ]
        )
        wizard = self._preview(content, "fullwidth.xlsx")
        lines = self._lines_by_row(wizard)
        self.assertEqual(lines[2].status, "error")
        self.assertIn(
            "Company Registry: “５５２１００５５４” is not written with the digits 0-9",
            lines[2].message,
        )
        self.assertFalse(lines[2].partner_id)
        self.assertEqual(lines[3].status, "error")
        self.assertIn("VAT: “FR４０303265045” is not written with the digits 0-9", lines[3].message)

    def test_large_file_is_imported_in_the_background(self):
        self.env["ir.config_parameter"].set_param(
            "credit_management.solvency_import_background_rows", "2"
        )
        content = make_xlsx(
            [
                ["FR40303265045", None, None, "B", 72, 25000, 20000, "Allianz Trade", EXPIRY],
                [None, "443 061 841", None, "a", 88.0, "50 000", None, None, None],
                [None, None, "cust-0042", "D", 35, 5000.5, 0, "Coface", "30/06/2026"],
            ]
        )
        wizard = self._preview(content, "ratings_big.xlsx")
        self.assertEqual(wizard.change_count, 3)
        action = wizard.action_import()
        self.assertIn("in the background", action["params"]["message"])
        self.assertFalse(self._checks(), "nothing is written in the request")
        job = self.env["credit.solvency.import.job"].search([("filename", "=", "ratings_big.xlsx")])
        self.assertEqual(job.state, "queued")
        self.assertEqual(job.user_id, self.credit_manager)
        self.assertEqual(job.company_id, self.company)
        self.assertEqual(job.preset_id, self.preset)
        self.assertEqual(base64.b64decode(job.file), content)
        cron = self.env.ref("credit_management.ir_cron_solvency_import")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        progress, sent = self._run_import_cron(batch_size=2)

        self.assertEqual(job.state, "done")
        self.assertEqual(progress, [(2, 1), (3, 0)])
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.solvency_rating, "B")
        self.assertEqual(customer.credit_insured_limit, 20000.0)
        self.assertEqual(self.martin.solvency_score, 88)
        self.assertEqual(self.bernard.with_company(self.company).solvency_recommended_limit, 5000.5)
        checks = self._checks()
        self.assertEqual(len(checks), 3)
        self.assertEqual(set(checks.mapped("user_id")), {self.credit_manager})
        self.assertEqual(self.customer.solvency_source, "Allianz Trade – ratings_big.xlsx")
        # the rating change is tracked in the chatter of the customer and its contact
        for partner in self.customer | self.contact:
            tracking = partner.message_ids.tracking_value_ids
            self.assertEqual(tracking.field_id.name, "solvency_rating")
            self.assertEqual((tracking.old_value_char, tracking.new_value_char), ("", "B - Good"))
            self.assertEqual(tracking.mail_message_id.author_id, self.credit_manager.partner_id)
        self.assertEqual(self.contact.with_company(self.company).credit_insured_limit, 20000.0)
        # the user who launched it is told, in the inbox and at once
        message = job.message_ids.filtered(
            lambda m: self.credit_manager.partner_id in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn("3 customer(s) updated", message.body)
        self.assertEqual(sent[0][0], self.credit_manager)
        self.assertIn("3 customer(s) updated", sent[0][1]["message"])
        self.assertIn("ratings_big.xlsx", self.preset.message_ids[0].body)
        # a second run has nothing left to do
        self.assertEqual(self._run_import_cron()[0], [])
        self.assertEqual(len(self._checks()), 3)

    def test_background_import_of_a_file_gone_bad_writes_nothing(self):
        self.env["ir.config_parameter"].set_param(
            "credit_management.solvency_import_background_rows", "1"
        )
        content = make_xlsx(
            [
                ["FR40303265045", None, None, "B", 72, None, None, None, None],
                [None, "443061841", None, "A", 88, None, None, None, None],
            ]
        )
        wizard = self._preview(content, "late.xlsx")
        wizard.action_import()
        job = self.env["credit.solvency.import.job"].search([("filename", "=", "late.xlsx")])
        self.martin.active = False  # archived before the import runs
        __, sent = self._run_import_cron()
        self.assertEqual(job.state, "failed")
        self.assertFalse(self._checks())
        self.assertFalse(self.customer.solvency_rating)
        message = job.message_ids.filtered(
            lambda m: self.credit_manager.partner_id in m.partner_ids
        )
        self.assertIn("Nothing was imported", message.body)
        self.assertIn("row 3", message.body)
        self.assertEqual(sent[0][1]["type"], "danger")
        report = message.attachment_ids
        self.assertEqual(report.name, "late - errors.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(report.datas)), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        self.assertEqual(rows[1][0], 3)
        self.assertIn("Unknown customer 443061841", rows[1][2])

    def test_background_import_of_only_the_valid_rows(self):
        self.env["ir.config_parameter"].set_param(
            "credit_management.solvency_import_background_rows", "1"
        )
        content = make_xlsx(
            [
                ["FR40303265045", None, None, "B", 72, None, None, None, None],
                ["FR99999999999", None, None, "B", 70, None, None, None, None],
            ]
        )
        wizard = self._preview(content, "partly.xlsx")
        with Form(wizard) as form:
            form.only_valid = True
        wizard.action_import()
        job = self.env["credit.solvency.import.job"].search([("filename", "=", "partly.xlsx")])
        self.assertTrue(job.only_valid)
        self._run_import_cron()
        self.assertEqual(job.state, "done")
        self.assertEqual(self._checks().partner_id, self.customer)
        message = job.message_ids.filtered(
            lambda m: self.credit_manager.partner_id in m.partner_ids
        )
        self.assertIn("1 row(s) skipped with errors", message.body)
        self.assertEqual(message.attachment_ids.name, "partly - errors.xlsx")

    def test_small_files_are_imported_at_once(self):
        self.assertEqual(
            self.env["credit.solvency.import.wizard"]._import_background_threshold(), 2000
        )
        content = make_xlsx([["FR40303265045", None, None, "B", 72, None, None, None, None]])
        self._preview(content, "small.xlsx").action_import()
        self.assertEqual(self.customer.solvency_rating, "B")
        self.assertFalse(self.env["credit.solvency.import.job"].search([]))

    def test_import_queries_do_not_grow_with_rows(self):
        """Customers are written in batches: one write per field and value."""
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "is_company": True, "ref": f"BULK-{i}"} for i in range(44)]
        )
        Wizard = self.env["credit.solvency.import.wizard"].with_user(self.credit_manager)

        def import_queries(start, count):
            rows = [[None, None, f"BULK-{i}", None, 50, 1000] for i in range(start, start + count)]
            wizard = Wizard.create(
                {
                    "file": base64.b64encode(make_xlsx(rows)),
                    "filename": f"bulk_{count}.xlsx",
                    "preset_id": self.preset.id,
                    "rating_column": False,
                    "insured_limit_column": False,
                    "insurer_column": False,
                    "expiry_column": False,
                }
            )
            wizard.action_preview()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard.action_import()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        import_queries(0, 2)  # warm the caches
        self.assertLessEqual(import_queries(4, 40), import_queries(2, 2))
        self.assertEqual(partners[10].solvency_score, 50)

    def _run_import_cron(self, **kwargs):
        """Run the background import as the cron does; return the progress
        reported and the bus notifications sent."""
        progress, sent = [], []
        Cron = type(self.env["ir.cron"])
        Users = type(self.env["res.users"])

        def notify_progress(cron, *, done, remaining, deactivate=False):
            progress.append((done, remaining))

        def bus_send(users, notification_type, message, **kw):
            if notification_type == "simple_notification":
                sent.append((users, message))

        with (
            patch.object(Cron, "_notify_progress", notify_progress),
            patch.object(Users, "_bus_send", bus_send),
        ):
            self.env["credit.solvency.import.job"]._cron_process_jobs(**kwargs)
        return progress, sent


@tagged("post_install", "-at_install")
class TestCreditSolvencyImportAccess(TestCreditSolvencyImportCommon):
    def test_only_credit_managers_import(self):
        content = make_xlsx([["FR40303265045", None, None, "insolvent"]])
        for user in (self.salesman, self.credit_controller):
            with self.assertRaises(AccessError, msg=user.login):
                self._wizard(content, "x.xlsx", user=user)
        wizard = self._wizard(content, "x.xlsx")
        for user in (self.salesman, self.credit_controller):
            with self.assertRaises(AccessError, msg=user.login):
                wizard.with_user(user).action_import()
        self.assertFalse(self._checks())
        self.assertFalse(self.customer.credit_hold)

    def test_presets_are_configured_by_managers(self):
        preset = self.preset.with_user(self.credit_controller)
        self.assertEqual(preset.name, "Allianz Trade", "controllers read the presets")
        with self.assertRaises(AccessError):
            preset.write({"rating_column": "Grade"})
        with self.assertRaises(AccessError):
            self.env["credit.solvency.import.preset"].with_user(self.credit_controller).create(
                {"name": "Mine", "vat_column": "VAT", "rating_column": "Rating"}
            )
        preset.with_user(self.credit_manager).write({"rating_column": "Grade"})
        self.assertEqual(self.preset.rating_column, "Grade")

    def test_presets_are_per_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other = self.env["credit.solvency.import.preset"].create(
            {
                "name": "Other company's insurer",
                "company_id": other_company.id,
                "vat_column": "VAT",
                "rating_column": "Rating",
            }
        )
        Preset = self.env["credit.solvency.import.preset"].with_user(self.credit_manager)
        self.assertEqual(Preset.search([("id", "in", (self.preset | other).ids)]), self.preset)
