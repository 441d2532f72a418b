# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        # a line added to a confirmed order is credit asked for
        with orders._credit_watch_growth():
            return super().create(vals_list)

    def write(self, vals):
        with self.order_id._credit_watch_growth():
            return super().write(vals)
