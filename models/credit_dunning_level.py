# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditDunningLevel(models.Model):
    """A step of the dunning schedule ("calendrier de relances") and its actions."""

    _name = "credit.dunning.level"
    _description = "Dunning Level"
    _order = "company_id, days_overdue, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    days_overdue = fields.Integer(
        string="Days After Due Date",
        required=True,
        help="The level is reached this many days after the due date of the invoice; "
        "a negative number is a courtesy reminder before the due date.",
    )
    description = fields.Html(
        string="Letter Text",
        translate=True,
        help="Text of the reminder, shown in its email and its letter above the list of invoices.",
    )
    send_email = fields.Boolean(string="Email", default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "credit.dunning.communication")],
    )
    send_letter = fields.Boolean(string="PDF Letter")
    phone_call = fields.Boolean(help="Schedule a phone call for the collector of the customer.")
    fee_amount = fields.Monetary(
        string="Fixed Fee", help="Fee proposed once per customer reaching this level."
    )
    apply_indemnity = fields.Boolean(
        string="Recovery Indemnity",
        help="Statutory fixed indemnity for recovery costs per late invoice, between "
        "businesses (France: Code de commerce L441-10; EU directive 2011/7/EU). Charged "
        "once per invoice.",
    )
    indemnity_amount = fields.Monetary(default=40.0)
    apply_interest = fields.Boolean(
        string="Late Interest", help="Late-payment interest per invoice, per day late."
    )
    interest_rate = fields.Float(
        string="Annual Interest Rate (%)",
        digits=(16, 4),
        help="e.g. the ECB refinancing rate + 10 points in France.",
    )
    suspend_sales = fields.Boolean(
        help="Suspension threshold: the customer is put on credit hold (origin "
        "dunning) and no new order can be confirmed until it has paid.",
    )
    handover = fields.Boolean(
        string="Hand Over to Collection",
        help="The case goes to a collection agency or legal action: reminders stop "
        "and the customer is listed for the credit manager.",
    )

    _sql_constraints = [
        (
            "days_overdue_company_uniq",
            "UNIQUE(company_id, days_overdue)",
            "Two dunning levels of a company cannot start on the same day.",
        ),
    ]

    @api.constrains("fee_amount", "indemnity_amount", "interest_rate")
    def _check_amounts(self):
        for level in self:
            if min(level.fee_amount, level.indemnity_amount, level.interest_rate) < 0:
                raise ValidationError(
                    self.env._(
                        "Fees, indemnities and interest rates of dunning level %(level)s "
                        "cannot be negative.",
                        level=level.name,
                    )
                )

    def _interest(self, amount, days):
        """Late-payment interest on ``amount`` for ``days`` late (simple, 365 days)."""
        self.ensure_one()
        if not self.apply_interest or days <= 0 or amount <= 0:
            return 0.0
        return self.currency_id.round(amount * self.interest_rate / 100.0 * days / 365.0)
