# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class ResCurrency(models.Model):
    _inherit = "res.currency"

    def _credit_to_company_currency(self, amounts, company, date):
        """Convert many ``(currency, amount)`` pairs with a single rate query.

        :param amounts: list of (currency id or record, amount)
        :return: list of amounts in company currency, in the same order
        """
        target = company.currency_id
        currency_ids = {getattr(cur, "id", cur) for cur, __ in amounts} | {target.id}
        rates = {target.id: 1.0}
        if len(currency_ids) > 1:
            rates = self.browse(currency_ids)._get_rates(company, date)
        return [
            target.round(amount * rates[target.id] / rates[getattr(cur, "id", cur)])
            if getattr(cur, "id", cur) != target.id
            else target.round(amount)
            for cur, amount in amounts
        ]
