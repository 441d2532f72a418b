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
        return {
            "doc_ids": wizards.ids,
            "doc_model": "credit.aged.balance.wizard",
            "docs": wizards,
            "aged_balance": {wizard.id: wizard._aged_balance_data() for wizard in wizards},
            "columns": {wizard.id: wizard._aged_balance_columns() for wizard in wizards},
            "subtitles": {wizard.id: wizard._aged_balance_subtitle() for wizard in wizards},
        }
