# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class CreditSolvencyImportLine(models.TransientModel):
    """One row of an imported solvency file: the customer found, what it has
    now, what the file says, and why the row cannot be imported if it cannot."""

    _name = "credit.solvency.import.line"
    _description = "Solvency Import Row"
    _order = "wizard_id, row_number, id"

    wizard_id = fields.Many2one(
        "credit.solvency.import.wizard", required=True, index=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    row_number = fields.Integer(string="Row", help="Row number in the file.")
    key = fields.Char(string="Customer Key", help="VAT, registry number or reference read.")
    partner_id = fields.Many2one("res.partner", string="Customer")
    status = fields.Selection(
        [("change", "Update"), ("unchanged", "Unchanged"), ("error", "Error")],
        required=True,
    )
    message = fields.Text(string="Error")
    current_rating = fields.Selection(selection="_selection_rating")
    new_rating = fields.Selection(selection="_selection_rating")
    current_score = fields.Integer()
    new_score = fields.Integer()
    current_recommended_limit = fields.Monetary(currency_field="currency_id")
    new_recommended_limit = fields.Monetary(currency_field="currency_id")
    current_insured_limit = fields.Monetary(
        string="Current Insured Amount", currency_field="currency_id"
    )
    new_insured_limit = fields.Monetary(string="New Insured Amount", currency_field="currency_id")
    current_insurer = fields.Char()
    new_insurer = fields.Char()
    current_insured_expiry = fields.Date(string="Current Insurance Expiry")
    new_insured_expiry = fields.Date(string="New Insurance Expiry")
    values = fields.Text(help="Values of the check to record, as JSON.")
    payload = fields.Text(help="The row as read in the file, as JSON.")

    @api.model
    def _selection_rating(self):
        return list(self.env["credit.solvency.rating"]._selection_codes())
