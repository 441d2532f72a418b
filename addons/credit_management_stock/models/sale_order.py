# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from odoo.addons.credit_management.models.sale_order import ORDER_CREDIT_GROUPS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_delivery_held = fields.Boolean(
        string="Delivery Held by Credit",
        compute="_compute_credit_delivery_held",
        groups=ORDER_CREDIT_GROUPS,
        help="A transfer of this order cannot be validated: the customer is on credit hold.",
    )

    @api.depends("picking_ids.credit_held", "picking_ids.state")
    def _compute_credit_delivery_held(self):
        for order in self:
            order.credit_delivery_held = any(
                picking.credit_held and picking.state not in ("done", "cancel")
                for picking in order.sudo().picking_ids
            )
