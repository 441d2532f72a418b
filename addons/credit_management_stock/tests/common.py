# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.credit_management.tests.common import CreditManagementCommon


class CreditStockCommon(CreditManagementCommon):
    """A warehouse with stock, a storable product and a warehouse user, on top
    of the customers and users of credit_management's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.goods = cls.env["product.product"].create(
            {
                "name": "Shelving unit",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.goods, cls.warehouse.lot_stock_id, 1000.0
        )
        cls.warehouse_user = new_test_user(
            cls.env,
            login="credit_warehouse",
            groups="stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # the credit manager reads the transfers it releases
        cls.credit_manager.groups_id |= cls.env.ref("stock.group_stock_user")

    @classmethod
    def _goods_order(cls, partner=None, qty=2.0):
        """A confirmed order of goods: its delivery is ready to ship."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "company_id": cls.company.id,
                "user_id": cls.salesman.id,
                "warehouse_id": cls.warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.goods.id, "product_uom_qty": qty, "price_unit": 100.0}
                    )
                ],
            }
        )
        order.action_confirm()
        assert order.state == "sale", "the order should have been confirmed"
        return order

    @classmethod
    def _hold(cls, partner=None, reason="Cheque returned unpaid", origin="manual"):
        (partner or cls.customer)._credit_set_hold(reason, origin)

    def _release_hold(self, partner=None, reason="Paid by bank transfer"):
        (partner or self.customer)._credit_release_hold(reason)
