# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Bounds of a level's values: a level is reached between a year before the due
# date and ten years after it; interest is an annual rate of at most 100 % (the
# legal rates are around 10-15 %); fees and indemnities are bounded far above
# any real charge in any currency (even those counting in thousands per euro),
# so that a typo such as 10^15 is refused instead of being invoiced.
MIN_DAYS_OVERDUE = -365
MAX_DAYS_OVERDUE = 3650
MAX_INTEREST_RATE = 100.0
MAX_CHARGE = 1_000_000_000.0


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

    def init(self):
        # Only active levels are unique per day (``_check_days_unique``): an
        # archived level no longer blocks its days. Databases installed with
        # the former SQL constraint lose it.
        self.env.cr.execute(
            """
            ALTER TABLE credit_dunning_level
            DROP CONSTRAINT IF EXISTS credit_dunning_level_days_overdue_company_uniq
            """
        )

    @api.constrains("days_overdue", "company_id", "active")
    def _check_days_unique(self):
        for level in self.filtered("active"):
            twins = self.with_context(active_test=True).search_count(
                [
                    ("id", "!=", level.id),
                    ("company_id", "=", level.company_id.id),
                    ("days_overdue", "=", level.days_overdue),
                    ("active", "=", True),
                ],
                limit=1,
            )
            if twins:
                raise ValidationError(
                    self.env._(
                        "Two active dunning levels of a company cannot start on the same "
                        "day: another level of %(company)s starts %(days)s days after the "
                        "due date.",
                        company=level.company_id.name,
                        days=level.days_overdue,
                    )
                )

    @api.constrains("days_overdue")
    def _check_days_overdue(self):
        for level in self:
            self._check_days_overdue_value(level.days_overdue)

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
            if level.interest_rate > MAX_INTEREST_RATE:
                raise ValidationError(
                    self.env._(
                        "The interest rate of dunning level %(level)s is an annual rate "
                        "of at most %(max)s %%.",
                        level=level.name,
                        max=int(MAX_INTEREST_RATE),
                    )
                )
            if max(level.fee_amount, level.indemnity_amount) > MAX_CHARGE:
                raise ValidationError(
                    self.env._(
                        "The fee and the indemnity of dunning level %(level)s cannot "
                        "exceed %(max)s.",
                        level=level.name,
                        max=level.company_id.currency_id.format(MAX_CHARGE),
                    )
                )

    @api.constrains("send_email", "mail_template_id")
    def _check_mail_template(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Dunning level %(level)s sends an email: choose its email template, "
                        "or untick Email.",
                        level=level.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "days_overdue" in vals:
                self._check_days_overdue_value(vals["days_overdue"])
        return super().create(vals_list)

    def write(self, vals):
        if "days_overdue" in vals:
            self._check_days_overdue_value(vals["days_overdue"])
        return super().write(vals)

    @api.model
    def _check_days_overdue_value(self, days):
        """Checked before the value reaches the database too: a number beyond
        the column's range would fail there without a readable message."""
        if not MIN_DAYS_OVERDUE <= (days or 0) <= MAX_DAYS_OVERDUE:
            raise ValidationError(
                self.env._(
                    "A dunning level is reached between %(min)s days before and %(max)s "
                    "days after the due date, not %(days)s.",
                    min=-MIN_DAYS_OVERDUE,
                    max=MAX_DAYS_OVERDUE,
                    days=days,
                )
            )

    def _interest(self, amount, days, currency=None):
        """Late-payment interest on ``amount`` for ``days`` late (simple, 365
        days), rounded in ``currency`` (that of the amount; the company's by
        default)."""
        self.ensure_one()
        if not self.apply_interest or days <= 0 or amount <= 0:
            return 0.0
        currency = currency or self.currency_id
        return currency.round(amount * self.interest_rate / 100.0 * days / 365.0)
