# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditSolvencyCheck(models.Model):
    """One solvency check of a customer, kept for audit: a provider call, an
    imported row or a manual change, with what it found."""

    _name = "credit.solvency.check"
    _description = "Solvency Check"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    source = fields.Char(required=True, help="Provider, agency or file the result comes from.")
    provider_id = fields.Many2one("credit.solvency.provider", ondelete="set null")
    trigger = fields.Selection(
        [
            ("user", "User"),
            ("cron", "Periodic review"),
            ("import", "Import"),
            ("order", "First order"),
        ],
        required=True,
        default="user",
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed")], required=True, default="done"
    )
    error = fields.Text(help="Why the check failed; a failed check changes nothing else.")
    rating = fields.Char(help="Code of the solvency rating found.")
    score = fields.Integer()
    recommended_limit = fields.Monetary(currency_field="currency_id")
    insured_limit = fields.Monetary(currency_field="currency_id")
    insured_expiry = fields.Date()
    insurer = fields.Char()
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_status = fields.Selection(
        [("active", "Active"), ("ceased", "Ceased")], string="Registry Status"
    )
    proceeding = fields.Char(
        string="Collective Proceeding",
        help="Open insolvency proceeding found (safeguard, receivership, liquidation).",
    )
    proceeding_date = fields.Date()
    summary = fields.Text(help="What the source says, in words.")
    payload = fields.Text(
        string="Raw Answer",
        groups="credit_management.group_credit_manager",
        help="The provider's answer (or the imported row) as received, for audit.",
    )
