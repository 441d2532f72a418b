# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext

from odoo.addons.credit_management_stock.models.stock_picking import StockPicking

from .common import CreditStockCommon


@tagged("post_install", "-at_install")
class TestCreditStock(CreditStockCommon):
    def _assert_refused(self, call, picking, reason="Cheque returned unpaid"):
        stock = self.goods.with_company(self.company).qty_available
        with self.assertRaises(UserError) as caught:
            call()
        message = str(caught.exception)
        self.assertIn(picking.name, message)
        self.assertIn(reason, message, "the hold's reason is given")
        self.assertIn("Manual", message, "the hold's origin is given")
        self.assertIn("A credit manager can release this transfer", message)
        picking.invalidate_recordset()
        self.assertNotEqual(picking.state, "done")
        self.goods.invalidate_recordset()
        self.assertEqual(self.goods.with_company(self.company).qty_available, stock)

    def test_hold_flags_ready_deliveries_and_the_order_shows_it(self):
        order = self._goods_order()
        picking = order.picking_ids
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(picking.credit_held)
        self.assertFalse(order.credit_delivery_held)
        self._hold()
        self.assertTrue(picking.credit_held, "flagged as soon as the customer is on hold")
        self.assertIn("Cheque returned unpaid", picking.credit_hold_message)
        self.assertTrue(order.with_user(self.salesman).credit_delivery_held)
        held = self.env["stock.picking"].search(
            [("credit_held", "=", True), ("state", "not in", ("done", "cancel"))]
        )
        self.assertEqual(held, picking, "listed by the 'Held by Credit' filter")

    def test_hold_flags_in_one_write(self):
        pickings = self._goods_order().picking_ids | self._goods_order().picking_ids
        pickings |= self._goods_order(partner=self.contact).picking_ids
        writes = []
        original = StockPicking.write

        def spy(records, vals):
            if "credit_held" in vals:
                writes.append((records, vals))
            return original(records, vals)

        with patch.object(StockPicking, "write", autospec=True, side_effect=spy):
            self._hold()
        self.assertEqual(len(writes), 1, "one write flags all the transfers")
        self.assertEqual(writes[0][0], pickings)
        with patch.object(StockPicking, "write", autospec=True, side_effect=spy):
            self._release_hold()
        self.assertEqual(len(writes), 2, "one write frees them all")
        self.assertFalse(any(pickings.mapped("credit_held")))

    def test_delivery_refused_in_every_validation_path(self):
        picking = self._goods_order().picking_ids
        self._hold()
        as_warehouse = picking.with_user(self.warehouse_user)
        paths = {
            "button": as_warehouse.button_validate,
            "button as superuser": picking.sudo().button_validate,
            "barcode-style _action_done": as_warehouse._action_done,
            "moves' _action_done": as_warehouse.move_ids._action_done,
            "moves' state written": lambda: as_warehouse.move_ids.write({"state": "done"}),
            "transfer's state written": lambda: picking.sudo().write({"state": "done"}),
        }
        for name, call in paths.items():
            with self.subTest(path=name):
                self._assert_refused(call, picking)

    def test_backorder_wizard_refused(self):
        picking = self._goods_order(qty=5.0).picking_ids
        picking.move_ids.quantity = 2.0
        action = picking.with_user(self.warehouse_user).button_validate()
        self.assertEqual(action["res_model"], "stock.backorder.confirmation")
        self._hold()
        for button in ("process", "process_cancel_backorder"):
            with self.subTest(button=button):
                wizard = Form(
                    self.env[action["res_model"]]
                    .with_user(self.warehouse_user)
                    .with_context(**action["context"])
                ).save()
                self._assert_refused(getattr(wizard, button), picking)

    def test_immediate_transfer_refused(self):
        """A draft delivery validated at once (no reservation step)."""
        self._hold()
        customers = self.env.ref("stock.stock_location_customers")
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.contact.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.goods.name,
                            "product_id": self.goods.id,
                            "product_uom_qty": 1.0,
                            "product_uom": self.goods.uom_id.id,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        self.assertEqual(picking.state, "draft")
        self.assertTrue(picking.credit_held, "a contact's delivery is its company's")
        self._assert_refused(picking.with_user(self.warehouse_user).button_validate, picking)

    def test_two_step_route(self):
        self.warehouse.delivery_steps = "pick_ship"
        order = self._goods_order()
        pick = order.picking_ids
        self.assertEqual(pick.picking_type_code, "internal")
        self._hold()
        self.assertTrue(pick.credit_held, "the pick step of a held customer's order is held")
        self._assert_refused(pick.with_user(self.warehouse_user).button_validate, pick)
        pick.with_user(self.credit_manager)._credit_release("Goods prepared, shipped on payment")
        pick.with_user(self.warehouse_user).button_validate()
        self.assertEqual(pick.state, "done")
        ship = order.picking_ids - pick
        self.assertEqual(ship.picking_type_code, "outgoing")
        self.assertEqual(ship.state, "assigned")
        self.assertTrue(ship.credit_held, "a release is valid for its transfer only")
        self._assert_refused(ship.with_user(self.warehouse_user).button_validate, ship)

    def test_receipts_and_returns_never_held(self):
        order = self._goods_order()
        delivery = order.picking_ids
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        self._hold()
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=delivery.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 1.0
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self.assertFalse(returned.credit_held)
        returned.with_user(self.warehouse_user).button_validate()
        self.assertEqual(returned.state, "done")
        customers = self.env.ref("stock.stock_location_customers")
        receipt = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": customers.id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.goods.name,
                            "product_id": self.goods.id,
                            "product_uom_qty": 3.0,
                            "product_uom": self.goods.uom_id.id,
                            "location_id": customers.id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        self.assertFalse(receipt.credit_held)
        receipt.with_user(self.warehouse_user).button_validate()
        self.assertEqual(receipt.state, "done")

    def test_hold_in_another_company_does_not_block(self):
        other = self.setup_other_company(name="Other Company")["company"]
        picking = self._goods_order().picking_ids
        self.customer.with_company(other)._credit_set_hold("Unpaid there", "manual")
        self.assertTrue(self.customer.with_company(other).credit_hold)
        self.assertFalse(picking.credit_held)
        picking.with_user(self.warehouse_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_release_with_reason(self):
        order = self._goods_order(qty=5.0)
        picking = order.picking_ids
        self._hold()
        self.assertFalse(picking.credit_release_info)
        with self.assertRaises(UserError):
            picking.with_user(self.credit_manager)._credit_release("  ")
        wizard = Form(
            self.env["credit.picking.release.wizard"]
            .with_user(self.credit_manager)
            .with_context(default_picking_id=picking.id)
        )
        self.assertIn("Cheque returned unpaid", wizard.hold_message)
        wizard.reason = "Customer paid cash at the counter"
        wizard.save().action_apply()
        decision = picking.sudo().credit_release_id
        self.assertEqual(decision.kind, "delivery")
        self.assertEqual(decision.state, "approved")
        self.assertEqual(decision.picking_id, picking)
        self.assertEqual(decision.order_id, order)
        self.assertEqual(decision.partner_id, self.customer)
        self.assertEqual(decision.decided_by_id, self.credit_manager)
        self.assertEqual(decision.decision_reason, "Customer paid cash at the counter")
        self.assertIn("Cheque returned unpaid", decision.block_reason)
        self.assertIn(decision, order.credit_decision_ids, "listed among the order's decisions")
        self.assertFalse(
            decision._credit_is_valid_for(order, fields.Date.today()),
            "a release never approves an order",
        )
        self.assertFalse(picking.credit_held)
        self.assertIn("Customer paid cash at the counter", picking.credit_release_info)
        for record in (picking, order, self.customer):
            bodies = [html2plaintext(b) for b in record.message_ids.mapped("body")]
            self.assertTrue(
                any("paid cash at the counter" in b and decision.name in b for b in bodies),
                f"the release is on record on {record._name}",
            )
        with self.assertRaises(UserError):
            picking.with_user(self.credit_manager)._credit_release("Twice")
        # shipped in part: the backorder stays held, the release is used
        picking.move_ids.quantity = 2.0
        picking.with_user(self.warehouse_user).with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(decision.consumed_date)
        backorder = order.picking_ids - picking
        self.assertTrue(backorder.credit_held, "a release is valid for its transfer only")
        self.assertFalse(backorder.sudo().credit_release_id)
        self._assert_refused(backorder.with_user(self.warehouse_user).button_validate, backorder)

    def test_payment_frees_transfers_and_notifies_the_warehouse(self):
        invoice = self._invoice(amount=300.0, days_due=-20)
        picking = self._goods_order().picking_ids
        other = self._goods_order().picking_ids
        other.with_user(self.warehouse_user).message_subscribe(self.warehouse_user.partner_id.ids)
        self._hold(reason="Suspended by dunning", origin="dunning")
        self.assertTrue(picking.credit_held and other.credit_held)
        picking.with_user(self.credit_manager)._credit_release("Paid in part")
        self._pay(invoice, 300.0)
        self.assertFalse(self.customer.credit_hold, "overdue paid: the suspension is lifted")
        self.assertFalse(picking.credit_held or other.credit_held)
        self.assertFalse(picking.sudo().credit_release_id, "the release served its hold")
        note = other.message_ids[:1]
        self.assertIn("is lifted", html2plaintext(note.body))
        self.assertIn(self.warehouse_user.partner_id, note.partner_ids)
        self.assertNotIn(self.customer, note.partner_ids, "never told to the customer")
        other.with_user(self.warehouse_user).button_validate()
        self.assertEqual(other.state, "done")
        # on hold again: the old release does not hold any more
        self._hold()
        self.assertTrue(picking.credit_held)

    def test_manual_release_of_the_hold_frees_transfers(self):
        picking = self._goods_order().picking_ids
        self._hold()
        self.env["credit.hold.wizard"].with_user(self.credit_manager).create(
            {"partner_id": self.customer.id, "action": "release", "reason": "Bank guarantee"}
        ).action_apply()
        self.assertFalse(picking.credit_held)
        picking.with_user(self.warehouse_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_rights(self):
        picking = self._goods_order().picking_ids
        self._hold()
        as_warehouse = picking.with_user(self.warehouse_user)
        with self.assertRaises(AccessError):
            as_warehouse._credit_release("I know them")
        with self.assertRaises(AccessError):
            as_warehouse.action_credit_release()
        with self.assertRaises(AccessError):
            self.env["credit.picking.release.wizard"].with_user(self.warehouse_user).create(
                {"picking_id": picking.id, "reason": "I know them"}
            )
        with self.assertRaises(AccessError):
            as_warehouse.write({"credit_held": False})
        decision = self.env["credit.decision"].sudo().search([], limit=1)
        with self.assertRaises(AccessError):
            as_warehouse.write({"credit_release_id": decision.id})
        with self.assertRaises(AccessError):
            self.env["credit.decision"].with_user(self.credit_manager).create(
                {"kind": "delivery", "picking_id": picking.id}
            )
        self.assertTrue(picking.credit_held)
        action = picking.with_user(self.credit_manager).action_credit_release()
        self.assertEqual(action["res_model"], "credit.picking.release.wizard")
        picking.with_user(self.credit_manager)._credit_release("Known customer")
        as_warehouse.button_validate()
        self.assertEqual(picking.state, "done")

    def test_setting_off_restores_plain_odoo(self):
        picking = self._goods_order().picking_ids
        other = self._goods_order(qty=1.0).picking_ids
        self.company.credit_hold_deliveries = False
        self._hold()
        self.assertFalse(picking.credit_held, "the company does not hold deliveries")
        self.company.credit_hold_deliveries = True
        self.assertTrue(picking.credit_held and other.credit_held, "held once it does")
        self.company.credit_hold_deliveries = False
        self.assertFalse(picking.credit_held or other.credit_held)
        self.company.credit_hold_deliveries = False
        picking.with_user(self.warehouse_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_validation_costs_constant_queries(self):
        """A couple of queries more than plain Odoo, whatever the customer's history."""

        customer = self.env["res.partner"].create({"name": "Unlimited", "is_company": True})

        def validate_queries(plain):
            picking = self._goods_order(partner=customer, qty=1.0).picking_ids
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            if plain:
                with patch.object(StockPicking, "_credit_hold_reasons", return_value={}):
                    picking.button_validate()
            else:
                picking.button_validate()
            self.env.flush_all()
            self.assertEqual(picking.state, "done")
            return self.env.cr.sql_log_count - before

        extras = []
        for history in (1, 20):
            for __ in range(history):
                self._goods_order(partner=customer, qty=1.0).picking_ids.button_validate()
            validate_queries(plain=False)  # warm the caches
            validate_queries(plain=True)
            extras.append(validate_queries(plain=False) - validate_queries(plain=True))
        self.assertEqual(extras[0], extras[1], "constant in the customer's history")
        self.assertLessEqual(extras[0], 2)

    def test_refusal_in_the_readers_language(self):
        picking = self._goods_order().picking_ids
        self._hold()
        self.env["res.lang"]._activate_lang("fr_FR")
        # the hold's origin is a selection of credit_management: a model term
        self.env["ir.module.module"]._load_module_terms(["credit_management"], ["fr_FR"])
        with self.assertRaises(UserError) as caught:
            picking.with_user(self.warehouse_user).with_context(lang="fr_FR").button_validate()
        message = str(caught.exception)
        self.assertIn("ne peut pas être validé", message)
        self.assertIn("Manuelle", message, "the hold's origin in French too")
        self.assertIn("Un responsable crédit peut libérer ce transfert", message)
