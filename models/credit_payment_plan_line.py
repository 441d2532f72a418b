# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditPaymentPlanLine(models.Model):
    _name = "credit.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "date, id"

    plan_id = fields.Many2one("credit.payment.plan", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
