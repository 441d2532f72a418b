# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CreditManagementCommon


class CreditSolvencyCommon(CreditManagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["credit.solvency.rule"]
        cls.rating_c = cls.env.ref("credit_management.solvency_rating_c")
        cls.rating_d = cls.env.ref("credit_management.solvency_rating_d")
        cls.rating_e = cls.env.ref("credit_management.solvency_rating_e")
        cls.rating_insolvent = cls.env.ref("credit_management.solvency_rating_insolvent")
        cls.today = fields.Date.context_today(cls.env["res.partner"])

    def _rule(self, rating, effect, max_limit=0.0, company=None, note=False):
        return self.Rule.create(
            {
                "company_id": (company or self.company).id,
                "rating_id": rating.id,
                "credit_effect": effect,
                "max_limit": max_limit,
                "note": note,
            }
        )

    def _rate(self, partner=None, company=None, **values):
        return (
            (partner or self.customer)
            .with_company(company or self.company)
            ._solvency_record_check(values, "Test agency", company=company or self.company)
        )

    def _assert_blocked(self, order, *fragments):
        result = order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(result["res_model"], "credit.block.wizard")
        self.assertEqual(order.credit_check_state, "blocked")
        for fragment in fragments:
            self.assertIn(fragment, order.credit_block_reason)
        return order.credit_block_reason

    def _assert_confirms(self, order):
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_check_state)


@tagged("post_install", "-at_install")
class TestCreditSolvencyRules(CreditSolvencyCommon):
    def test_cap_rule_caps_the_limit(self):
        self._rule(self.rating_d, "cap", max_limit=500.0)
        self._rate(rating="D")
        self._assert_blocked(
            self._order(qty=6), "credit limit of", "rating D - Weak: limit capped at", "500.00"
        )
        self._assert_confirms(self._order(qty=5))
        customer = self.customer.with_company(self.company)
        customer.invalidate_recordset()
        self.assertEqual(customer.credit_limit_effective, 500.0)
        self.assertEqual(customer.credit_available, 0.0)

    def test_cap_rule_limits_a_customer_without_limit(self):
        self.customer.credit_limit = 0.0
        self._rule(self.rating_d, "cap", max_limit=500.0)
        self._assert_confirms(self._order(qty=20))
        self._rate(rating="D")
        self._assert_blocked(self._order(qty=6), "limit capped at")

    def test_cap_above_own_limit_keeps_own_limit(self):
        self._rule(self.rating_d, "cap", max_limit=5000.0)
        self._rate(rating="D")
        reason = self._assert_blocked(self._order(qty=11), "credit limit of")
        self.assertNotIn("capped", reason)

    def test_prepayment_blocks_every_order_even_without_limit(self):
        self.customer.credit_limit = 0.0
        self._rule(self.rating_e, "prepayment")
        self._assert_confirms(self._order(qty=1))
        self._rate(rating="E")
        self._assert_blocked(self._order(qty=1), "rating E - Very weak: prepayment only")

    def test_hold_rule_puts_on_hold_and_refuses_orders(self):
        self._rule(self.rating_c, "hold")
        self._rate(rating="C")
        customer = self.customer.with_company(self.company)
        self.assertTrue(customer.credit_hold)
        self.assertEqual(customer.credit_hold_origin, "insolvency")
        self._assert_blocked(self._order(qty=1), "is on credit hold")

    def test_insolvent_rating_refuses_orders_in_every_company(self):
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        self._rate(rating="insolvent", proceeding="Liquidation judiciaire")
        for company in (self.company, company_2):
            customer = self.customer.with_company(company)
            self.assertTrue(customer.credit_hold, company.name)
            self.assertIn("Liquidation judiciaire", customer.credit_hold_reason)
        self.customer.credit_limit = 0.0  # the hold blocks without any limit
        self._assert_blocked(self._order(partner=self.contact, qty=1), "Liquidation judiciaire")
        self.assertEqual(self.customer.solvency_check_ids.rating, "insolvent")

    def test_ceased_company_is_put_on_hold(self):
        self._rate(company_status="ceased")
        self.assertTrue(self.customer.with_company(self.company).credit_hold)
        self._assert_blocked(self._order(qty=1), "Company ceased in the company registry")

    def test_warn_rule_only_warns(self):
        self._rule(self.rating_d, "warn", note="Short payment terms only.")
        self._rate(rating="D")
        order = self._order(qty=5)
        self.assertIn("rated D - Weak. Short payment terms only.", order.partner_credit_warning)
        customer = self.customer.with_company(self.company)
        self.assertIn("rated D - Weak", customer.credit_solvency_warning)
        self._assert_confirms(order)

    def test_no_rule_no_effect(self):
        self._rate(rating="E")  # no rule for E in this company
        self._assert_confirms(self._order(qty=10))

    def test_expired_limit_counts_as_zero_when_asked(self):
        self.customer.credit_limit_expiry = self.today - timedelta(days=1)
        self._assert_confirms(self._order(qty=2))
        self.company.credit_expired_limit_zero = True
        self._assert_blocked(self._order(qty=1), "limit expired on")
        self.customer.credit_limit_expiry = self.today
        self._assert_confirms(self._order(qty=1))

    def test_insured_amount_caps_and_warns(self):
        self._rate(insured_limit=500.0, insurer="Allianz Trade")
        order = self._order(qty=8)
        self.assertIn("exceeds its insured amount of", order.partner_credit_warning)
        self._assert_confirms(order)
        customer = self.customer.with_company(self.company)
        customer.invalidate_recordset()
        self.assertTrue(customer.credit_insurance_exceeded)
        self.assertFalse(customer.credit_over_limit)
        self.company.solvency_cap_insured = True
        self._assert_blocked(self._order(qty=1), "limit capped at the insured amount of", "500.00")

    def test_expired_insurance_caps_at_zero(self):
        self.company.solvency_cap_insured = True
        self._rate(insured_limit=5000.0, insured_expiry=self.today + timedelta(days=10))
        self._assert_confirms(self._order(qty=5))
        with freeze_time(self.today + timedelta(days=11)):
            self._assert_blocked(self._order(qty=1), "credit insurance expired on")

    def test_recommended_limit_caps_when_asked(self):
        self.customer.credit_limit = 0.0
        self._rate(rating="B", recommended_limit=300.0)
        self._assert_confirms(self._order(qty=5))
        self.company.solvency_cap_recommended = True
        self._assert_blocked(self._order(qty=1), "capped at the recommended limit of", "300.00")

    def test_lowest_constraint_explains_the_block(self):
        self.company.solvency_cap_insured = True
        self.company.solvency_cap_recommended = True
        self._rate(recommended_limit=800.0, insured_limit=200.0)
        reason = self._assert_blocked(self._order(qty=3))
        self.assertIn("insured amount of", reason)
        self.assertNotIn("recommended", reason)

    def test_limits_not_enforced_means_no_solvency_effect(self):
        self.company.account_use_credit_limit = False
        self._rule(self.rating_e, "prepayment")
        self._rate(rating="E")
        self._assert_confirms(self._order(qty=1))

    def test_rules_are_per_company(self):
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        self._rule(self.rating_e, "prepayment", company=company_2)
        self._rate(rating="E")
        self._assert_confirms(self._order(qty=1))
        # the rule of the other company is not even visible from this one
        rules = self.Rule.with_user(self.credit_manager).search([])
        self.assertNotIn(company_2, rules.company_id)

    def test_invoice_posting_uses_the_effective_limit(self):
        self.company.credit_block_invoice_posting = True
        self._rule(self.rating_e, "prepayment")
        self._rate(rating="E")
        invoice = self._invoice(amount=100.0, post=False)
        with self.assertRaisesRegex(UserError, "prepayment only"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")

    def test_confirmation_check_query_count_is_constant_with_rules(self):
        self._rule(self.rating_d, "cap", max_limit=100000.0)
        self.company.solvency_cap_insured = True
        self.company.credit_expired_limit_zero = True
        self._rate(rating="D", insured_limit=50000.0)

        self._invoice(amount=1.0)
        self._count_check_queries()
        small = self._count_check_queries()
        for __ in range(10):
            self._invoice(amount=1.0)
            self._order(qty=1, price=1.0, confirm=True)
        self.assertEqual(self._count_check_queries(), small)


@tagged("post_install", "-at_install")
class TestCreditSolvencyManual(CreditSolvencyCommon):
    def test_manager_rating_change_is_logged_and_applied(self):
        with Form(self.customer.with_user(self.credit_manager)) as form:
            form.solvency_rating = "insolvent"
            form.solvency_score = 3
        check = self.customer.solvency_check_ids
        self.assertRecordValues(
            check,
            [
                {
                    "source": "Manual",
                    "trigger": "user",
                    "state": "done",
                    "rating": "insolvent",
                    "score": 3,
                    "user_id": self.credit_manager.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(self.customer.solvency_date, self.today)
        self.assertEqual(self.customer.solvency_source, "Manual")
        customer = self.customer.with_company(self.company)
        self.assertTrue(customer.credit_hold)
        self.assertEqual(customer.credit_hold_origin, "insolvency")
        self.assertEqual(customer.solvency_check_count, 1)

    def test_api_writes_are_not_logged_twice(self):
        self._rate(rating="B", score=70)
        self.assertEqual(len(self.customer.solvency_check_ids), 1)
        self.assertEqual(self.customer.solvency_source, "Test agency")

    def test_only_credit_managers_change_solvency(self):
        self._rate(rating="B", insured_limit=1000.0)
        for user in (self.salesman, self.credit_controller):
            customer = self.customer.with_user(user)
            customer.invalidate_recordset()
            self.assertEqual(customer.solvency_rating, "B")
            self.assertEqual(customer.credit_insured_limit, 1000.0)
            for vals in (
                {"solvency_rating": "A"},
                {"solvency_score": 99},
                {"credit_insured_limit": 99999.0},
                {"solvency_company_status": "active"},
            ):
                with self.assertRaises(AccessError):
                    customer.write(vals)
        self.assertEqual(self.customer.solvency_rating, "B")
        self.assertEqual(len(self.customer.solvency_check_ids), 1)

    def test_only_credit_managers_configure_solvency(self):
        provider_code = self.env["credit.solvency.provider"]._fields["code"].get_values(self.env)
        for user in (self.salesman, self.credit_controller):
            with self.assertRaises(AccessError):
                self.Rule.with_user(user).create(
                    {"rating_id": self.rating_e.id, "credit_effect": "none"}
                )
            with self.assertRaises(AccessError):
                self.rating_d.with_user(user).write({"name": "D - Fine"})
        rule = self._rule(self.rating_e, "prepayment")
        rule.with_user(self.credit_manager).credit_effect = "hold"
        self.rating_d.with_user(self.credit_manager).description = "Watch closely."
        if provider_code:
            provider = (
                self.env["credit.solvency.provider"]
                .with_user(self.credit_manager)
                .create({"name": "Registry", "code": provider_code[0]})
            )
            with self.assertRaises(AccessError):
                provider.with_user(self.credit_controller).write({"timeout": 1.0})
            with self.assertRaises(AccessError):
                provider.with_user(self.credit_manager).read(["api_key"])

    def test_salesperson_cannot_read_raw_answers(self):
        self.customer._solvency_record_check({"rating": "A"}, "Agency", payload='{"grade": "A"}')
        check = self.customer.solvency_check_ids
        self.assertEqual(check.with_user(self.credit_manager).payload, '{"grade": "A"}')
        with self.assertRaises(AccessError):
            check.with_user(self.credit_controller).read(["payload"])
        with self.assertRaises(AccessError):
            check.with_user(self.salesman).read(["rating"])


@tagged("post_install", "-at_install")
class TestCreditSolvencyReview(CreditSolvencyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        codes = cls.env["credit.solvency.provider"]._fields["code"].get_values(cls.env)
        cls.provider = cls.env["credit.solvency.provider"].create(
            {"name": "Registry", "code": codes[0], "company_id": cls.company.id}
        )
        cls.company.solvency_review_days = 30
        Partner = cls.env["res.partner"]
        cls.big = Partner.create({"name": "Big Debtor", "is_company": True})
        cls.small = Partner.create({"name": "Small Debtor", "is_company": True})
        cls.fresh = Partner.create({"name": "Fresh Check", "is_company": True})
        cls.stale = Partner.create({"name": "Stale Check", "is_company": True})
        cls.quotation_only = Partner.create({"name": "Quotation Only", "is_company": True})
        cls.idle = Partner.create({"name": "Idle", "is_company": True})
        cls._invoice(partner=cls.big, amount=900.0)
        cls._invoice(partner=cls.small, amount=50.0)
        cls._invoice(partner=cls.fresh, amount=500.0)
        cls._invoice(partner=cls.stale, amount=10.0)
        cls._order(partner=cls.quotation_only)
        cls.fresh.solvency_date = cls.today - timedelta(days=10)
        cls.stale.solvency_date = cls.today - timedelta(days=40)

    def _run_review(self, **kwargs):
        calls = []

        def fake_check(provider_model, partners, trigger="user", companies=None, run=None):
            calls.append((provider_model.env.company, partners.ids, trigger))
            self.users.append(provider_model.env.user)
            return self.env["credit.solvency.check"]

        self.users = []

        Provider = type(self.env["credit.solvency.provider"])
        with patch.object(Provider, "_solvency_check_partners", fake_check):
            self.env["res.partner"]._cron_solvency_review(**kwargs)
        # other companies of the database may have providers too
        return [call for call in calls if call[0] == self.company]

    def test_review_selects_stale_customers_exposure_first(self):
        calls = self._run_review()
        self.assertEqual(len(calls), 1)
        company, partner_ids, trigger = calls[0]
        self.assertEqual(company, self.company)
        self.assertEqual(trigger, "cron")
        candidates = [self.big.id, self.small.id, self.stale.id]
        self.assertEqual(partner_ids[: len(candidates)], candidates)
        self.assertIn(self.quotation_only.id, partner_ids, "customers with orders count too")
        self.assertNotIn(self.fresh.id, partner_ids)
        self.assertNotIn(self.idle.id, partner_ids)

    def test_review_in_batches(self):
        calls = self._run_review(batch_size=2)
        batches = [partner_ids for __, partner_ids, __ in calls]
        self.assertTrue(all(len(batch) <= 2 for batch in batches))
        self.assertGreater(len(batches), 1)
        flat = [partner_id for batch in batches for partner_id in batch]
        self.assertEqual(len(flat), len(set(flat)), "nobody is checked twice")
        self.assertEqual(flat[:2], [self.big.id, self.small.id])

    def test_review_skips_companies_without_provider(self):
        self.provider.active = False
        self.assertFalse(self._run_review())

    def test_review_ignores_other_companies_customers(self):
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        other = self.env["res.partner"].create({"name": "Other Company Customer"})
        self._invoice(partner=other, amount=100.0, company=company_2)
        calls = self._run_review()
        self.assertNotIn(other.id, calls[0][1])

    def test_requested_customers_are_checked_first(self):
        """Customers queued by the "Check Solvency" button are checked before the
        others, as the user who asked, whether their solvency is old or not."""
        Request = self.env["credit.solvency.request"]
        Request.with_user(self.credit_manager)._solvency_queue(self.idle | self.fresh)
        calls = self._run_review()
        self.assertEqual(calls[0], (self.company, [self.idle.id, self.fresh.id], "user"))
        self.assertEqual(self.users[0], self.credit_manager)
        self.assertNotIn(self.idle.id, calls[1][1])
        self.assertEqual(calls[1][1][:2], [self.big.id, self.small.id])
        self.assertEqual(calls[1][2], "cron")
        self.assertFalse(Request.search([]), "the requests are done")

    def test_requests_are_per_company(self):
        Request = self.env["credit.solvency.request"]
        Request.with_user(self.credit_manager)._solvency_queue(self.idle)
        request = Request.search([])
        self.assertEqual(request.company_id, self.company)
        company_2 = self.setup_other_company()["company"]
        self.credit_manager.company_ids |= company_2
        self.assertFalse(
            Request.with_user(self.credit_manager)
            .with_context(allowed_company_ids=company_2.ids)
            .search([])
        )
        with self.assertRaises(AccessError):
            Request.with_user(self.credit_controller)._solvency_queue(self.idle)

    def test_checked_customers_drop_out_of_the_review(self):
        self._rate(partner=self.big, rating="B")
        partner_ids = self._run_review()[0][1]
        self.assertNotIn(self.big.id, partner_ids)
        with freeze_time(self.today + timedelta(days=31)):
            partner_ids = self._run_review()[0][1]
        self.assertIn(self.big.id, partner_ids)


@tagged("post_install", "-at_install")
class TestCreditSolvencyLimitReview(CreditSolvencyCommon):
    def test_limit_review_activity_created_once(self):
        activity_type = self.env.ref("credit_management.mail_activity_credit_limit_review")
        self.company.credit_manager_user_id = self.credit_manager
        self.customer.credit_review_date = self.today + timedelta(days=3)
        Partner = self.env["res.partner"]
        Partner._cron_credit_limit_review()
        self.assertFalse(self.customer.activity_ids)
        self.customer.credit_review_date = self.today
        Partner._cron_credit_limit_review()
        activity = self.customer.activity_ids
        self.assertRecordValues(
            activity,
            [{"activity_type_id": activity_type.id, "user_id": self.credit_manager.id}],
        )
        self.assertFalse(self.contact.activity_ids, "the commercial entity only")
        Partner._cron_credit_limit_review()
        self.assertEqual(self.customer.activity_ids, activity, "no duplicate while open")
        activity.action_feedback(feedback="Limit confirmed")
        self.customer.credit_review_date = self.today + timedelta(days=365)
        Partner._cron_credit_limit_review()
        self.assertFalse(self.customer.activity_ids)

    def test_limit_review_for_every_credit_manager(self):
        self.customer.credit_review_date = self.today - timedelta(days=1)
        self.env["res.partner"]._cron_credit_limit_review()
        managers = self.company._credit_manager_users()
        self.assertIn(self.credit_manager, managers)
        self.assertEqual(self.customer.activity_ids.user_id, managers)


@tagged("post_install", "-at_install")
class TestCreditSolvencyFirstOrder(CreditSolvencyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.solvency_first_order_amount = 500.0
        cls.company.solvency_review_days = 90
        cls.newcomer = cls.env["res.partner"].create(
            {"name": "Nouveau Client SAS", "is_company": True}
        )
        cls.cron = cls.env.ref("credit_management.ir_cron_solvency_review")

    def _triggers(self):
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", self.cron.id)])

    def test_first_large_order_needs_a_solvency_check(self):
        before = self._triggers()
        order = self._order(partner=self.newcomer, qty=6)
        self._assert_blocked(order, "Nouveau Client SAS is a new customer", "500.00")
        self.assertTrue(self._triggers() - before, "the review cron is triggered")
        self.assertFalse(self.newcomer.solvency_check_ids, "no provider called in the transaction")
        # the approval flow applies
        order.with_user(self.salesman).action_credit_request_approval()
        self.assertEqual(order.credit_check_state, "requested")
        # once checked, the order goes through
        self._rate(partner=self.newcomer, rating="B")
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_small_first_order_confirms(self):
        self._assert_confirms(self._order(partner=self.newcomer, qty=5))

    def test_known_customers_are_not_asked(self):
        self._invoice(partner=self.newcomer, amount=10.0)
        self._assert_confirms(self._order(partner=self.newcomer, qty=6))

    def test_customer_with_a_confirmed_order_is_not_asked(self):
        self._order(partner=self.newcomer, qty=1, confirm=True)
        self._assert_confirms(self._order(partner=self.newcomer, qty=6))

    def test_old_check_does_not_count(self):
        self._rate(partner=self.newcomer, rating="A")
        self.newcomer.solvency_date = self.today - timedelta(days=100)
        self._assert_blocked(self._order(partner=self.newcomer, qty=6), "is a new customer")

    def test_first_order_check_is_off_by_default(self):
        self.company.solvency_first_order_amount = 0.0
        self._assert_confirms(self._order(partner=self.newcomer, qty=60))

    def test_contact_of_new_customer(self):
        contact = self.env["res.partner"].create(
            {"name": "Acheteur", "parent_id": self.newcomer.id, "type": "contact"}
        )
        self._assert_blocked(
            self._order(partner=contact, qty=6), "Nouveau Client SAS is a new customer"
        )
