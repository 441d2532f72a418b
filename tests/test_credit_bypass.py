# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Every way around the credit check that was found by probing the addon as
each kind of user: each test plays one through the real entry point."""

import json
import threading
from contextlib import contextmanager
from datetime import date

from psycopg2 import errors as pg_errors

from odoo import Command, api
from odoo.api import Transaction
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.sale.models.sale_order import SaleOrder as OdooSaleOrder

from ..models.sale_order import CHECKED_KEY
from .common import CreditManagementCommon


@tagged("post_install", "-at_install")
class TestCreditBypass(CreditManagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.held_customer = cls.env["res.partner"].create(
            {"name": "Martin SA", "is_company": True, "credit_limit": 100000.0}
        )
        cls.held_customer._credit_set_hold("Cheque returned unpaid by the bank")

    @contextmanager
    def _refused(self, pattern, exception=UserError):
        """The operation is refused (and rolled back) with a message matching ``pattern``."""
        with self.assertRaises(exception) as capture:
            yield
        self.assertRegex(str(capture.exception), pattern)

    def _approve(self, order, **values):
        decision = order.credit_decision_ids.filtered(lambda d: d.state == "requested")
        decision.with_user(self.credit_manager)._credit_approve("Known customer", **values)
        return decision

    def _blocked_and_requested(self, qty=15):
        order = self._order(qty=qty)
        order.with_user(self.salesman).action_confirm()
        order.with_user(self.salesman).action_credit_request_approval()
        return order

    # 1. creation, copy and import of confirmed orders

    def test_create_confirmed_order_is_checked(self):
        SaleOrder = self.env["sale.order"].with_user(self.salesman)
        line = Command.create({"product_id": self.product.id, "product_uom_qty": 20})
        with self._refused("would exceed its credit limit"):
            SaleOrder.create(
                {"partner_id": self.customer.id, "state": "sale", "order_line": [line]}
            )
        with self._refused("Cheque returned unpaid"):
            SaleOrder.create(
                {"partner_id": self.held_customer.id, "state": "sale", "order_line": [line]}
            )
        # within the limit, a confirmed order may still be created (integrations)
        order = SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "state": "sale",
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        self.assertEqual(order.state, "sale")

    def test_copy_as_confirmed_is_checked(self):
        order = self._order(qty=20)
        with self._refused("would exceed its credit limit"):
            order.with_user(self.salesman).copy(default={"state": "sale"})
        small = self._order(qty=6, confirm=True)
        with self._refused("would exceed its credit limit"):
            small.with_user(self.salesman).copy(default={"state": "sale"})

    def test_import_of_confirmed_orders_is_checked(self):
        result = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .load(
                [
                    "partner_id/.id",
                    "state",
                    "order_line/product_id/.id",
                    "order_line/product_uom_qty",
                ],
                [[str(self.customer.id), "sale", str(self.product.id), "20"]],
            )
        )
        self.assertFalse(result["ids"])
        self.assertIn("would exceed its credit limit", result["messages"][0]["message"])
        self.assertFalse(self.env["sale.order"].search([("partner_id", "=", self.customer.id)]))

    # 2. a confirmed order that grows

    def test_confirmed_order_cannot_grow_past_the_limit(self):
        order = self._order(qty=5, confirm=True)  # 500 of 1,000
        salesman_order = order.with_user(self.salesman)
        with self._refused("would exceed its credit limit"):
            salesman_order.order_line.product_uom_qty = 11600
        with self._refused("would exceed its credit limit"):
            salesman_order.write(
                {
                    "order_line": [
                        Command.create({"product_id": self.product.id, "product_uom_qty": 6})
                    ]
                }
            )
        with self._refused("would exceed its credit limit"):
            salesman_order.order_line.price_unit = 1000.0
        with self._refused("would exceed its credit limit"):
            self.env["sale.order.line"].with_user(self.salesman).create(
                {"order_id": order.id, "product_id": self.product.id, "product_uom_qty": 6}
            )
        self.assertEqual(order.amount_total, 500.0)
        # growing within the limit, and shrinking, are everyday changes
        salesman_order.order_line.product_uom_qty = 10
        salesman_order.order_line.product_uom_qty = 3
        self.assertEqual(order.amount_total, 300.0)

    def test_confirmed_order_grows_up_to_its_approved_ceiling(self):
        order = self._blocked_and_requested(qty=15)
        self._approve(order, amount_limit=2000.0, confirm=False)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        order.with_user(self.salesman).order_line.product_uom_qty = 20
        with self._refused("would exceed its credit limit"):
            order.with_user(self.salesman).order_line.product_uom_qty = 21

    def test_confirmed_order_of_held_customer_cannot_grow(self):
        order = self._order(qty=5, confirm=True)
        self.customer._credit_set_hold("Legal dispute")
        with self._refused("Legal dispute"):
            order.with_user(self.salesman).order_line.product_uom_qty = 6
        order.with_user(self.salesman).order_line.product_uom_qty = 4  # shrinking is fine

    # 3. approvals bound to customer and amount, consumed when used

    def test_approval_is_consumed_by_its_confirmation(self):
        order = self._blocked_and_requested()
        decision = self._approve(order, confirm=False)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertTrue(decision.consumed_date)
        order.with_user(self.salesman)._action_cancel()
        order.with_user(self.salesman).action_draft()
        result = order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft", "a used approval does not confirm twice")
        self.assertEqual(result["res_model"], "credit.block.wizard")

    def test_approval_bound_to_the_customer(self):
        order = self._blocked_and_requested()
        self._approve(order, confirm=False)
        order.with_user(self.salesman).partner_id = self.held_customer
        result = order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(result["res_model"], "credit.block.wizard")
        self.assertIn("Cheque returned unpaid", order.credit_block_reason)

    # 4. requests are filed by the system only, with the order's real figures

    def test_salesperson_cannot_forge_a_request(self):
        order = self._order(qty=15)
        order.with_user(self.salesman).action_confirm()
        Decision = self.env["credit.decision"].with_user(self.salesman)
        with self.assertRaises(AccessError):
            Decision.create({"order_id": order.id, "amount": 1.0, "request_note": "tiny"})
        order.with_user(self.salesman).action_credit_request_approval()
        decision = order.credit_decision_ids
        self.assertRecordValues(decision, [{"amount": 1500.0, "requested_by_id": self.salesman.id}])
        with self.assertRaises(AccessError):
            decision.with_user(self.salesman).write({"amount": 1.0})
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_credit_request_approval()
        self.assertEqual(len(order.credit_decision_ids), 1, "one pending request per order")
        # the manager sees the amount he approves
        action = order.with_user(self.credit_manager).action_credit_decide()
        wizard = (
            self.env["credit.decision.wizard"]
            .with_user(self.credit_manager)
            .with_context(**action["context"])
            .create({"reason": "ok"})
        )
        self.assertEqual(wizard.decision_id, decision)
        self.assertEqual(wizard.amount, 1500.0)
        self.assertEqual(wizard.partner_id, self.customer)

    # 6. credit fields of a company are not overwritten by the contact sync

    def test_held_company_cannot_be_freed_by_reparenting(self):
        Partner = self.env["res.partner"].with_user(self.salesman)
        new_parent = Partner.create({"name": "Shell Company", "is_company": True})
        with self.assertRaises(AccessError):
            self.held_customer.with_user(self.salesman).write(
                {"parent_id": new_parent.id, "is_company": False}
            )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).write(
                {"parent_id": new_parent.id, "company_type": "person"}
            )
        self.assertTrue(self.held_customer.credit_hold)
        self.assertEqual(self.held_customer.credit_limit, 100000.0)
        for vals in (
            {"dunning_handover": True},
            {"dunning_level_id": self.env.ref("credit_management.dunning_level_second").id},
        ):
            with self.assertRaises(AccessError):
                self.customer.with_user(self.salesman).write(vals)
        # a company without credit data may become a contact, as in plain Odoo
        plain = Partner.create({"name": "Plain Company", "is_company": True})
        plain.write({"parent_id": new_parent.id, "is_company": False})
        self.assertEqual(plain.commercial_partner_id, new_parent)
        # a credit manager may, and it stays on record
        self.held_customer.with_user(self.credit_manager).write(
            {"parent_id": new_parent.id, "is_company": False}
        )
        self.assertIn(
            "Shell Company", self.held_customer.message_ids[0].body, "the change is on record"
        )

    # 7. invoice posting, on every path

    def test_invoice_posting_checked_on_every_path(self):
        self.company.credit_block_invoice_posting = True
        self._invoice(amount=900.0)
        invoice = self._invoice(amount=200.0, post=False)
        with self._refused("exceeds its credit limit"):
            invoice._post(soft=False)
        with self._refused("exceeds its credit limit"):
            invoice.write({"state": "posted"})
        wizard = (
            self.env["validate.account.move"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"force_post": True})
        )
        with self._refused("exceeds its credit limit"):
            wizard.validate_move()
        self.assertEqual(invoice.state, "draft")
        # Odoo's auto-post cron: the invoice stays a draft, with the reason on it
        invoice.write({"auto_post": "at_date", "checked": True})
        self.env["account.move"]._autopost_draft_entries()
        self.assertEqual(invoice.state, "draft")
        self.assertIn("exceeds its credit limit", invoice.message_ids[0].body)

    # 8. credit data does not leak

    def test_portal_user_reads_no_credit_data(self):
        portal = new_test_user(
            self.env,
            login="credit_portal_reader",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )
        order = self._order(qty=20)
        order.action_confirm()
        order.message_subscribe(partner_ids=self.contact.ids)
        order.action_quotation_sent()
        self.customer._credit_set_hold("Cheque returned unpaid")
        for fnames in (
            ["credit_block_reason"],
            ["partner_credit_hold_reason"],
            ["partner_credit_hold"],
            ["credit_check_state"],
            ["partner_credit_warning"],
        ):
            with self.assertRaises(AccessError, msg=fnames):
                order.with_user(portal).read(fnames)
        for fnames in (
            ["credit_hold_reason"],
            ["credit_hold"],
            ["credit_limit"],
            ["credit_exposure"],
            ["credit_overdue"],
            ["dunning_level_id"],
        ):
            with self.assertRaises(AccessError, msg=fnames):
                self.contact.with_user(portal).read(fnames)

    def test_employee_reads_no_hold(self):
        employee = new_test_user(self.env, login="credit_employee", groups="base.group_user")
        self.customer._credit_set_hold("Cheque returned unpaid")
        with self.assertRaises(AccessError):
            self.customer.with_user(employee).read(["credit_hold_reason"])
        with self.assertRaises(AccessError):
            self.customer.with_user(employee).read(["credit_hold"])
        self.customer.with_user(employee).read(["name", "email"])

    # 10. the "Over Credit Limit" filter agrees with the form

    def test_over_limit_filter_uses_the_effective_limit(self):
        rating = self.env["credit.solvency.rating"]._get_by_code("E")
        self.env["credit.solvency.rule"].create(
            {"company_id": self.company.id, "rating_id": rating.id, "credit_effect": "prepayment"}
        )
        prepay = self.env["res.partner"].create(
            {"name": "Prepay SAS", "is_company": True, "solvency_rating": "E"}
        )
        self._invoice(partner=prepay, amount=50.0)
        prepay.invalidate_recordset()
        self.assertTrue(prepay.credit_over_limit)
        Partner = self.env["res.partner"].with_company(self.company)
        self.assertIn(prepay, Partner.search([("credit_over_limit", "=", True)]))
        self.assertNotIn(prepay, Partner.search([("credit_over_limit", "=", False)]))
        self.assertNotIn(self.customer, Partner.search([("credit_over_limit", "=", True)]))

    # 15. an approval confirms as the manager, not as superuser

    def test_approval_confirms_with_the_managers_rights(self):
        accountant = new_test_user(
            self.env,
            login="credit_boss_no_sales",
            groups="credit_management.group_credit_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        order = self._blocked_and_requested()
        decision = order.credit_decision_ids
        decision.with_user(accountant)._credit_approve("Known customer", confirm=True)
        self.assertEqual(decision.state, "approved")
        self.assertEqual(order.state, "draft", "no sales rights: the salesperson confirms")
        self.assertTrue(
            any(
                self.salesman.partner_id in message.partner_ids and "confirm" in message.body
                for message in order.message_ids
            )
        )
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    # 19. dates in the reader's format

    def test_dates_in_messages_follow_the_language(self):
        order = self._blocked_and_requested()
        decision = self._approve(order, valid_until=date(2031, 12, 31), confirm=False)
        self.assertIn("12/31/2031", decision._credit_decision_message())
        self.env["res.lang"]._activate_lang("fr_FR")
        message = decision.with_context(lang="fr_FR")._credit_decision_message()
        self.assertIn("31/12/2031", message)

    # 20. the check stays cheap: a bounded number of queries over plain Odoo

    def test_confirmation_costs_few_queries_more_than_odoo(self):
        """The whole confirmation of an order, with its check, against Odoo's
        own (whose state write is marked as checked, so that the write guard
        does not check either)."""

        def plain(order):
            self.env.cr.cache.setdefault(CHECKED_KEY, set()).update(order.ids)
            return OdooSaleOrder.action_confirm(order)

        def count(confirm):
            order = self._order(qty=1, price=1.0)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            confirm(order)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        ours = type(self.env["sale.order"]).action_confirm
        count(plain)  # warm the caches
        count(ours)
        self._invoice(amount=10.0)
        odoo_queries, our_queries = count(plain), count(ours)
        self.assertLessEqual(
            our_queries - odoo_queries,
            4,
            f"plain Odoo {odoo_queries} queries, with the check {our_queries}",
        )


@tagged("post_install", "-at_install")
class TestCreditBypassRpc(HttpCase, CreditManagementCommon):
    """The same entry points through JSON-RPC, as an integration calls them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman.password = "credit_salesman"

    def _call(self, model, method, *args, **kwargs):
        """Call the ORM as an integration does; return (result, error data)."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        ).json()
        return response.get("result"), response.get("error", {}).get("data", {})

    def test_rpc_create_confirmed_order(self):
        self.authenticate("credit_salesman", "credit_salesman")
        line = Command.create({"product_id": self.product.id, "product_uom_qty": 20})
        __, error = self._call(
            "sale.order",
            "create",
            [{"partner_id": self.customer.id, "state": "sale", "order_line": [line]}],
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
        self.assertIn("would exceed its credit limit", error.get("message"))
        self.assertFalse(self.env["sale.order"].search([("partner_id", "=", self.customer.id)]))

    def test_rpc_forged_request(self):
        order = self._order(qty=20)
        self.authenticate("credit_salesman", "credit_salesman")
        __, error = self._call("credit.decision", "create", [{"order_id": order.id, "amount": 1.0}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertFalse(order.credit_decision_ids)

    def test_rpc_portal_reads_no_credit_data(self):
        portal = new_test_user(
            self.env,
            login="credit_portal_rpc",
            password="credit_portal_rpc",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )
        self.customer._credit_set_hold("Cheque returned unpaid")
        self.authenticate(portal.login, "credit_portal_rpc")
        __, error = self._call("res.partner", "read", [self.contact.id], ["credit_hold_reason"])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertNotIn("Cheque", json.dumps(error))


@tagged("post_install", "-at_install")
class TestCreditBypassConcurrency(TransactionCase):
    """Two salespeople confirm at the same moment for the same customer.

    Runs on committed data with cursors of its own (the test's transaction is
    not visible to other cursors), removed at the end.
    """

    def _run_in_new_cursor(self, func):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            return func(env)

    def test_two_confirmations_at_once(self):
        def setup(env):
            company = env.ref("base.main_company")
            previous = company.account_use_credit_limit
            company.account_use_credit_limit = True
            partner = env["res.partner"].create(
                {"name": "Concurrent SARL", "is_company": True, "credit_limit": 10000.0}
            )
            product = env["product.product"].create(
                {"name": "Concurrency test", "type": "service", "taxes_id": [Command.clear()]}
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "product_uom_qty": 1, "price_unit": 6000}
                            )
                        ],
                    }
                    for __ in range(2)
                ]
            )
            return previous, partner.id, product.id, orders.ids

        previous, partner_id, product_id, order_ids = self._run_in_new_cursor(setup)
        # the registry's own lock is held by the test runner: threads use this object
        registry = self.registry
        barrier = threading.Barrier(2, timeout=30)
        outcome = {}

        def confirm(order_id):
            try:
                _confirm(order_id)
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                outcome[order_id] = repr(error)

        def _confirm(order_id):
            for attempt in range(3):  # as Odoo's RPC layer, retry on serialization failures
                with registry.cursor() as cr:
                    # as Odoo's workers do, without asking the (locked) registry class
                    cr.transaction = Transaction(registry)
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    order = env["sale.order"].browse(order_id)
                    order.read(["state"])  # the transaction's snapshot is taken here
                    if attempt == 0:
                        barrier.wait()
                    try:
                        order.action_confirm()
                        env.flush_all()
                    except pg_errors.SerializationFailure:
                        cr.rollback()
                        continue
                    outcome[order_id] = order.state
                    # this thread's own cursor, not the test's: it ends as a request does
                    cr.commit()  # pylint: disable=invalid-commit
                    return

        threads = [threading.Thread(target=confirm, args=(order_id,)) for order_id in order_ids]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertEqual(sorted(outcome.values()), ["draft", "sale"], outcome)
        finally:

            def cleanup(env):
                orders = env["sale.order"].browse(order_ids)
                orders.credit_decision_ids.unlink()
                orders._action_cancel()
                orders.unlink()
                env["product.product"].browse(product_id).product_tmpl_id.unlink()
                env["res.partner"].browse(partner_id).unlink()
                env.ref("base.main_company").account_use_credit_limit = previous

            self._run_in_new_cursor(cleanup)
