# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CreditManagementCommon

BYPASS_CONTEXTS = (
    {"skip_credit_check": True},
    {"credit_check_bypass": True, "credit_interactive": False},
    {"install_mode": True},
    {"tracking_disable": True, "mail_notrack": True},
    {"default_credit_check_state": "approved", "default_state": "sale"},
)


@tagged("post_install", "-at_install")
class TestCreditSecurity(CreditManagementCommon):
    def test_salesman_reads_credit_but_changes_nothing(self):
        customer = self.customer.with_user(self.salesman)
        customer.invalidate_recordset()
        self.assertEqual(customer.credit_limit, 1000.0)
        self.assertEqual(customer.credit_available, 1000.0)
        customer.read(["credit_exposure", "credit_overdue", "credit_hold", "credit_limit"])
        for vals in (
            {"credit_limit": 5000.0},
            {"use_partner_credit_limit": False},
            {"credit_hold": True, "credit_hold_reason": "mine"},
            {"credit_review_date": "2030-01-01"},
        ):
            with self.assertRaises(AccessError):
                customer.write(vals)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).create(
                {"name": "Self-granted", "credit_limit": 99999.0}
            )
        with self.assertRaises(AccessError):
            self.env["credit.hold.wizard"].with_user(self.salesman).create(
                {"partner_id": self.customer.id, "reason": "x"}
            )
        self.assertEqual(self.customer.credit_limit, 1000.0)

    def test_salesman_edits_contacts_of_held_customer(self):
        """Odoo's commercial-field sync is not mistaken for a hold change."""
        self.customer._credit_set_hold("Unpaid")
        Partner = self.env["res.partner"].with_user(self.salesman)
        contact = Partner.create({"name": "Paul", "parent_id": self.customer.id})
        self.assertTrue(contact.credit_hold)
        self.customer.with_user(self.salesman).write({"phone": "+33 1 23 45 67 89"})
        self.customer.with_user(self.salesman).write({"vat": "FR23334175221"})
        self.assertTrue(self.customer.credit_hold)
        with self.assertRaises(AccessError):
            contact.write({"credit_hold": False})

    def test_salesman_cannot_bypass_the_check(self):
        order = self._order(qty=20)
        for context in BYPASS_CONTEXTS:
            result = order.with_user(self.salesman).with_context(**context).action_confirm()
            self.assertEqual(order.state, "draft", context)
            self.assertEqual(result["res_model"], "credit.block.wizard")
        with self.assertRaises(UserError):
            order.with_user(self.salesman).write({"state": "sale"})
        with self.assertRaises(UserError):
            order.with_user(self.salesman).with_context(skip_credit_check=True).write(
                {"state": "sale"}
            )
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write({"credit_check_state": "approved"})
        self.assertEqual(order.state, "draft")

    def test_salesman_cannot_approve(self):
        order = self._order(qty=20)
        order.with_user(self.salesman).action_confirm()
        order.with_user(self.salesman).action_credit_request_approval()
        decision = order.credit_decision_ids.with_user(self.salesman)
        with self.assertRaises(AccessError):
            decision._credit_approve("I say so", confirm=True)
        with self.assertRaises(AccessError):
            decision.write({"state": "approved", "decision_reason": "I say so"})
        with self.assertRaises(AccessError):
            self.env["credit.decision"].with_user(self.salesman).create(
                {"order_id": order.id, "state": "approved", "decision_reason": "x"}
            )
        with self.assertRaises(AccessError):
            decision.action_open_decide_wizard()
        with self.assertRaises(AccessError):
            decision.with_user(self.credit_controller)._credit_approve("controller")
        self.assertEqual(order.state, "draft")
        self.assertEqual(decision.sudo().state, "requested")

    def test_manager_changes_limits_and_holds(self):
        customer = self.customer.with_user(self.credit_manager)
        customer.credit_limit = 4000.0
        customer._credit_set_hold("Legal dispute")
        self.assertTrue(self.customer.credit_hold)
        self.assertEqual(self.customer.credit_limit_change_ids[:1].user_id, self.credit_manager)

    def test_decision_constraints(self):
        order = self._order(qty=20)
        other_currency = self.setup_other_currency("EUR")
        Decision = self.env["credit.decision"].sudo()
        decision = Decision.create({"order_id": order.id})
        with self.assertRaises(ValidationError):
            decision.write({"currency_id": other_currency.id})
        with self.assertRaises(ValidationError):
            decision.write({"state": "approved", "decision_reason": ""})
        with self.assertRaises(UserError):
            decision._credit_approve("ok", amount_limit=-1.0)
        self.assertEqual(decision.state, "requested")

    def test_multi_company_rules(self):
        company_2 = self.setup_other_company()["company"]
        order = self._order(qty=20)
        order.action_confirm()
        order.action_credit_request_approval()
        user_2 = self.credit_manager.copy(
            {
                "login": "credit_boss_2",
                "company_id": company_2.id,
                "company_ids": [Command.set(company_2.ids)],
            }
        )
        self.assertFalse(self.env["credit.decision"].with_user(user_2).search([]))
        self.assertFalse(self.env["credit.limit.change"].with_user(user_2).search([]))
        self.assertTrue(self.env["credit.decision"].with_user(self.credit_manager).search([]))
