# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext

from .common import CreditManagementCommon


@tagged("post_install", "-at_install")
class TestCreditBlocking(CreditManagementCommon):
    def _assert_blocked(self, order, result):
        self.assertEqual(order.state, "draft")
        self.assertIsInstance(result, dict)
        self.assertEqual(result["res_model"], "credit.block.wizard")
        self.assertIn(order.credit_check_state, ("blocked", "requested"))

    def _approve(self, order, reason="Long-standing customer", **values):
        decision = order.credit_decision_ids.filtered(lambda d: d.state == "requested")
        wizard = Form(
            self.env["credit.decision.wizard"]
            .with_user(self.credit_manager)
            .with_context(default_decision_id=decision.id)
        )
        wizard.reason = reason
        for name, value in values.items():
            setattr(wizard, name, value)
        wizard.save().action_apply()
        return decision

    def test_within_limit_confirms(self):
        self._invoice(amount=400.0)
        order = self._order(qty=6, price=100.0)  # 400 + 600 = limit
        self.assertTrue(order.with_user(self.salesman).action_confirm())
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_check_state)

    def test_over_limit_is_blocked_with_amounts(self):
        self._invoice(amount=400.0, days_due=-5)
        order = self._order(qty=7, price=100.0)
        result = order.with_user(self.salesman).action_confirm()
        self._assert_blocked(order, result)
        reason = order.credit_block_reason
        for amount in ("1,000.00", "400.00", "700.00", "1,100.00", "100.00"):
            self.assertIn(amount, reason)
        self.assertIn("Dupont SARL", reason)
        self.assertIn(
            "Dupont SARL would exceed its credit limit", html2plaintext(order.message_ids[0].body)
        )
        wizard = self.env[result["res_model"]].with_context(**result["context"]).create({})
        self.assertEqual(wizard.message, reason)
        self.assertTrue(wizard.can_request)

    def test_blocked_message_posted_once(self):
        order = self._order(qty=20)
        order.action_confirm()
        count = len(order.message_ids)
        order.action_confirm()
        self.assertEqual(len(order.message_ids), count)

    def test_hold_blocks_without_limit_enforcement(self):
        self.company.account_use_credit_limit = False
        self.customer.credit_limit = 0.0
        self.customer._credit_set_hold("Disputed payments")
        order = self._order(partner=self.contact, qty=1)
        self._assert_blocked(order, order.with_user(self.salesman).action_confirm())
        self.assertIn("Disputed payments", order.credit_block_reason)

    def test_no_limit_behaves_as_plain_odoo(self):
        self.customer.credit_limit = 0.0
        order = self._order(qty=1000)
        self.assertTrue(order.action_confirm())
        self.assertEqual(order.state, "sale")

    def test_limit_not_enforced_when_feature_off_or_warn_only(self):
        self.company.account_use_credit_limit = False
        order = self._order(qty=50)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.company.account_use_credit_limit = True
        self.company.credit_limit_policy = "warn"
        order = self._order(qty=50)
        self.assertTrue(order.partner_credit_warning, "Odoo's own warning still shows")
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_orders_confirmed_together_are_cumulated(self):
        first = self._order(qty=6)
        second = self._order(qty=6)
        third = self._order(qty=3)
        (first | second | third).action_confirm()
        self.assertEqual(first.state, "sale")
        self.assertEqual(second.state, "draft")
        self.assertEqual(second.credit_check_state, "blocked")
        self.assertEqual(third.state, "sale", "400 more still fits in the limit")

    def test_request_approve_confirms(self):
        order = self._order(qty=15)
        order.with_user(self.salesman).action_confirm()
        wizard = (
            self.env["credit.block.wizard"]
            .with_user(self.salesman)
            .create({"order_ids": [(6, 0, order.ids)], "note": "Big customer, pays late but pays"})
        )
        wizard.action_request_approval()
        decision = order.credit_decision_ids
        self.assertRecordValues(
            decision,
            [
                {
                    "state": "requested",
                    "partner_id": self.customer.id,
                    "requested_by_id": self.salesman.id,
                    "amount": 1500.0,
                    "credit_limit": 1000.0,
                    "origin": "salesperson",
                    "request_note": "Big customer, pays late but pays",
                }
            ],
        )
        self.assertEqual(order.credit_check_state, "requested")
        activity = decision.activity_ids
        self.assertIn(self.credit_manager, activity.user_id)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("credit_management.mail_activity_credit_approval"),
        )
        self._approve(order, valid_until=fields.Date.today())
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            decision,
            [
                {
                    "state": "approved",
                    "decided_by_id": self.credit_manager.id,
                    "decision_reason": "Long-standing customer",
                }
            ],
        )
        self.assertFalse(decision.activity_ids, "the approval activity is done")
        self.assertEqual(order.credit_check_state, "approved")
        self.assertTrue(
            any("Long-standing customer" in body for body in order.message_ids.mapped("body"))
        )
        self.assertTrue(
            any(
                "Long-standing customer" in body
                for body in self.customer.message_ids.mapped("body")
            )
        )
        self.assertEqual(self.customer.credit_decision_count, 1)

    def test_refuse_keeps_order_unconfirmed(self):
        order = self._order(qty=15)
        order.with_user(self.salesman).action_confirm()
        order.with_user(self.salesman).action_credit_request_approval()
        decision = order.credit_decision_ids
        wizard = Form(
            self.env["credit.decision.wizard"]
            .with_user(self.credit_manager)
            .with_context(default_decision_id=decision.id)
        )
        wizard.decision = "refuse"
        wizard.reason = "Too many unpaid invoices"
        wizard.save().action_apply()
        self.assertEqual(decision.state, "refused")
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.credit_check_state, "refused")
        self._assert_blocked(order, order.with_user(self.salesman).action_confirm())
        # the salesperson can ask again, e.g. after a down payment
        order.with_user(self.salesman).action_credit_request_approval()
        self.assertEqual(len(order.credit_decision_ids), 2)

    def test_approval_bound_to_amount(self):
        order = self._order(qty=15)
        order.action_confirm()
        order.action_credit_request_approval()
        self._approve(order, confirm_order=False)
        self.assertEqual(order.state, "draft")
        order.order_line.product_uom_qty = 20
        self._assert_blocked(order, order.action_confirm())
        order.order_line.product_uom_qty = 14
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approval_amount_limit(self):
        order = self._order(qty=15)
        order.action_confirm()
        order.action_credit_request_approval()
        self._approve(order, confirm_order=False, amount_limit=2500.0)
        order.order_line.product_uom_qty = 25
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approval_expires(self):
        order = self._order(qty=15)
        order.action_confirm()
        order.action_credit_request_approval()
        today = fields.Date.today()
        self._approve(order, confirm_order=False, valid_until=today)
        with freeze_time(today + timedelta(days=1)):
            self._assert_blocked(order, order.action_confirm())
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approval_needs_reason(self):
        order = self._order(qty=15)
        order.action_confirm()
        order.action_credit_request_approval()
        decision = order.credit_decision_ids
        with self.assertRaises(UserError):
            decision.with_user(self.credit_manager)._credit_approve("   ")
        self.assertEqual(decision.state, "requested")
        self.assertEqual(order.state, "draft")

    def test_payment_unblocks_without_decision(self):
        invoice = self._invoice(amount=900.0)
        order = self._order(qty=5)
        order.action_confirm()
        order.action_credit_request_approval()
        self._pay(invoice, 900.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.credit_decision_ids.state, "cancelled")
        self.assertFalse(order.credit_check_state)

    def test_cancel_closes_request(self):
        order = self._order(qty=15)
        order.action_confirm()
        order.action_credit_request_approval()
        order._action_cancel()
        self.assertEqual(order.credit_decision_ids.state, "cancelled")

    def test_invoice_posting_block(self):
        self.company.credit_block_invoice_posting = True
        self._invoice(amount=900.0)
        invoice = self._invoice(amount=200.0, post=False)
        with self.assertRaisesRegex(UserError, "exceeds its credit limit"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")
        # invoices of confirmed (checked or approved) orders go through
        order = self._order(qty=15)
        order.action_confirm()
        order.action_credit_request_approval()
        self._approve(order)
        order._create_invoices().action_post()
        # without the option, posting is Odoo's
        self.company.credit_block_invoice_posting = False
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_confirmation_check_query_count_is_constant(self):
        """Constant number of queries whatever the customer's history."""

        self._invoice(amount=1.0)
        self._count_check_queries()  # warm the ORM caches (access rules, groups)
        small = self._count_check_queries()
        for __ in range(15):
            self._invoice(amount=1.0)
            self._invoice(amount=1.0, post=False)
            self._order(qty=1, price=1.0, confirm=True)
        self.assertEqual(self._count_check_queries(), small)
