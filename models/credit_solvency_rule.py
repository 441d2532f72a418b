# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from typing import NamedTuple

from odoo import api, fields, models, tools


class RuleInfo(NamedTuple):
    """What a company's rule says of a rating, as the credit check reads it."""

    credit_effect: str
    max_limit: float
    rating_name: str
    note: str


class CreditSolvencyRule(models.Model):
    """What a solvency rating means for credit, in one company."""

    _name = "credit.solvency.rule"
    _description = "Solvency Credit Rule"
    _order = "company_id, rating_sequence, id"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    rating_id = fields.Many2one("credit.solvency.rating", required=True, ondelete="cascade")
    rating_sequence = fields.Integer(related="rating_id.sequence", store=True)
    credit_effect = fields.Selection(
        [
            ("none", "No effect"),
            ("warn", "Warn"),
            ("cap", "Cap the credit limit"),
            ("prepayment", "Prepayment only"),
            ("hold", "Put on hold"),
        ],
        required=True,
        default="none",
        help="Warn: the customer's form and blocked orders show the rating.\n"
        "Cap: the credit limit used at order confirmation is at most the amount below.\n"
        "Prepayment only: no credit at all, every order needs an approval or a prepayment.\n"
        "Put on hold: the customer goes on credit hold as soon as it gets this rating.",
    )
    max_limit = fields.Monetary(
        string="Limit Cap", currency_field="currency_id", help="Highest credit limit granted."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    note = fields.Char()

    _sql_constraints = [
        (
            "rating_company_unique",
            "UNIQUE(company_id, rating_id)",
            "A rating can have only one rule per company.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    @tools.ormcache("company_id", "self.env.lang")
    def _credit_rules_by_rating(self, company_id):
        """{rating code: RuleInfo} of a company's rules (cached: the credit check
        reads them at every order confirmation)."""
        rules = self.sudo().search([("company_id", "=", company_id)])
        return {
            rule.rating_id.code: RuleInfo(
                rule.credit_effect, rule.max_limit, rule.rating_id.name, rule.note or ""
            )
            for rule in rules
        }
