# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
from pathlib import Path
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.credit_management.models import credit_solvency_provider
from odoo.addons.credit_management.models.credit_solvency_provider import SolvencyFetchError

from .common import CreditManagementCommon

DATA = Path(__file__).parent / "data"
GET = "odoo.addons.credit_management.tools.http.requests.get"
PROVIDER = "odoo.addons.credit_management.models.credit_solvency_provider.CreditSolvencyProvider"


def _payload(name):
    return (DATA / name).read_text(encoding="utf-8")


def _response(status=200, text="", headers=None):
    """A real ``requests.Response`` as the network would give it."""
    response = requests.Response()
    response.status_code = status
    response._content = text.encode("utf-8")
    response.encoding = "utf-8"
    response.headers.update({"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    return response


class CreditSolvencyProviderCommon(CreditManagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Provider = cls.env["credit.solvency.provider"]
        Provider.search([("company_id", "=", cls.company.id)]).active = False
        cls.registry_provider = Provider.create(
            {
                "name": "Company registry",
                "code": "fr_registry",
                "sequence": 1,
                "company_id": cls.company.id,
                "timeout": 5.0,
                "max_retries": 2,
            }
        )
        cls.bodacc_provider = Provider.create(
            {
                "name": "BODACC",
                "code": "fr_bodacc",
                "sequence": 2,
                "company_id": cls.company.id,
                "timeout": 5.0,
                "max_retries": 2,
            }
        )
        cls.customer.write(
            {"company_registry": "812 345 676", "country_id": cls.env.ref("base.fr").id}
        )
        cls.customer.with_company(cls.company).user_id = cls.salesman

    def setUp(self):
        super().setUp()
        # no test may reach the network: anything not mocked below fails loudly
        guard = patch.object(
            requests.Session, "request", side_effect=AssertionError("network call in a test")
        )
        guard.start()
        self.addCleanup(guard.stop)
        sleep = patch(f"{PROVIDER}._solvency_sleep", autospec=True)
        self.sleep = sleep.start()
        self.addCleanup(sleep.stop)
        patch.dict(credit_solvency_provider._LAST_CALL, clear=True).start()
        self.addCleanup(patch.stopall)

    def _routes(self, registry=(), bodacc=()):
        """Mock ``requests.get``: each source answers its responses in turn."""
        queues = {
            "recherche-entreprises.api.gouv.fr": list(registry),
            "bodacc-datadila.opendatasoft.com": list(bodacc),
        }
        self.calls = []

        def get(url, params=None, headers=None, timeout=None):
            self.calls.append(
                {"url": url, "params": params, "headers": headers, "timeout": timeout}
            )
            host = url.split("/")[2]
            answer = queues[host].pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        return patch(GET, side_effect=get)

    def _check(self, partner=None, registry=(), bodacc=()):
        with self._routes(registry, bodacc):
            return self.env["credit.solvency.provider"]._solvency_check_partners(
                partner or self.customer, trigger="user", companies=self.company
            )

    def _held(self, partner=None):
        return (partner or self.customer).with_company(self.company).credit_hold


@tagged("post_install", "-at_install")
class TestCreditSolvencyProviderChecks(CreditSolvencyProviderCommon):
    def test_active_company(self):
        checks = self._check(
            registry=[_response(text=_payload("recherche_entreprises_active.json"))],
            bodacc=[_response(text=_payload("bodacc_none.json"))],
        )
        self.assertEqual(checks.mapped("state"), ["done", "done"])
        registry_check = checks.filtered(lambda c: c.provider_id == self.registry_provider)
        self.assertEqual(registry_check.company_status, "active")
        summary = registry_check.summary
        for fact in ("ATELIER MOREAU", "812345676", "03/02/2015", "SAS (5710)", "10-19"):
            self.assertIn(fact, summary)
        self.assertIn("Revenue 2023", summary, "the latest published year is shown")
        self.assertIn("Net result 2023", summary)
        self.assertNotIn("2022", summary.split("Revenue")[1])
        self.assertEqual(
            registry_check.sudo().payload, _payload("recherche_entreprises_active.json")
        )
        bodacc_check = checks - registry_check
        self.assertIn("No open collective proceeding", bodacc_check.summary)
        self.assertEqual(self.customer.solvency_company_status, "active")
        self.assertFalse(self.customer.solvency_rating, "the registry gives no rating")
        self.assertFalse(self._held())
        # the requests: a direct search by SIREN, small answers, timeout, user agent
        registry_call, bodacc_call = self.calls
        self.assertEqual(
            registry_call["params"],
            {"q": "812345676", "minimal": "true", "include": "finances", "per_page": 1},
        )
        self.assertEqual(registry_call["timeout"], 5.0)
        self.assertIn("credit_management", registry_call["headers"]["User-Agent"])
        self.assertTrue(bodacc_call["url"].endswith("/annonces-commerciales/records"))
        self.assertEqual(
            bodacc_call["params"]["where"],
            'registre like "812345676" and familleavis="collective"',
        )
        self.assertLessEqual(bodacc_call["params"]["limit"], 100)
        self.assertIn("jugement", bodacc_call["params"]["select"])

    def test_ceased_company_put_on_hold(self):
        self.customer.company_registry = "52345678800017"  # a SIRET: SIREN 523456788
        self._check(
            registry=[_response(text=_payload("recherche_entreprises_ceased.json"))],
            bodacc=[_response(text=_payload("bodacc_none.json"))],
        )
        self.assertEqual(self.calls[0]["params"]["q"], "523456788")
        self.assertEqual(self.customer.solvency_company_status, "ceased")
        customer = self.customer.with_company(self.company)
        self.assertTrue(customer.credit_hold)
        self.assertEqual(customer.credit_hold_origin, "insolvency")
        order = self._order()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_bodacc_open_proceeding_holds_and_blocks(self):
        self.customer.company_registry = "790123459"
        order = self._order()
        checks = self._check(
            registry=[_response(text=_payload("recherche_entreprises_not_found.json"))],
            bodacc=[_response(text=_payload("bodacc_redressement_open.json"))],
        )
        bodacc_check = checks.filtered(lambda c: c.provider_id == self.bodacc_provider)
        self.assertEqual(bodacc_check.state, "done")
        self.assertEqual(bodacc_check.proceeding, "Receivership (redressement judiciaire)")
        self.assertEqual(str(bodacc_check.proceeding_date), "2025-02-05")
        self.assertEqual(bodacc_check.rating, "insolvent")
        self.assertIn("Tribunal de Commerce de Lyon", bodacc_check.summary)
        self.assertEqual(self.customer.solvency_rating, "insolvent")
        customer = self.customer.with_company(self.company)
        self.assertTrue(customer.credit_hold)
        self.assertEqual(customer.credit_hold_origin, "insolvency")
        self.assertIn("redressement judiciaire", customer.credit_hold_reason)
        notified = self.customer.message_ids.filtered(
            lambda m: "is on credit hold" in (m.body or "")
        ).partner_ids
        self.assertIn(self.credit_manager.partner_id, notified)
        self.assertIn(self.salesman.partner_id, notified)
        # the registry did not know the SIREN: a failed check, nothing else
        registry_check = checks - bodacc_check
        self.assertEqual(registry_check.state, "failed")
        self.assertIn("not found", registry_check.error)
        # the salesperson's confirmation is refused
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_bodacc_closed_proceeding_no_hold(self):
        self.customer.company_registry = "432198760"
        checks = self._check(
            registry=[_response(text=_payload("recherche_entreprises_active.json"))],
            bodacc=[_response(text=_payload("bodacc_sauvegarde_closed.json"))],
        )
        bodacc_check = checks.filtered(lambda c: c.provider_id == self.bodacc_provider)
        # the registry answer is about another SIREN: refused, not trusted
        self.assertEqual((checks - bodacc_check).state, "failed")
        self.assertEqual(bodacc_check.state, "done")
        self.assertFalse(bodacc_check.proceeding)
        self.assertFalse(bodacc_check.rating)
        self.assertIn("No open collective proceeding", bodacc_check.summary)
        self.assertIn("plan de sauvegarde", bodacc_check.summary)
        self.assertFalse(self.customer.solvency_rating)
        self.assertFalse(self._held())
        order = self._order()
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_open_proceeding_rule(self):
        Provider = self.env["credit.solvency.provider"]

        def notice(nature, date, famille="", typeavis="annonce"):
            record = {
                "id": f"A{date}",
                "dateparution": date,
                "typeavis": typeavis,
                "registre": ["812345676"],
                "tribunal": "TC",
                "jugement": json.dumps({"famille": famille, "nature": nature, "date": date}),
            }
            return Provider._solvency_bodacc_notice(record, None)

        def open_kind(*notices):
            proceeding = Provider._solvency_bodacc_open_proceeding(list(notices))[0]
            return proceeding and proceeding["kind"]

        opening_rj = notice(
            "Jugement d'ouverture d'une procédure de redressement judiciaire", "2024-01-10"
        )
        self.assertEqual(open_kind(opening_rj), "receivership")
        plan = notice("Jugement arrêtant le plan de redressement", "2024-09-10")
        self.assertIsNone(open_kind(opening_rj, plan), "a continuation plan ends it")
        resolution = notice(
            "Jugement prononçant la résolution du plan de redressement et la liquidation "
            "judiciaire",
            "2025-03-01",
        )
        self.assertEqual(open_kind(resolution, opening_rj, plan), "liquidation")
        conversion = notice("Jugement de conversion en liquidation judiciaire", "2024-05-02")
        self.assertEqual(open_kind(opening_rj, conversion), "liquidation")
        disposal = notice("Jugement arrêtant le plan de cession", "2024-07-01")
        self.assertEqual(open_kind(opening_rj, conversion, disposal), "liquidation")
        closing = notice(
            "Jugement de clôture pour insuffisance d'actif", "2024-12-01", "Jugement de clôture"
        )
        self.assertIsNone(open_kind(opening_rj, conversion, closing))
        extinction = notice("Jugement de clôture pour extinction du passif", "2024-12-01")
        self.assertIsNone(open_kind(opening_rj, extinction))
        safeguard = notice("Jugement d'ouverture d'une procédure de sauvegarde", "2024-01-10")
        self.assertEqual(open_kind(safeguard), "safeguard")
        claims = notice("Dépôt de l'état des créances", "2024-03-01", "Avis de dépôt")
        self.assertIsNone(open_kind(claims), "a filing opens nothing")
        cancelled = notice(
            "Jugement d'ouverture de liquidation judiciaire", "2024-01-10", typeavis="annulation"
        )
        self.assertIsNone(open_kind(cancelled))


@tagged("post_install", "-at_install")
class TestCreditSolvencyProviderErrors(CreditSolvencyProviderCommon):
    def _assert_nothing_changed(self):
        self.assertFalse(self.customer.solvency_date)
        self.assertFalse(self.customer.solvency_company_status)
        self.assertFalse(self.customer.solvency_rating)
        self.assertFalse(self._held())

    def test_timeout(self):
        self.bodacc_provider.active = False
        checks = self._check(registry=[requests.ReadTimeout("read timed out")] * 3)
        self.assertEqual(checks.state, "failed")
        self.assertIn("no answer within 5 seconds", checks.error)
        self.assertIn("after 3 attempts", checks.error)
        self.assertEqual(len(self.calls), 3, "max_retries = 2: three attempts")
        self.assertEqual([call.args[1] for call in self.sleep.call_args_list], [1.0, 2.0])
        self._assert_nothing_changed()

    def test_connection_error_bodacc(self):
        self.customer.company_registry = "790123459"
        checks = self._check(
            registry=[_response(text=_payload("recherche_entreprises_not_found.json"))],
            bodacc=[requests.ConnectionError("Name or service not known")] * 3,
        )
        self.assertEqual(checks.mapped("state"), ["failed", "failed"])
        self.assertIn("could not connect to bodacc-datadila.opendatasoft.com", checks[1].error)
        self._assert_nothing_changed()

    def test_server_error_then_success(self):
        self.bodacc_provider.active = False
        checks = self._check(
            registry=[
                _response(500, '{"erreur": "Internal Server Error"}'),
                _response(text=_payload("recherche_entreprises_active.json")),
            ]
        )
        self.assertEqual(checks.state, "done")
        self.assertEqual(len(self.calls), 2)
        self.assertEqual([call.args[1] for call in self.sleep.call_args_list], [1.0])
        self.assertEqual(self.customer.solvency_company_status, "active")

    def test_rate_limit_retry_after(self):
        self.bodacc_provider.active = False
        checks = self._check(
            registry=[
                _response(429, '{"erreur": "Too Many Requests"}', {"Retry-After": "7"}),
                _response(text=_payload("recherche_entreprises_active.json")),
            ]
        )
        self.assertEqual(checks.state, "done")
        self.assertEqual([call.args[1] for call in self.sleep.call_args_list], [7.0])

    def test_rate_limit_too_long_stops_the_run(self):
        self.registry_provider.active = False
        other = self.env["res.partner"].create(
            {"name": "Other SAS", "is_company": True, "vat": "FR13790123459"}
        )
        checks = self._check(
            partner=self.customer | other,
            bodacc=[_response(429, '{"error_code": "TooManyRequests"}', {"Retry-After": "3600"})],
        )
        self.assertEqual(checks.mapped("state"), ["failed", "failed"])
        self.assertEqual(len(self.calls), 1, "a provider asking for an hour is not called again")
        self.assertFalse(self.sleep.called)
        self.assertIn("3600", checks[0].error)

    def test_client_error_not_retried(self):
        self.bodacc_provider.active = False
        checks = self._check(
            registry=[_response(400, '{"erreur": "Veuillez indiquer au moins un paramètre."}')]
        )
        self.assertEqual(checks.state, "failed")
        self.assertIn("HTTP 400", checks.error)
        self.assertEqual(len(self.calls), 1)
        self.assertIn("Veuillez indiquer", checks.sudo().payload)
        self._assert_nothing_changed()

    def test_malformed_answers(self):
        self.customer.company_registry = "790123459"
        broken_judgment = json.loads(_payload("bodacc_redressement_open.json"))
        broken_judgment["results"][1]["jugement"] = '{"nature": "Jugement d\'ouverture'
        checks = self._check(
            registry=[_response(text="<html>Bad gateway</html>")],
            bodacc=[_response(text=json.dumps(broken_judgment))],
        )
        self.assertEqual(checks.mapped("state"), ["failed", "failed"])
        self.assertIn("not valid JSON", checks[0].error)
        self.assertIn("A202500298765", checks[1].error)
        self._assert_nothing_changed()
        checks = self._check(
            registry=[_response(text='{"results": [{"siren": "790123459"}]}')],
            bodacc=[_response(text='{"total_count": 1, "records": []}')],
        )
        self.assertEqual(checks.mapped("state"), ["failed", "failed"])
        self.assertIn("unexpected answer", checks[0].error)
        self.assertIn("unexpected answer", checks[1].error)
        self._assert_nothing_changed()

    def test_no_siren(self):
        self.customer.company_registry = False
        checks = self._check()
        self.assertEqual(checks.mapped("state"), ["failed", "failed"])
        self.assertIn("No SIREN", checks[0].error)
        self.assertFalse(self.calls)
        self._assert_nothing_changed()

    def test_siren_sources(self):
        Provider = self.env["credit.solvency.provider"]
        partner = self.env["res.partner"].create({"name": "Roux", "is_company": True})
        partner.company_registry = "432 198 760 00024"
        self.assertEqual(Provider._solvency_siren(partner), "432198760", "SIRET")
        self.assertEqual(Provider._solvency_siren(self.contact), "812345676", "from the company")
        partner.write({"company_registry": False, "vat": "FR 13 790123459"})
        self.assertEqual(Provider._solvency_siren(partner), "790123459", "VAT")
        partner.vat = "FR14790123459"  # wrong VAT key
        with self.assertRaisesRegex(SolvencyFetchError, "Invalid SIREN"):
            Provider._solvency_siren(partner)
        partner.write({"vat": False, "company_registry": "790123458"})  # wrong Luhn digit
        with self.assertRaisesRegex(SolvencyFetchError, "Invalid SIREN"):
            Provider._solvency_siren(partner)
        # a valid-looking number of a Belgian company is not a SIREN
        partner.write({"company_registry": "790123459", "country_id": self.env.ref("base.be").id})
        with self.assertRaisesRegex(SolvencyFetchError, "No SIREN"):
            Provider._solvency_siren(partner)

    def test_siren_needs_ascii_digits(self):
        """Full-width and other non-ASCII digits never pass as a SIREN, even when
        their Luhn digit would be right (552100554 is valid)."""
        Provider = self.env["credit.solvency.provider"]
        partner = self.env["res.partner"].create(
            {"name": "Roux", "is_company": True, "country_id": self.env.ref("base.fr").id}
        )
        for registry in (
            "５５２１００５５４",  # full-width
            "５５２ １００ ５５４ ０００１７",  # a full-width SIRET
            "\u0665\u0665\u0662\u0661\u0660\u0660\u0665\u0665\u0664",  # Arabic-Indic
            "55210055\u2074",  # superscript four
        ):
            partner.company_registry = registry
            with self.assertRaisesRegex(SolvencyFetchError, "digits 0-9", msg=registry):
                Provider._solvency_siren(partner)
        partner.write({"company_registry": False, "vat": "FR96\uff15\uff15\uff12100554"})
        with self.assertRaisesRegex(SolvencyFetchError, "digits 0-9"):
            Provider._solvency_siren(partner)
        partner.vat = "FR 96 552 100 554"
        self.assertEqual(Provider._solvency_siren(partner), "552100554")
        # the check is recorded as failed without calling anybody
        partner.write({"vat": False, "company_registry": "\uff15" * 9})
        checks = self._check(partner=partner)
        self.assertEqual(checks.mapped("state"), ["failed", "failed"])
        self.assertIn("digits 0-9", checks[0].error)
        self.assertFalse(self.calls)


@tagged("post_install", "-at_install")
class TestCreditSolvencyProviderReview(CreditSolvencyProviderCommon):
    """The periodic review with the real providers (the network mocked)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only this company's providers: other companies may have customers too
        cls.env["credit.solvency.provider"].search(
            [("company_id", "!=", cls.company.id)]
        ).active = False
        (cls.registry_provider | cls.bodacc_provider).write(
            {"max_retries": 0, "failure_threshold": 3}
        )
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Customer {index}",
                    "is_company": True,
                    "company_registry": "812345676",
                    "country_id": cls.env.ref("base.fr").id,
                }
                for index in range(8)
            ]
        )
        for customer in cls.customers:
            cls._order(partner=customer)  # a customer of the company: reviewed

    def _review(self, registry=(), bodacc=(), **kwargs):
        with self._routes(registry, bodacc):
            self.env["res.partner"]._cron_solvency_review(**kwargs)
        return self.env["credit.solvency.check"].search([("partner_id", "in", self.customers.ids)])

    def test_circuit_breaker_stops_a_provider_that_does_not_answer(self):
        down = [requests.ConnectTimeout("connect timed out")] * 50
        with self.assertLogs("odoo.addons.credit_management", "WARNING") as logs:
            checks = self._review(registry=down, bodacc=down, batch_size=2)
        self.assertEqual(len(self.calls), 6, "each provider stops after 3 failures in a row")
        self.assertEqual(len(checks), 6)
        self.assertEqual(set(checks.mapped("state")), {"failed"})
        self.assertEqual(checks.partner_id, self.customers[:3])
        self.assertIn("paused for the rest of the run after 3 consecutive", logs.output[0])
        self.assertIn(f"review of {self.company.name} stopped", logs.output[-1])
        for provider in self.registry_provider | self.bodacc_provider:
            self.assertTrue(provider.pause_date)
            self.assertIn("3 consecutive network failures", provider.pause_reason)
            self.assertIn("no answer within 5 seconds", provider.pause_reason)
        self.assertFalse(any(self.customers.mapped("solvency_date")), "nothing else changed")
        # the next run tries again
        with self.assertLogs("odoo.addons.credit_management", "WARNING"):
            checks = self._review(registry=down, bodacc=down, batch_size=2)
        self.assertEqual(len(self.calls), 6)
        self.assertEqual(len(checks), 12)

    def test_circuit_breaker_counts_consecutive_failures_only(self):
        self.bodacc_provider.active = False
        answer = _payload("recherche_entreprises_active.json")
        registry = []
        for __ in range(5):
            registry += [
                requests.ConnectionError("reset"),
                _response(500, "{}"),
                _response(text=answer),
            ]
        checks = self._review(registry=registry)
        self.assertEqual(len(self.calls), 8, "never 3 failures in a row: all checked")
        self.assertEqual(checks.mapped("state").count("done"), 2)
        self.assertFalse(self.registry_provider.pause_date)

    def test_circuit_breaker_of_one_provider_leaves_the_other(self):
        self.bodacc_provider.failure_threshold = 5
        down = [requests.ConnectTimeout("connect timed out")] * 50
        bodacc = [_response(text=_payload("bodacc_none.json")) for __ in range(8)]
        with self.assertLogs("odoo.addons.credit_management", "WARNING") as logs:
            checks = self._review(registry=down, bodacc=bodacc)
        self.assertEqual(len(logs.output), 1, "the review goes on with BODACC")
        registry_checks = checks.filtered(lambda c: c.provider_id == self.registry_provider)
        self.assertEqual(len(registry_checks), 3)
        bodacc_checks = checks - registry_checks
        self.assertEqual(len(bodacc_checks), 8)
        self.assertEqual(set(bodacc_checks.mapped("state")), {"done"})

    def test_failure_threshold_settings(self):
        provider = self.env["credit.solvency.provider"].create(
            {"name": "Registry", "code": "fr_registry", "company_id": self.company.id}
        )
        self.assertEqual(provider.failure_threshold, 5)
        with self.assertRaises(ValidationError):
            provider.failure_threshold = 0


@tagged("post_install", "-at_install")
class TestCreditSolvencyProviderRequests(CreditSolvencyProviderCommon):
    """The "Check Solvency" button: a few customers at once within a time
    budget, more of them queued for the review."""

    def _new_customers(self, count):
        return self.env["res.partner"].create(
            [
                {
                    "name": f"Queued {index}",
                    "is_company": True,
                    "company_registry": "812345676",
                    "country_id": self.env.ref("base.fr").id,
                }
                for index in range(count)
            ]
        )

    def test_many_customers_are_queued_for_the_review(self):
        self.env["credit.solvency.provider"].search(
            [("company_id", "!=", self.company.id)]
        ).active = False
        partners = self._new_customers(6)
        with self._routes():
            action = partners.with_user(self.credit_manager).action_solvency_check()
        self.assertFalse(self.calls, "no provider is called in the request")
        self.assertIn("6 customers", action["params"]["message"])
        self.assertEqual(action["params"]["type"], "info")
        Request = self.env["credit.solvency.request"]
        queued = Request.search([("partner_id", "in", partners.ids)])
        self.assertEqual(queued.partner_id, partners)
        self.assertEqual(set(queued.mapped("user_id")), {self.credit_manager})
        cron = self.env.ref("credit_management.ir_cron_solvency_review")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        # asking again does not queue them twice
        with self._routes():
            partners.with_user(self.credit_manager).action_solvency_check()
        self.assertEqual(len(Request.search([("partner_id", "in", partners.ids)])), 6)

        sent = []

        def bus_send(users, notification_type, message, **kw):
            if notification_type == "simple_notification":
                sent.append((users, message))

        answers = _payload("recherche_entreprises_active.json")
        with (
            self._routes(
                registry=[_response(text=answers) for __ in range(6)],
                bodacc=[_response(text=_payload("bodacc_none.json")) for __ in range(6)],
            ),
            patch.object(type(self.env["res.users"]), "_bus_send", bus_send),
        ):
            self.env["res.partner"]._cron_solvency_review()
        checks = self.env["credit.solvency.check"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(len(checks), 12)
        self.assertEqual(set(checks.mapped("state")), {"done"})
        self.assertEqual(set(checks.mapped("trigger")), {"user"})
        self.assertEqual(set(checks.mapped("user_id")), {self.credit_manager})
        self.assertFalse(Request.search([("partner_id", "in", partners.ids)]))
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0][0], self.credit_manager)
        self.assertIn("6 customer(s) checked", sent[0][1]["message"])

    def test_a_few_customers_are_checked_at_once(self):
        partners = self._new_customers(2)
        answers = _payload("recherche_entreprises_active.json")
        with self._routes(
            registry=[_response(text=answers) for __ in range(2)],
            bodacc=[_response(text=_payload("bodacc_none.json")) for __ in range(2)],
        ):
            action = partners.with_user(self.credit_manager).action_solvency_check()
        self.assertEqual(len(self.calls), 4)
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(self.env["credit.solvency.request"].search([]))

    def test_checked_at_once_within_a_time_budget(self):
        """A provider that does not answer cannot hold the request longer than
        the budget: timeouts are shortened, retries dropped, and what is left
        is queued for the review."""
        clock = [0.0]

        def advance(__, seconds):
            clock[0] += seconds

        def get(url, params=None, headers=None, timeout=None):
            self.calls.append({"url": url, "timeout": timeout})
            clock[0] += timeout
            raise requests.ReadTimeout("read timed out")

        self.calls = []
        self.sleep.side_effect = advance
        with (
            patch(f"{PROVIDER}._solvency_clock", autospec=True, side_effect=lambda __: clock[0]),
            patch(GET, side_effect=get),
        ):
            action = self.customer.with_user(self.credit_manager).action_solvency_check()
        self.assertEqual([call["timeout"] for call in self.calls], [5.0, 5.0, 2.0])
        self.assertEqual(clock[0], 15.0, "the budget of a request")
        self.assertTrue(all("recherche-entreprises" in call["url"] for call in self.calls))
        check = self.customer.sudo().solvency_check_ids
        self.assertEqual(check.state, "failed")
        self.assertEqual(check.provider_id, self.registry_provider)
        message = action["params"]["message"]
        self.assertIn("Failed: Dupont SARL", message)
        self.assertIn("checked in the background: Dupont SARL", message)
        queued = self.env["credit.solvency.request"].search([])
        self.assertEqual(queued.partner_id, self.customer)


@tagged("post_install", "-at_install")
class TestCreditSolvencyProviderAccess(CreditSolvencyProviderCommon):
    def test_salesperson_cannot_check(self):
        with self.assertRaises(AccessError), self._routes():
            self.customer.with_user(self.salesman).action_solvency_check()
        with self.assertRaises(AccessError), self._routes():
            self.customer.with_user(self.credit_controller).action_solvency_check()
        self.assertFalse(self.calls)
        self.assertFalse(self.customer.solvency_check_ids)

    def test_credit_manager_checks(self):
        with self._routes(
            registry=[_response(text=_payload("recherche_entreprises_active.json"))],
            bodacc=[requests.ConnectTimeout("connect timed out")] * 3,
        ):
            action = self.contact.with_user(self.credit_manager).action_solvency_check()
        self.assertEqual(action["tag"], "display_notification")
        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Checked: Dupont SARL (Company registry)", params["message"])
        self.assertIn("Failed: Dupont SARL: BODACC: no answer within 5 seconds", params["message"])
        checks = self.customer.sudo().solvency_check_ids
        self.assertEqual(sorted(checks.mapped("state")), ["done", "failed"])
        self.assertEqual(set(checks.mapped("user_id")), {self.credit_manager})
        self.assertEqual(set(checks.mapped("trigger")), {"user"})

    def test_default_providers(self):
        providers = self.env.ref("credit_management.solvency_provider_main_fr_registry") | (
            self.env.ref("credit_management.solvency_provider_main_fr_bodacc")
        )
        providers = providers.sudo()  # the test user works in another company
        self.assertEqual(providers.mapped("code"), ["fr_registry", "fr_bodacc"])
        self.assertEqual(providers.company_id, self.env.ref("base.main_company"))
        self.assertTrue(all(providers.mapped("active")))

    def test_provider_settings(self):
        provider = self.registry_provider
        provider.with_user(self.credit_manager).timeout = 8.0
        self.assertEqual(provider.timeout, 8.0)
        with self.assertRaises(AccessError):
            provider.with_user(self.credit_controller).timeout = 3.0
        with self.assertRaises(AccessError):
            provider.with_user(self.salesman).timeout = 3.0
        provider.api_key = "secret"
        with self.assertRaises(AccessError):
            provider.with_user(self.credit_manager).read(["api_key"])
        self.assertEqual(provider.with_user(self.credit_manager)._solvency_api_key(), "secret")
