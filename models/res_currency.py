# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import ast

from odoo import api, models
from odoo.tools import format_amount as odoo_format_amount
from odoo.tools.misc import get_lang

from odoo.addons.base.models.res_lang import intersperse

NBSP = "\N{NO-BREAK SPACE}"
ZWNBSP = "\N{ZERO WIDTH NO-BREAK SPACE}"


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

    @api.model
    def _credit_amount_formatter(self):
        """A ``format_amount(amount, currency, lang_code=None)`` for many amounts.

        Same result as ``odoo.tools.format_amount``, but the language of the
        environment is looked up once instead of at every amount: a dunning
        run formats tens of thousands of them.
        """
        lang = get_lang(self.env)
        grouping = ast.literal_eval(lang.grouping)
        separator = lang.thousands_sep or ""

        def format_amount(amount, currency, lang_code=None):
            if lang_code and lang_code != lang.code:
                return odoo_format_amount(self.env, amount, currency, lang_code)
            parts = ("%.*f" % (currency.decimal_places, currency.round(amount))).split(".")
            parts[0] = intersperse(parts[0], grouping, separator)[0]
            number = lang.decimal_point.join(parts).replace(" ", NBSP).replace("-", "-" + ZWNBSP)
            if currency.position == "before":
                return f"{currency.symbol or ''}{NBSP}{number}"
            return f"{number}{NBSP}{currency.symbol or ''}"

        return format_amount
