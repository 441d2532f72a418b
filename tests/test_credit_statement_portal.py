# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The customer's statement page, through HTTP as the customer opens it."""

import json
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import CreditDunningCommon


class CreditStatementCommon(CreditDunningCommon):
    """A customer with two overdue invoices and one not due yet (due dates
    relative to today: the pages are requested without frozen time), another
    customer, and the customer's salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.customer.user_id = cls.salesman
        cls.invoice_late = cls._statement_invoice(cls.customer, 1000.0, -10)
        cls.invoice_later = cls._statement_invoice(cls.customer, 500.0, -40)
        cls.invoice_not_due = cls._statement_invoice(cls.customer, 300.0, 20)
        cls.invoice_other = cls._statement_invoice(cls.other, 700.0, -10)

    @classmethod
    def _statement_invoice(cls, partner, amount, days_due, company=None):
        company = company or cls.company
        invoice = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": cls.today + timedelta(days=days_due - 30),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        invoice.invoice_date_due = cls.today + timedelta(days=days_due)
        return invoice

    def _path(self, partner=None, token=None):
        partner = (partner or self.customer).with_company(self.company)
        url = partner._credit_statement_url()
        path = url[len(partner.get_base_url()) :]
        if token is not None:
            path = re.sub(r"access_token=[^&]*", f"access_token={token}", path)
        return path

    def _token(self, partner=None):
        partner = (partner or self.customer).with_company(self.company)
        partner._credit_statement_url()  # made on first use
        return partner.sudo().credit_statement_token

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        return response

    def _csrf(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _post(self, action, data, files=None):
        path = self._path()
        payload = {"csrf_token": self._csrf(path), "access_token": self._token(), **data}
        return self.url_open(
            f"/my/statement/{self.customer.id}/{action}",
            data=payload,
            files=files,
            allow_redirects=False,
        )


@tagged("post_install", "-at_install")
class TestCreditStatementLink(CreditStatementCommon, HttpCase):
    def test_signed_link_shows_the_customers_items_only(self):
        other_company = self.setup_other_company(name="Credit Other Company")["company"]
        elsewhere = self._statement_invoice(self.customer, 900.0, -10, company=other_company)
        response = self._get(self._path())
        self.assertEqual(response.status_code, 200)
        page = response.text
        for invoice in self.invoice_late | self.invoice_later | self.invoice_not_due:
            self.assertIn(f'data-move-name="{invoice.name}"', page)
        self.assertNotIn(self.invoice_other.name, page, "another customer's invoice")
        self.assertNotIn(f"/my/invoices/{elsewhere.id}?", page, "another company's invoice")
        self.assertNotIn(other_company.name, page)
        self.assertIn(self.company.name, page)
        # a contact's link is its company's page
        self.assertEqual(
            self.contact.with_company(self.company)._credit_statement_url(),
            self.customer.with_company(self.company)._credit_statement_url(),
        )
        # the other company's link shows the other company's items only
        url = self.customer.with_company(other_company)._credit_statement_url()
        page = self._get(url[url.index("/my/") :]).text
        self.assertIn(f"/my/invoices/{elsewhere.id}?", page)
        self.assertNotIn(f"/my/invoices/{self.invoice_late.id}?", page)
        # the statement PDF and each invoice's are offered
        self.assertIn(f"/my/statement/{self.customer.id}/pdf?access_token=", response.text)
        self.assertIn(f"/my/invoices/{self.invoice_late.id}?access_token=", response.text)
        pdf = self._get(f"/my/statement/{self.customer.id}/pdf?access_token={self._token()}")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn(self.invoice_late.name, pdf.text, "(HTML in test mode)")

    def test_wrong_old_or_borrowed_token_is_refused(self):
        path = self._path()
        token = self._token()
        self.assertEqual(self._get(path).status_code, 200)
        self.assertEqual(self._get(self._path(token="wrong")).status_code, 404)
        response = self._get(self._path(token=""))
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"], "log in first")
        # this customer's token does not open another customer's page
        borrowed = f"/my/statement/{self.other.id}?access_token={token}"
        self.assertEqual(self._get(borrowed).status_code, 404)
        self.assertEqual(self._get(f"/my/statement/999999?access_token={token}").status_code, 404)
        # nor its actions
        self.assertEqual(
            self._get(f"/my/statement/{self.other.id}/pdf?access_token={token}").status_code, 404
        )
        # a contact's id with its company's token shows the company's page
        contact_path = f"/my/statement/{self.contact.id}?access_token={token}"
        self.assertIn(self.invoice_late.name, self._get(contact_path).text)
        # renewed by a credit manager: the old link is dead
        self.customer.with_user(self.credit_manager).with_company(
            self.company
        ).action_credit_statement_renew_link()
        self.assertNotEqual(self._token(), token)
        self.assertEqual(self._get(path).status_code, 404)
        self.assertEqual(self._get(self._path()).status_code, 200)
        self.assertIn("former link no longer works", self.customer.message_ids[0].body)

    def test_renew_is_for_credit_managers(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.credit_controller).action_credit_statement_renew_link()

    def test_portal_user_sees_its_own_page(self):
        portal_user = self.env["res.users"].create(
            {
                "name": "Jeanne Dupont",
                "login": "credit_statement_portal",
                "password": "credit_statement_portal",
                "partner_id": self.contact.id,
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate(portal_user.login, portal_user.login)
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice_late.name, response.text)
        self.assertNotIn(self.invoice_other.name, response.text)
        # without a token, no other customer's page
        self.assertEqual(self._get(f"/my/statement/{self.other.id}").status_code, 404)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["credit_statement_count"]}
        )
        self.assertEqual(counters["credit_statement_count"], 3)
        home = self.url_open("/my").text
        self.assertIn('href="/my/statement"', home, "next to the invoices")


@tagged("post_install", "-at_install")
class TestCreditStatementActions(CreditStatementCommon, HttpCase):
    def test_promise_through_the_page(self):
        promised = self.today + timedelta(days=10)
        response = self._post(
            "promise",
            {
                "promise_date": promised.isoformat(),
                "move_ids": [self.invoice_late.id, self.invoice_later.id],
                "comment": "Transfer ordered on Monday",
            },
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("notice=promise", response.headers["Location"])
        invoices = self.invoice_late | self.invoice_later
        self.assertEqual(invoices.mapped("dunning_promise_date"), [promised, promised])
        self.assertFalse(self.invoice_not_due.dunning_promise_date)
        message = self.customer.message_ids[0]
        self.assertIn("Promise to pay by", message.body)
        self.assertIn("by the customer", message.body)
        self.assertIn("127.0.0.1", message.body)
        self.assertIn("Transfer ordered on Monday", message.body)
        self.assertEqual(message.author_id, self.customer)
        self.assertIn(self.salesman.partner_id, message.partner_ids, "the salesperson is told")
        self.assertIn(self.credit_manager.partner_id, message.partner_ids, "and the managers")
        action = self.env["credit.portal.action"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(action, [{"action": "promise", "ip_address": "127.0.0.1"}])
        page = self._get(self._path()).text
        self.assertEqual(page.count("o_credit_badge_promise"), 2)
        # the next runs: paused until the promised date, then reminded again
        reminded = self._run(self.today + timedelta(days=5)).line_ids.move_id
        self.assertFalse(reminded & invoices, "paused by the promise")
        reminded = self._run(promised + timedelta(days=1)).line_ids.move_id
        self.assertEqual(reminded & invoices, invoices, "broken promise: escalation resumes")

    def test_promise_refused(self):
        for data, error in (
            (
                {
                    "promise_date": (self.today + timedelta(days=31)).isoformat(),
                    "move_ids": [self.invoice_late.id],
                },
                "Choose a payment date between",
            ),
            (
                {"promise_date": "not a date", "move_ids": [self.invoice_late.id]},
                "Choose a payment date between",
            ),
            (
                {
                    "promise_date": (self.today + timedelta(days=3)).isoformat(),
                    "move_ids": [self.invoice_other.id],
                },
                "Choose the invoices",
            ),
        ):
            response = self._post("promise", data)
            self.assertEqual(response.status_code, 400)
            self.assertIn(error, response.text)
        self.assertFalse(
            any((self.invoice_late | self.invoice_other).mapped("dunning_promise_date"))
        )
        self.company.credit_portal_promise_days = 60
        response = self._post(
            "promise",
            {
                "promise_date": (self.today + timedelta(days=31)).isoformat(),
                "move_ids": [self.invoice_late.id],
            },
        )
        self.assertEqual(response.status_code, 303, "within the company's window")

    @mute_logger("odoo.http")
    def test_forms_need_the_csrf_token(self):
        data = {
            "access_token": self._token(),
            "promise_date": (self.today + timedelta(days=3)).isoformat(),
            "move_ids": [self.invoice_late.id],
        }
        response = self.url_open(
            f"/my/statement/{self.customer.id}/promise", data=data, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.invoice_late.dunning_promise_date)

    def test_dispute_through_the_page(self):
        reason = self.env.ref("credit_management.dispute_reason_amount")
        response = self._post(
            "dispute",
            {
                "move_id": self.invoice_late.id,
                "reason_id": reason.id,
                "message": "Ten units invoiced, eight delivered.",
            },
            files={"attachments": ("delivery_note.txt", b"8 units received", "text/plain")},
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("notice=dispute", response.headers["Location"])
        dispute = self.env["credit.dispute"].search([("move_id", "=", self.invoice_late.id)])
        self.assertRecordValues(
            dispute,
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "reason_id": reason.id,
                    "state": "open",
                    "origin": "portal",
                    "ip_address": "127.0.0.1",
                }
            ],
        )
        self.assertEqual(dispute.attachment_ids.mapped("name"), ["delivery_note.txt"])
        self.assertEqual(dispute.attachment_ids.raw, b"8 units received")
        self.assertTrue(self.invoice_late.dunning_disputed)
        self.assertEqual(self.invoice_late.dunning_dispute_reason, reason.name)
        activity = dispute.activity_ids
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("credit_management.mail_activity_credit_dispute"),
        )
        self.assertTrue(activity.user_id.has_group("credit_management.group_credit_user"))
        note = self.customer.message_ids[0]
        self.assertIn("disputed by the customer", note.body)
        self.assertIn("127.0.0.1", note.body)
        self.assertIn(self.salesman.partner_id, note.partner_ids)
        page = self._get(self._path()).text
        self.assertIn("Under review", page)
        self.assertIn("o_credit_badge_dispute", page)
        # still in the analytics: the customer's overdue amount counts it
        self.assertEqual(self._exposure()["overdue"], 1500.0)
        # the next run leaves it out, and reminds the other overdue invoice
        reminded = self._run(self.today + timedelta(days=1)).line_ids.move_id
        self.assertNotIn(self.invoice_late, reminded)
        self.assertIn(self.invoice_later, reminded)
        # twice the same invoice: refused while the first dispute is open
        again = self._post(
            "dispute",
            {"move_id": self.invoice_late.id, "reason_id": reason.id, "message": "Again"},
        )
        self.assertEqual(again.status_code, 400)
        self.assertIn("already disputed", again.text)
        # the collector resolves it: back into dunning, the customer sees how
        dispute = dispute.with_user(self.credit_controller)
        dispute.resolution = "Credit note for the two missing units."
        dispute.action_resolve()
        self.assertEqual(dispute.state, "resolved")
        self.assertFalse(self.invoice_late.dunning_disputed)
        self.assertFalse(dispute.activity_ids, "the activity is done")
        page = self._get(self._path()).text
        self.assertIn("Resolved", page)
        self.assertIn("Credit note for the two missing units.", page)
        reminded = self._run(self.today + timedelta(days=2)).line_ids.move_id
        self.assertIn(self.invoice_late, reminded, "reminded again")

    def test_dispute_refused(self):
        reason = self.env.ref("credit_management.dispute_reason_other")
        for data, error in (
            (
                {"move_id": self.invoice_other.id, "reason_id": reason.id, "message": "x"},
                "Choose the invoice",
            ),
            (
                {"move_id": self.invoice_late.id, "reason_id": "", "message": "x"},
                "Choose the reason",
            ),
            (
                {"move_id": self.invoice_late.id, "reason_id": reason.id, "message": " "},
                "what is wrong",
            ),
        ):
            response = self._post("dispute", data)
            self.assertEqual(response.status_code, 400, error)
            self.assertIn(error, response.text)
        self.assertFalse(self.env["credit.dispute"].search([]))
        self.assertFalse(self.invoice_other.dunning_disputed)

    def test_clearing_the_flag_settles_the_dispute(self):
        dispute = self.customer.with_company(self.company)._credit_portal_dispute(
            self.invoice_late,
            self.env.ref("credit_management.dispute_reason_paid"),
            "Paid by cheque",
            "10.0.0.1",
        )
        self.invoice_late.with_user(self.credit_manager).dunning_disputed = False
        self.assertEqual(dispute.state, "resolved")
        self.assertIn(self.credit_manager.name, dispute.resolution)

    def test_actions_are_rate_limited(self):
        Action = self.env.registry["credit.portal.action"]
        with patch.object(Action, "MAX_PER_CUSTOMER", 1):
            data = {
                "promise_date": (self.today + timedelta(days=3)).isoformat(),
                "move_ids": [self.invoice_late.id],
            }
            self.assertEqual(self._post("promise", data).status_code, 303)
            response = self._post("promise", data)
            self.assertEqual(response.status_code, 429)
            self.assertIn("Too many requests", response.text)
        with patch.object(Action, "MAX_PER_ADDRESS", 1):
            other = self.other.with_company(self.company)
            with self.assertRaisesRegex(UserError, "Too many requests"):
                other._credit_portal_promise(
                    self.invoice_other, self.today + timedelta(days=3), "127.0.0.1"
                )


@tagged("post_install", "-at_install")
class TestCreditStatementReminders(CreditStatementCommon):
    def test_every_reminder_email_carries_the_link(self):
        # the test levels' template does not show the link: it is added
        communications = self._run(self.today + timedelta(days=1))
        self.assertEqual(len(communications), 2)
        for communication in communications:
            url = communication.partner_id.with_company(self.company)._credit_statement_url()
            mail = self.env["mail.mail"].search(
                [("model", "=", communication._name), ("res_id", "=", communication.id)]
            )
            self.assertEqual(mail.body_html.count(url), 1, communication.partner_id.name)
            self.assertIn("View and pay online", mail.body_html)
        # the default templates show it themselves, in French as in English
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["credit_management"], ["fr_FR"])
        self.other.lang = "fr_FR"
        template = self.env.ref("credit_management.mail_template_dunning_friendly")
        (self.level_friendly | self.level_call | self.level_notice).mail_template_id = template
        communications = self._run(self.today + timedelta(days=31))
        for communication in communications:
            url = communication.partner_id.with_company(self.company)._credit_statement_url()
            mail = self.env["mail.mail"].search(
                [("model", "=", communication._name), ("res_id", "=", communication.id)]
            )
            self.assertEqual(mail.body_html.count(url), 1, "shown once: not added again")
            label = (
                "Consulter et payer en ligne"
                if communication.partner_id == self.other
                else ("View and pay online")
            )
            self.assertIn(label, mail.body_html)

    def test_letter_carries_the_link_as_a_qr_code(self):
        communication = self._run(self.today + timedelta(days=1)).filtered(
            lambda c: c.partner_id == self.customer
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("credit_management.report_dunning_letter", communication.ids)[0]
            .decode()
        )
        url = self.customer.with_company(self.company)._credit_statement_url()
        self.assertIn(url, html)
        self.assertIn('src="data:image/png;base64,', html, "the QR code")

    def test_links_made_in_one_statement_per_company(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Statement {index}", "is_company": True} for index in range(20)]
        )
        partners = partners.with_company(self.company)
        before = self.env.cr.sql_log_count
        partners._credit_statement_ensure_tokens()
        self.assertLessEqual(self.env.cr.sql_log_count - before, 3)
        tokens = {partner.sudo().credit_statement_token for partner in partners}
        self.assertEqual(len(tokens), 20)
        self.assertNotIn(False, tokens)
        # the links exist: nothing changes
        partners._credit_statement_ensure_tokens()
        self.assertEqual({partner.sudo().credit_statement_token for partner in partners}, tokens)


@tagged("post_install", "-at_install")
class TestCreditStatementPayment(CreditStatementCommon, HttpCase):
    @mute_logger("odoo.http")
    def _jsonrpc_error(self, route, params):
        """The message of the error a JSON-RPC call answers."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["error"]["data"]["message"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = (
            cls.env["payment.provider"]
            .sudo()
            .search([("code", "=", "demo")], limit=1)
            .copy({"company_id": cls.company.id, "name": "Demo (credit tests)"})
        )
        cls.provider.write({"state": "test", "is_published": True})
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")

    def test_online_payment_reconciles_and_lifts_the_suspension(self):
        self.customer.with_company(self.company)._credit_set_hold(
            "Suspended by dunning", origin="dunning"
        )
        page = self._get(self._path()).text
        self.assertIn("o_credit_pay_overdue", page)
        self.assertIn(
            self.invoice_late.with_company(self.company)
            .get_portal_url(anchor="portal_pay", query_string="&payment=True")
            .replace("&", "&amp;"),
            page,
            "each invoice is paid through Odoo's own invoice payment",
        )
        currency = self.company.currency_id
        pay_path = (
            f"/my/statement/{self.customer.id}/pay/{currency.id}?access_token={self._token()}"
        )
        pay_page = self._get(pay_path)
        self.assertEqual(pay_page.status_code, 200)
        self.assertIn("o_payment_form", pay_page.text)
        self.assertIn(f'data-provider-id="{self.provider.id}"', pay_page.text)
        processing = self.make_jsonrpc_request(
            f"/my/statement/{self.customer.id}/transaction/{currency.id}",
            {
                "access_token": self._token(),
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": 1500.0,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": self._path(),
                "is_validation": False,
            },
        )
        tx = self.env["payment.transaction"].search([("reference", "=", processing["reference"])])
        self.assertEqual(tx.invoice_ids, self.invoice_late | self.invoice_later, "overdue ones")
        self.assertEqual(tx.amount, 1500.0)
        self.assertIn("Online payment of", self.customer.message_ids[0].body)
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        status = self.make_jsonrpc_request("/payment/status/poll")
        self.assertEqual(status["state"], "done")
        self.assertIn(f"/my/statement/{self.customer.id}", status["landing_route"])
        self.assertTrue(tx.payment_id)
        self.assertIn(
            (self.invoice_late | self.invoice_later).mapped("payment_state"),
            (["paid", "paid"], ["in_payment", "in_payment"]),
        )
        customer = self.customer.with_company(self.company)
        customer.invalidate_recordset()
        self.assertFalse(customer.credit_hold, "the suspension is lifted")
        self.assertEqual(self.invoice_not_due.payment_state, "not_paid")

    def test_amount_or_token_tampering_refused(self):
        currency = self.company.currency_id
        params = {
            "access_token": self._token(),
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method.id,
            "token_id": None,
            "amount": 1.0,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": self._path(),
            "is_validation": False,
        }
        route = f"/my/statement/{self.customer.id}/transaction/{currency.id}"
        self.assertIn("amount due has changed", self._jsonrpc_error(route, params))
        self.assertIn(
            "access token is invalid",
            self._jsonrpc_error(route, dict(params, amount=1500.0, access_token="wrong")),
        )
        self.assertIn(
            "not available",
            self._jsonrpc_error(route, dict(params, amount=1500.0, provider_id=0)),
        )
        self.assertFalse(
            self.env["payment.transaction"].search([("invoice_ids", "in", self.invoice_late.ids)])
        )


@tagged("post_install", "-at_install")
class TestCreditStatementTour(CreditStatementCommon, HttpCase):
    def test_customer_tour(self):
        self.start_tour(self._path(), "credit_statement_tour", login=None)
        self.assertTrue(self.invoice_late.dunning_promise_date)
        self.assertTrue(self.invoice_later.dunning_promise_date)
        dispute = self.env["credit.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(dispute.move_id, self.invoice_not_due)
        self.assertEqual(dispute.message, "The quantities do not match the delivery note.")
