# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Browser test of the credit block / approval flow, as real users click it."""

from odoo.tests import tagged

from .common import CreditTourCase


@tagged("post_install", "-at_install")
class CreditManagementTour(CreditTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test environment is the superuser's: it may set credit limits.
        cls.company = cls.env.company
        cls.company.write(
            {
                "account_use_credit_limit": True,
                "credit_limit_policy": "block",
                "credit_manager_user_id": False,
            }
        )
        cls.salesperson = cls._tour_user(
            "credit_tour_salesperson", "Sally Salesperson", "sales_team.group_sale_salesman"
        )
        cls.manager = cls._tour_user(
            "credit_tour_manager",
            "Carl Creditmanager",
            # an approval confirms the order with the manager's own sales rights
            "credit_management.group_credit_manager,"
            "sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )
        cls.activity_type = cls.env.ref("credit_management.mail_activity_credit_approval")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Credit Tour Customer", "is_company": True, "credit_limit": 1000.0}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Credit Tour Machine",
                "type": "consu",
                "list_price": 5000.0,
                "taxes_id": False,
            }
        )
        cls.order = cls._tour_quotation(cls.customer, cls.product, cls.salesperson, 5000.0)

    def _order_messages(self):
        return self._messages(self.order)

    def _request_approval(self):
        """Run the salesperson's tour and check the request it leaves."""
        order = self.order
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.amount_total, 5000.0)
        self.assertFalse(order.credit_check_state)

        # The salesperson confirms, is blocked, requests an approval.
        self.start_tour(
            "/odoo/sales", "credit_management_request_tour", login=self.salesperson.login
        )
        self.env.invalidate_all()
        self.assertEqual(order.state, "draft", "An over-limit order must not be confirmed.")
        self.assertEqual(order.credit_check_state, "requested")
        self.assertIn("would exceed its credit limit", order.credit_block_reason)
        decision = order.credit_decision_ids
        self.assertEqual(len(decision), 1, "Exactly one credit request is expected.")
        self.assertEqual(decision.state, "requested")
        self.assertEqual(decision.origin, "salesperson")
        self.assertEqual(decision.requested_by_id, self.salesperson)
        self.assertEqual(decision.salesperson_id, self.salesperson)
        self.assertEqual(decision.partner_id, self.customer)
        self.assertEqual(decision.amount, 5000.0)
        self.assertEqual(decision.credit_limit, 1000.0)
        self.assertIn("announced for Friday", decision.request_note)
        self.assertIn("would exceed its credit limit", decision.block_reason)
        activities = decision.activity_ids.filtered(
            lambda a: a.activity_type_id == self.activity_type
        )
        self.assertIn(
            self.manager, activities.user_id, "The credit managers must get an approval activity."
        )
        messages = self._order_messages()
        self.assertTrue(
            any("would exceed its credit limit" in body for body in messages),
            "The block reason must be posted on the order.",
        )
        self.assertTrue(
            any(
                "Credit approval requested" in body and "announced for Friday" in body
                for body in messages
            ),
            "The request and its note must be posted on the order.",
        )
        return decision

    def test_request_and_approve(self):
        order = self.order
        decision = self._request_approval()
        activity_type = self.activity_type

        # The credit manager approves from the order; the order is confirmed.
        self.start_tour("/odoo", "credit_management_approve_tour", login=self.manager.login)
        self.env.invalidate_all()
        self.assertEqual(decision.state, "approved")
        self.assertEqual(
            decision.decision_reason, "Payment confirmed by the bank as a one off exception"
        )
        self.assertEqual(decision.decided_by_id, self.manager)
        self.assertTrue(decision.decision_date)
        self.assertFalse(decision.valid_until)
        self.assertEqual(order.state, "sale", "The approved order must be confirmed.")
        self.assertEqual(order.credit_check_state, "approved")
        self.assertFalse(
            decision.activity_ids.filtered(lambda a: a.activity_type_id == activity_type),
            "The approval activity must be closed by the decision.",
        )
        messages = self._order_messages()
        self.assertTrue(
            any("Credit approved" in body and "one off exception" in body for body in messages),
            "The approval and its reason must be posted on the order.",
        )
        self.assertTrue(
            any("Credit approved" in body for body in self._messages(self.customer)),
            "The approval must be posted on the customer.",
        )

    def test_request_and_refuse(self):
        order = self.order
        decision = self._request_approval()

        # The credit manager refuses from the credit decision form.
        self.start_tour("/odoo", "credit_management_refuse_tour", login=self.manager.login)
        self.env.invalidate_all()
        self.assertEqual(decision.state, "refused")
        self.assertEqual(decision.decision_reason, "Three invoices overdue and no payment plan")
        self.assertEqual(decision.decided_by_id, self.manager)
        self.assertEqual(order.state, "draft", "A refused order must stay a quotation.")
        self.assertEqual(order.credit_check_state, "refused")
        self.assertFalse(
            decision.activity_ids.filtered(lambda a: a.activity_type_id == self.activity_type),
            "The approval activity must be closed by the decision.",
        )
        self.assertTrue(
            any(
                "Credit refused" in body and "no payment plan" in body
                for body in self._order_messages()
            ),
            "The refusal and its reason must be posted on the order.",
        )
