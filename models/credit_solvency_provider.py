# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditSolvencyProvider(models.Model):
    """A source of solvency information used by one company.

    Each kind of provider (``code``) is implemented by the methods
    ``_solvency_fetch_<code>``; a module adding a paid agency extends the
    selection and implements its method, without touching the core.
    """

    _name = "credit.solvency.provider"
    _description = "Solvency Provider"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True)
    code = fields.Selection([], required=True, string="Provider")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    api_key = fields.Char(
        string="API Key",
        groups="base.group_system",
        copy=False,
        help="For paid agencies only; readable by administrators only.",
    )
    timeout = fields.Float(default=10.0, help="Seconds to wait for an answer.")
    max_retries = fields.Integer(
        default=2, help="Retries after a network error, a server error or a rate limit."
    )
