# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

# amounts at or above this are refused: no credit limit or cover is that large
AMOUNT_BOUND = 10**12
# the values of a check that are amounts (in the company's currency)
AMOUNT_KEYS = ("recommended_limit", "insured_limit")


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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_solvency_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_solvency_values(vals)
        return super().write(vals)

    @api.model
    def _check_solvency_values(self, vals):
        """Refuse absurd numbers before they reach the database, whoever records
        the check (provider, import, code): a score from 0 to 100, amounts from
        0 to below ``AMOUNT_BOUND``."""
        score = vals.get("score")
        if score not in (None, False) and not (
            isinstance(score, int | float) and math.isfinite(score) and 0 <= score <= 100
        ):
            raise ValidationError(
                self.env._("A solvency score is from 0 to 100, not %(score)s.", score=score)
            )
        for fname in AMOUNT_KEYS:
            amount = vals.get(fname)
            if amount in (None, False):
                continue
            if not (
                isinstance(amount, int | float)
                and math.isfinite(amount)
                and 0 <= amount < AMOUNT_BOUND
            ):
                raise ValidationError(
                    self.env._(
                        "%(field)s must be from 0 to below %(bound)s, not %(amount)s.",
                        field=self._fields[fname]._description_string(self.env),
                        bound=formatLang(self.env, AMOUNT_BOUND, digits=0),
                        amount=amount,
                    )
                )
