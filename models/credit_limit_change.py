# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditLimitChange(models.Model):
    """Audit trail of credit limit changes: who, when, old -> new, why."""

    _name = "credit.limit.change"
    _description = "Credit Limit Change"
    _order = "create_date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    old_limit = fields.Monetary(string="Previous Limit", currency_field="currency_id")
    new_limit = fields.Monetary(currency_field="currency_id")
    user_id = fields.Many2one(
        "res.users", string="Changed By", default=lambda self: self.env.user, required=True
    )
    reason = fields.Text()
    create_date = fields.Datetime(string="Changed On", readonly=True)
