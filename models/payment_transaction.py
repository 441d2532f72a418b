# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """Only report the orders really confirmed.

        An online payment for a credit-blocked quotation keeps the quotation
        unconfirmed (held for a credit decision); the customer then receives
        the "payment received" message instead of the order confirmation.
        """
        confirmed = super()._check_amount_and_confirm_order()
        return confirmed.filtered(lambda order: order.state == "sale")
