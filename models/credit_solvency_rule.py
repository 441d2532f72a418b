# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


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
