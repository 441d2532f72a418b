# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Browser test: a warehouse user meets a delivery held by credit."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class CreditStockTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.credit_hold_deliveries = True
        cls.warehouse_user = new_test_user(
            cls.env,
            login="credit_stock_tour_warehouse",
            groups="stock.group_stock_user",
            name="Walter Warehouse",
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        product = cls.env["product.product"].create(
            {"name": "Stock Tour Shelf", "type": "consu", "is_storable": True}
        )
        cls.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10.0)
        cls.customer = cls.env["res.partner"].create(
            {"name": "Stock Tour Customer", "is_company": True}
        )
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "warehouse_id": warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": 2.0, "price_unit": 50.0}
                    )
                ],
            }
        )
        order.action_confirm()
        cls.picking = order.picking_ids
        cls.customer._credit_set_hold("Cheque returned unpaid by the bank", "manual")

    def test_warehouse_user_sees_why(self):
        self.assertTrue(self.picking.credit_held)
        self.start_tour(
            "/odoo/action-stock.action_picking_tree_all",
            "credit_management_stock_held_delivery_tour",
            login=self.warehouse_user.login,
        )
        self.picking.invalidate_recordset()
        self.assertEqual(self.picking.state, "assigned", "the held delivery is not validated")
        self.assertTrue(self.picking.credit_held)
