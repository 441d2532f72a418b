# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Browser test of a solvency check, as a credit manager and a salesperson click it."""

from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

import requests

from odoo.tests import tagged
from odoo.tools import html2plaintext

from odoo.addons.credit_management.models import credit_solvency_provider

from .common import CreditTourCase

DATA = Path(__file__).parent / "data"
PROVIDER = "odoo.addons.credit_management.models.credit_solvency_provider.CreditSolvencyProvider"
REGISTRY_HOST = "recherche-entreprises.api.gouv.fr"
BODACC_HOST = "bodacc-datadila.opendatasoft.com"


def _response(name):
    """A real ``requests.Response`` with a recorded answer of a provider."""
    response = requests.Response()
    response.status_code = 200
    response._content = (DATA / name).read_bytes()
    response.encoding = "utf-8"
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


@tagged("post_install", "-at_install")
class TestCreditSolvencyTour(CreditTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # the hold is announced to the company's credit managers
        cls.company.write({"account_use_credit_limit": True, "credit_manager_user_id": False})
        # the company's own providers (data of the module), checked as shipped
        cls.providers = cls.env["credit.solvency.provider"].search(
            [("company_id", "=", cls.company.id)]
        )
        cls.salesperson = cls._tour_user(
            "solvency_tour_salesperson", "Sally Salesperson", "sales_team.group_sale_salesman"
        )
        cls.manager = cls._tour_user(
            "solvency_tour_manager",
            "Carl Creditmanager",
            "credit_management.group_credit_manager,account.group_account_invoice,"
            "base.group_partner_manager,sales_team.group_sale_salesman",
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Boulangerie du Quai",
                "is_company": True,
                "company_registry": "790 123 459",
                "country_id": cls.env.ref("base.fr").id,
                "customer_rank": 1,
                "user_id": cls.salesperson.id,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Bread oven", "type": "consu", "list_price": 4200.0, "taxes_id": False}
        )
        cls.order = cls._tour_quotation(cls.customer, cls.product, cls.salesperson, 4200.0)

    def setUp(self):
        super().setUp()
        # the providers' calls get recorded answers; the browser's own calls
        # (Chromium's DevTools, also made with requests.get) go through
        real_get = requests.get
        answers = {
            REGISTRY_HOST: "recherche_entreprises_not_found.json",
            BODACC_HOST: "bodacc_redressement_open.json",
        }
        self.calls = []

        def get(url, *args, **kwargs):
            host = urlsplit(url).hostname
            if host not in answers:
                return real_get(url, *args, **kwargs)
            self.calls.append({"host": host, "params": kwargs.get("params")})
            return _response(answers[host])

        for patcher in (
            patch.object(requests, "get", side_effect=get),
            patch(f"{PROVIDER}._solvency_sleep", autospec=True),
            patch.dict(credit_solvency_provider._LAST_CALL, clear=True),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_check_solvency_and_block_order(self):
        customer = self.customer.with_company(self.company)
        order = self.order
        self.assertEqual(
            sorted(self.providers.mapped("code")),
            ["fr_bodacc", "fr_registry"],
            "The company checks with the French registry and the BODACC.",
        )
        self.assertFalse(customer.solvency_rating)
        self.assertFalse(customer.credit_hold)

        # The credit manager checks the customer from its Credit tab.
        self.start_tour("/odoo", "credit_solvency_check_tour", login=self.manager.login)
        self.env.invalidate_all()
        self.assertEqual(
            sorted(call["host"] for call in self.calls),
            [BODACC_HOST, REGISTRY_HOST],
            "Each provider must be asked once.",
        )
        self.assertIn('registre like "790123459"', self.calls[-1]["params"]["where"])
        self.assertEqual(customer.solvency_rating, "insolvent")
        self.assertEqual(customer.solvency_source, "BODACC")
        self.assertTrue(customer.credit_hold)
        self.assertEqual(customer.credit_hold_origin, "insolvency")
        self.assertIn("redressement judiciaire", customer.credit_hold_reason)
        checks = customer.solvency_check_ids
        self.assertEqual(len(checks), 2, "One check per provider is kept on record.")
        bodacc_check = checks.filtered(lambda c: c.source == "BODACC")
        self.assertEqual(bodacc_check.state, "done")
        self.assertEqual(bodacc_check.trigger, "user")
        self.assertEqual(bodacc_check.user_id, self.manager)
        self.assertEqual(bodacc_check.rating, "insolvent")
        self.assertEqual(bodacc_check.proceeding, "Receivership (redressement judiciaire)")
        self.assertEqual(str(bodacc_check.proceeding_date), "2025-02-05")
        registry_check = checks - bodacc_check
        self.assertEqual(registry_check.state, "failed")
        self.assertIn("not found", registry_check.error)
        hold_messages = [
            message
            for message in customer.message_ids
            if "is on credit hold" in html2plaintext(message.body or "")
        ]
        self.assertEqual(len(hold_messages), 1, "The hold must be announced once.")
        self.assertIn(self.manager.partner_id, hold_messages[0].partner_ids)
        self.assertIn(self.salesperson.partner_id, hold_messages[0].partner_ids)

        # The salesperson tries to confirm the quotation: refused, it stays one.
        self.start_tour("/odoo/sales", "credit_solvency_order_tour", login=self.salesperson.login)
        self.env.invalidate_all()
        self.assertIn(order.state, ("draft", "sent"), "An insolvent customer's order is blocked.")
        self.assertEqual(order.credit_check_state, "blocked")
        self.assertIn("Boulangerie du Quai is on credit hold", order.credit_block_reason)
        self.assertIn("redressement judiciaire", order.credit_block_reason)
        self.assertFalse(order.credit_decision_ids, "Closing the dialog requests nothing.")
        self.assertTrue(
            any("is on credit hold" in body for body in self._messages(order)),
            "The block reason must be posted on the order.",
        )
        self.assertEqual(len(self.calls), 2, "Confirming an order never calls a provider.")
