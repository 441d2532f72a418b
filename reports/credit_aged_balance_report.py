# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class ReportCreditAgedBalance(models.AbstractModel):
    """Values of the report ``credit_management.report_aged_balance``: the aged
    balance of each wizard, one section per company."""

    _name = "report.credit_management.report_aged_balance"
    _description = "Aged Balance Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["credit.aged.balance.wizard"].browse(docids).exists()
        wizards.check_access("read")
        format_amount = self.env["res.currency"]._credit_amount_formatter()
        return {
            "doc_ids": wizards.ids,
            "doc_model": "credit.aged.balance.wizard",
            "docs": wizards,
            "aged_balance": {
                wizard.id: self._aged_balance_formatted(wizard._aged_balance_data(), format_amount)
                for wizard in wizards
            },
            "columns": {wizard.id: wizard._aged_balance_columns() for wizard in wizards},
            "subtitles": {wizard.id: wizard._aged_balance_subtitle() for wizard in wizards},
        }

    @api.model
    def _aged_balance_formatted(self, sections, format_amount):
        """The sections with their amounts as text (zero amounts left blank in the
        lines): thousands of amounts, formatted in one pass rather than by a QWeb
        widget each."""
        for section in sections:
            currency = section["currency"]

            def text(amount, blank_zero=True, currency=currency):
                return format_amount(amount, currency) if amount or not blank_zero else ""

            for line in section["lines"]:
                line["cells"] = [text(amount) for amount in line["amounts"]]
                line["total_text"] = text(line["total"], blank_zero=False)
            section["total_cells"] = [text(amount, False) for amount in section["totals"]]
            section["total_text"] = text(section["total"], blank_zero=False)
        return sections
