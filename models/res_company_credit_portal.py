# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_PROMISE_DAYS = 365


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_portal_promise_days = fields.Integer(
        string="Promise Window (days)",
        default=30,
        help="From their statement page, customers may promise to pay by a date up to this "
        "many days ahead.",
    )

    @api.constrains("credit_portal_promise_days")
    def _check_credit_portal_promise_days(self):
        for company in self:
            if not 1 <= company.credit_portal_promise_days <= MAX_PROMISE_DAYS:
                raise ValidationError(
                    self.env._(
                        "The promise window of %(company)s must be between 1 and %(max)s days.",
                        company=company.name,
                        max=MAX_PROMISE_DAYS,
                    )
                )
