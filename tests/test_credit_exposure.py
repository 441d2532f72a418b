# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CreditManagementCommon


@tagged("post_install", "-at_install")
class TestCreditExposure(CreditManagementCommon):
    def test_empty_customer(self):
        self.assertEqual(
            self._exposure(),
            {
                "receivable": 0.0,
                "draft": 0.0,
                "orders": 0.0,
                "exposure": 0.0,
                "overdue": 0.0,
                "available": 1000.0,
            },
        )
        self.assertFalse(self.customer.credit_over_limit)

    def test_components(self):
        overdue_invoice = self._invoice(amount=400.0, days_due=-10)
        self._invoice(amount=300.0, days_due=20)
        self._pay(overdue_invoice, 150.0)
        self._invoice(amount=50.0, move_type="out_refund")
        self._invoice(amount=80.0, post=False)
        self._invoice(amount=30.0, post=False, move_type="out_refund")
        self._order(qty=2, price=100.0, confirm=True)
        self._order(qty=9, price=100.0)  # quotation: not exposure
        self.assertEqual(
            self._exposure(),
            {
                # 400 - 150 paid + 300 - 50 credit note
                "receivable": 500.0,
                "draft": 50.0,  # 80 - 30
                "orders": 200.0,
                "exposure": 750.0,
                "overdue": 250.0,
                "available": 250.0,
            },
        )

    def test_orders_invoiced_are_not_counted_twice(self):
        order = self._order(qty=5, price=100.0, confirm=True)
        self.assertEqual(self._exposure()["orders"], 500.0)
        invoice = order._create_invoices()
        self.assertEqual(invoice.state, "draft")
        values = self._exposure()
        self.assertEqual(
            (values["orders"], values["draft"], values["exposure"]), (0.0, 500.0, 500.0)
        )
        invoice.action_post()
        values = self._exposure()
        self.assertEqual(
            (values["draft"], values["receivable"], values["exposure"]), (0.0, 500.0, 500.0)
        )
        self._pay(invoice, 500.0)
        self.assertEqual(self._exposure()["exposure"], 0.0)

    def test_partially_invoiced_order(self):
        order = self._order(qty=4, price=100.0, confirm=True)
        order.order_line.product_uom_qty = 10  # 1,000 ordered
        invoice = order._create_invoices()
        invoice.invoice_line_ids.quantity = 3
        invoice.action_post()
        values = self._exposure()
        self.assertEqual((values["receivable"], values["orders"]), (300.0, 700.0))

    def test_child_contacts_roll_up_to_commercial_entity(self):
        self._invoice(partner=self.contact, amount=120.0)
        self._order(partner=self.contact, qty=1, price=80.0, confirm=True)
        self.assertEqual(self._exposure()["exposure"], 200.0)
        self.assertEqual(self._exposure(self.contact)["exposure"], 200.0)
        self.assertEqual(self.contact.credit_limit, 1000.0)

    def test_multi_currency(self):
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._order(qty=1, price=600.0, currency=other, confirm=True)  # 300 in company currency
        self._invoice(amount=100.0, currency=other)  # 50
        self._invoice(amount=40.0, currency=other, post=False)  # 20
        values = self._exposure()
        self.assertEqual(
            (values["orders"], values["receivable"], values["draft"], values["exposure"]),
            (300.0, 50.0, 20.0, 370.0),
        )

    def test_company_isolation(self):
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        self._invoice(amount=700.0, company=company_2)
        self.assertEqual(self._exposure()["exposure"], 0.0)
        customer_2 = self.customer.with_company(company_2)
        customer_2.invalidate_recordset()
        self.assertEqual(customer_2.credit_exposure, 700.0)
        # limits are per company: none in company 2 yet
        self.assertEqual(customer_2.credit_limit, 0.0)
        self.assertFalse(customer_2.credit_over_limit)
        customer_2.credit_limit = 500.0
        self.assertTrue(customer_2.credit_over_limit)
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 1000.0)

    def test_search_over_limit(self):
        other = self.env["res.partner"].create(
            {"name": "Martin SA", "is_company": True, "credit_limit": 100.0}
        )
        self._invoice(partner=other, amount=150.0)
        self._invoice(amount=150.0)
        Partner = self.env["res.partner"].with_company(self.company)
        over = Partner.search([("credit_over_limit", "=", True)])
        self.assertIn(other, over)
        self.assertNotIn(self.customer, over)
        self.assertIn(self.customer, Partner.search([("credit_over_limit", "=", False)]))
        self.assertEqual(other.with_company(self.company).credit_available, -50.0)

    def test_exposure_query_count_does_not_grow_with_history(self):
        """Checking one customer costs the same whatever its number of documents."""

        def count_queries():
            self.env.flush_all()
            self.env.invalidate_all()
            partner = self.customer.with_company(self.company)
            before = self.env.cr.sql_log_count
            partner.read(["credit_exposure"])
            return self.env.cr.sql_log_count - before

        self._invoice(amount=10.0)
        self._order(qty=1, price=10.0, confirm=True)
        count_queries()  # warm the ORM caches (access rules, groups)
        small = count_queries()
        for __ in range(15):
            self._invoice(amount=10.0)
            self._invoice(amount=10.0, post=False)
            self._order(qty=1, price=10.0, confirm=True)
        self.assertEqual(count_queries(), small)

    def test_limit_change_is_logged_with_reason(self):
        wizard = Form(
            self.env["credit.limit.wizard"].with_context(default_partner_id=self.customer.id)
        )
        self.assertEqual(wizard.current_limit, 1000.0)
        wizard.new_limit = 2500.0
        wizard.reason = "Annual review: pays on time"
        wizard.save().action_apply()
        self.assertEqual(self.customer.credit_limit, 2500.0)
        change = self.customer.credit_limit_change_ids[:1]
        self.assertRecordValues(
            change,
            [
                {
                    "old_limit": 1000.0,
                    "new_limit": 2500.0,
                    "user_id": self.env.user.id,
                    "reason": "Annual review: pays on time",
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertIn("Annual review", self.customer.message_ids[0].body)
        # a direct edit is logged too
        self.customer.credit_limit = 3000.0
        self.assertEqual(len(self.customer.credit_limit_change_ids), 3)  # creation, wizard, edit

    def test_negative_limit_refused(self):
        with self.assertRaises(ValidationError):
            self.customer.credit_limit = -1.0
        wizard = self.env["credit.limit.wizard"].create(
            {"partner_id": self.customer.id, "new_limit": -5.0, "reason": "typo"}
        )
        with self.assertRaises(Exception):  # noqa: B017 - UserError, nothing written
            wizard.action_apply()
        self.assertEqual(self.customer.credit_limit, 1000.0)

    def test_hold_has_a_reason_and_follows_contacts(self):
        self.customer.credit_hold = True
        self.assertEqual(self.customer.credit_hold_origin, "manual")
        self.assertIn(self.env.user.name, self.customer.credit_hold_reason)
        self.customer.credit_hold = False
        self.assertFalse(self.customer.credit_hold_reason)
        with self.assertRaises(UserError):
            self.env["credit.hold.wizard"].create(
                {"partner_id": self.customer.id, "action": "hold", "reason": "  "}
            ).action_apply()
        self.assertFalse(self.customer.credit_hold)
        wizard = self.env["credit.hold.wizard"].create(
            {"partner_id": self.contact.id, "action": "hold", "reason": "Cheque bounced"}
        )
        wizard.action_apply()
        self.assertTrue(self.customer.credit_hold)
        self.assertEqual(self.customer.credit_hold_origin, "manual")
        self.assertTrue(self.contact.credit_hold, "contacts follow their company")
        self.assertIn("Cheque bounced", self.customer.message_ids[0].body)
        new_contact = self.env["res.partner"].create(
            {"name": "New contact", "parent_id": self.customer.id}
        )
        self.assertTrue(new_contact.credit_hold)
        self.env["credit.hold.wizard"].create(
            {"partner_id": self.customer.id, "action": "release", "reason": "Paid by transfer"}
        ).action_apply()
        self.assertFalse(self.customer.credit_hold)
        self.assertFalse(self.customer.credit_hold_reason)
        self.assertIn("Paid by transfer", self.customer.message_ids[0].body)

    def test_release_only_given_origin(self):
        self.customer._credit_set_hold("Insolvency proceeding", origin="insolvency")
        released = self.customer._credit_release_hold("paid", origin="dunning")
        self.assertFalse(released)
        self.assertTrue(self.customer.credit_hold)
        self.customer.write({"child_ids": [Command.create({"name": "Accounting"})]})
        self.assertTrue(
            self.customer.child_ids.filtered(lambda c: c.name == "Accounting").credit_hold
        )
