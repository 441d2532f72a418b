# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Receivables analysis, aged balance at a date, DSO: expectations computed by hand."""

import base64
import io
from datetime import date, timedelta

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CreditManagementCommon


class CreditAnalyticsCommon(CreditManagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("SELECT CURRENT_DATE")
        # the day the database reads the view on
        cls.today = cls.env.cr.fetchone()[0]
        cls.receivable = cls.company_data["default_account_receivable"]

    @classmethod
    def _move(
        cls,
        partner,
        amount,
        invoice_date,
        date_due=None,
        move_type="out_invoice",
        currency=None,
        company=None,
        payment_term=None,
    ):
        company = company or cls.company
        vals = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "date": invoice_date,
            "currency_id": (currency or company.currency_id).id,
            "invoice_line_ids": [
                Command.create(
                    {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                )
            ],
        }
        if payment_term:
            vals["invoice_payment_term_id"] = payment_term.id
        else:
            vals["invoice_date_due"] = date_due or invoice_date
        move = cls.env["account.move"].with_company(company).create(vals)
        move.action_post()
        return move

    @classmethod
    def _payment(cls, partner, amount, pay_date, invoice=None, company=None, currency=None):
        """A customer payment at ``pay_date``, reconciled with ``invoice`` if given."""
        if invoice:
            return (
                cls.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create(
                    {
                        "amount": amount,
                        "payment_date": pay_date,
                        **({"currency_id": currency.id} if currency else {}),
                    }
                )
                ._create_payments()
            )
        company = company or cls.company
        payment = (
            cls.env["account.payment"]
            .with_company(company)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": amount,
                    "date": pay_date,
                    "currency_id": (currency or company.currency_id).id,
                }
            )
        )
        payment.action_post()
        return payment

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **vals})

    def _report(self, partner, user=None):
        Report = self.env["credit.receivable.report"]
        if user:
            Report = Report.with_user(user)
        return Report.search([("partner_id", "=", partner.id)])

    def _receivable_balance(self, partners, at_date, company=None):
        """Balance of the receivable accounts at ``at_date`` for these customers."""
        company = company or self.company
        groups = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", at_date),
                ("partner_id.commercial_partner_id", "in", partners.ids),
            ],
            aggregates=["balance:sum"],
        )
        return groups[0][0]


@tagged("post_install", "-at_install")
class TestCreditReceivableReport(CreditAnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.today
        cls.buyer = cls._customer("Aged Buyer", country_id=cls.env.ref("base.fr").id)
        cls.buyer_contact = cls.env["res.partner"].create(
            {"name": "Buyer Accounts", "parent_id": cls.buyer.id, "type": "invoice"}
        )
        # 1-30: 10 days late
        cls.late_10 = cls._move(
            cls.buyer, 1000, today - timedelta(days=40), today - timedelta(days=10)
        )
        # not due: in 5 days
        cls.not_due = cls._move(
            cls.buyer, 500, today - timedelta(days=25), today + timedelta(days=5)
        )
        # 31-60: 45 days late
        cls.late_45 = cls._move(
            cls.buyer, 300, today - timedelta(days=75), today - timedelta(days=45)
        )
        # 91-120: 100 days late, 50 paid: 150 left
        cls.late_100 = cls._move(
            cls.buyer, 200, today - timedelta(days=130), today - timedelta(days=100)
        )
        cls._payment(cls.buyer, 50, today - timedelta(days=20), invoice=cls.late_100)
        # over 120: invoiced to the contact, counted on the commercial entity
        cls.late_200 = cls._move(
            cls.buyer_contact, 400, today - timedelta(days=230), today - timedelta(days=200)
        )
        # a credit note due today: not due, negative
        cls.refund = cls._move(cls.buyer, 120, today, today, move_type="out_refund")
        # an unreconciled payment of 70 days ago: 61-90, negative
        cls.payment = cls._payment(cls.buyer, 80, today - timedelta(days=70))

    def _by_bucket(self, rows):
        result = {}
        for row in rows:
            result[row.aging_bucket] = result.get(row.aging_bucket, 0.0) + row.amount_residual
        return result

    def test_buckets(self):
        rows = self._report(self.buyer)
        self.assertEqual(
            self._by_bucket(rows),
            {
                "not_due": 500.0 - 120.0,
                "1_30": 1000.0,
                "31_60": 300.0,
                "61_90": -80.0,
                "91_120": 150.0,
                "over_120": 400.0,
            },
        )
        self.assertEqual(len(rows), 7, "one row per open item, the paid part of none")
        by_move = {row.move_id: row for row in rows}
        self.assertEqual(by_move[self.late_10].days_overdue, 10)
        self.assertEqual(by_move[self.not_due].days_overdue, -5)
        self.assertEqual(by_move[self.refund].days_overdue, 0)
        self.assertEqual(by_move[self.payment.move_id].days_overdue, 70)
        self.assertEqual(by_move[self.late_100].amount_residual, 150.0)
        self.assertEqual(by_move[self.late_200].partner_id, self.buyer)
        self.assertEqual(rows.country_id, self.env.ref("base.fr"))
        self.assertEqual(sum(rows.mapped("amount_overdue")), 1000.0 + 300.0 - 80.0 + 150.0 + 400.0)
        # the pivot's read: customers x buckets, one query
        Report = self.env["credit.receivable.report"]
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            groups = Report._read_group(
                [("partner_id", "=", self.buyer.id)],
                ["partner_id", "aging_bucket"],
                ["amount_residual:sum"],
            )
        self.assertEqual(len(groups), 6)
        self.assertEqual(
            [bucket for __, bucket, __ in groups],
            ["not_due", "1_30", "31_60", "61_90", "91_120", "over_120"],
            "buckets come in age order",
        )
        # the report ties to the receivable account
        self.assertAlmostEqual(
            sum(rows.mapped("amount_residual")), self._receivable_balance(self.buyer, self.today)
        )

    def test_payment_term_with_two_instalments(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half at 30, half at 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 60}),
                ],
            }
        )
        customer = self._customer("Two Instalments")
        invoice = self._move(customer, 1000, self.today - timedelta(days=50), payment_term=term)
        rows = self._report(customer).sorted("date_due")
        self.assertEqual(rows.move_id, invoice)
        self.assertEqual(
            rows.mapped("date_due"),
            [self.today - timedelta(days=20), self.today + timedelta(days=10)],
        )
        self.assertEqual(rows.mapped("days_overdue"), [20, -10])
        self.assertEqual(rows.mapped("aging_bucket"), ["1_30", "not_due"])
        self.assertEqual(rows.mapped("amount_residual"), [500.0, 500.0])

    def test_foreign_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        customer = self._customer("Foreign Buyer")
        invoice = self._move(
            customer,
            600,
            self.today - timedelta(days=40),
            self.today - timedelta(days=35),
            currency=eur,
        )
        row = self._report(customer)
        self.assertEqual(row.move_id, invoice)
        self.assertEqual(row.amount_residual, 300.0, "company currency")
        self.assertEqual(row.amount_residual_currency, 600.0)
        self.assertEqual(row.currency_id, eur)
        self.assertEqual(row.company_currency_id, self.company.currency_id)
        self.assertEqual(row.aging_bucket, "31_60")

    def test_disputed_hold_level_salesperson(self):
        level = self.env["credit.dunning.level"].create(
            {
                "name": "Analytics level",
                "days_overdue": 7,
                "send_email": False,
                "company_id": self.company.id,
            }
        )
        self.late_10.sudo().write({"dunning_disputed": True, "dunning_level_id": level.id})
        self.late_10.invoice_user_id = self.salesman
        self.buyer.with_company(self.company)._credit_set_hold("Analytics", "manual")
        Report = self.env["credit.receivable.report"]
        rows = Report.search([("partner_id", "=", self.buyer.id), ("disputed", "=", True)])
        self.assertEqual(rows.move_id, self.late_10)
        self.assertEqual(rows.dunning_level_id, level)
        self.assertEqual(rows.user_id, self.salesman)
        on_hold = Report.search([("partner_id", "=", self.buyer.id), ("on_hold", "=", True)])
        self.assertEqual(len(on_hold), 7, "every item of a customer on hold")
        over_60 = Report.search([("partner_id", "=", self.buyer.id), ("days_overdue", ">", 60)])
        self.assertEqual(over_60.move_id, self.late_100 | self.late_200 | self.payment.move_id)

    def test_companies_and_rights(self):
        company_2 = self.setup_other_company()["company"]
        other = self._move(
            self.buyer, 700, self.today - timedelta(days=5), self.today, company=company_2
        )
        rows = (
            self.env["credit.receivable.report"]
            .with_context(allowed_company_ids=[self.company.id, company_2.id])
            .search([("partner_id", "=", self.buyer.id)])
        )
        self.assertEqual(rows.filtered(lambda r: r.company_id == company_2).move_id, other)
        # a credit controller of the first company only does not see the second one
        controller_rows = self._report(self.buyer, user=self.credit_controller)
        self.assertEqual(len(controller_rows), 7)
        self.assertEqual(controller_rows.company_id, self.company)
        # a salesperson does not reach the analysis, unless a credit user
        for model in (
            "credit.receivable.report",
            "credit.dso.report",
            "credit.aged.balance.wizard",
        ):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.env["credit.aged.balance.wizard"].with_user(self.salesman).create({})
        credit_seller = new_test_user(
            self.env,
            login="credit_seller",
            groups="sales_team.group_sale_salesman,credit_management.group_credit_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(len(self._report(self.buyer, user=credit_seller)), 7)
        auditor = new_test_user(
            self.env,
            login="credit_auditor",
            groups="account.group_account_readonly",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(len(self._report(self.buyer, user=auditor)), 7)
        # the wizard ignores companies that are not the user's
        wizard = (
            self.env["credit.aged.balance.wizard"]
            .with_user(self.credit_controller)
            .create({"date": self.today, "company_ids": [Command.set([company_2.id])]})
        )
        wizard.invalidate_recordset()
        self.assertEqual(wizard._aged_balance_data(), [], "nothing of another company")


@tagged("post_install", "-at_install")
class TestCreditAgedBalance(CreditAnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.today
        cls.buyer = cls._customer("As-of Buyer")
        cls.other = cls._customer("Other Buyer")
        # 1000 invoiced 60 days ago, due 30 days ago; 400 paid 10 days ago
        cls.invoice = cls._move(
            cls.buyer, 1000, today - timedelta(days=60), today - timedelta(days=30)
        )
        cls._payment(cls.buyer, 400, today - timedelta(days=10), invoice=cls.invoice)
        # posted 5 days ago, due in 25 days
        cls.recent = cls._move(
            cls.buyer, 250, today - timedelta(days=5), today + timedelta(days=25)
        )
        # a credit note of 15 days ago, open
        cls.refund = cls._move(cls.other, 90, today - timedelta(days=15), move_type="out_refund")
        # 200 invoiced 150 days ago, due 120 days ago, paid in full 100 days ago
        cls.paid = cls._move(
            cls.other, 200, today - timedelta(days=150), today - timedelta(days=120)
        )
        cls._payment(cls.other, 200, today - timedelta(days=100), invoice=cls.paid)

    def test_before_and_after_the_payment(self):
        Company = self.company
        before = self.today - timedelta(days=20)
        # 20 days ago: the payment was not made yet, the recent invoice not posted
        self.assertEqual(
            Company._credit_aged_balance(before),
            {self.buyer.id: [0.0, 1000.0, 0.0, 0.0, 0.0, 0.0]},
        )
        # today: 600 left, 30 days late; the recent invoice not due; the credit note
        # is 15 days past its date
        self.assertEqual(
            Company._credit_aged_balance(self.today),
            {
                self.buyer.id: [250.0, 600.0, 0.0, 0.0, 0.0, 0.0],
                self.other.id: [0.0, -90.0, 0.0, 0.0, 0.0, 0.0],
            },
        )
        # 110 days ago: the paid invoice was 10 days late, the other not posted
        self.assertEqual(
            Company._credit_aged_balance(self.today - timedelta(days=110)),
            {self.other.id: [0.0, 200.0, 0.0, 0.0, 0.0, 0.0]},
        )
        # before anything
        self.assertEqual(Company._credit_aged_balance(self.today - timedelta(days=400)), {})

    def test_options(self):
        Company = self.company
        # by invoice date: 60 days old
        self.assertEqual(
            Company._credit_aged_balance(self.today, by="invoice", partner_ids=self.buyer.ids),
            {self.buyer.id: [0.0, 250.0, 600.0, 0.0, 0.0, 0.0]},
        )
        # periods of 15 days, two of them: 30 days late is in the second
        self.assertEqual(
            Company._credit_aged_balance(
                self.today, interval=15, periods=2, partner_ids=self.buyer.ids
            ),
            {self.buyer.id: [250.0, 0.0, 600.0, 0.0]},
        )
        # periods of 10 days, two of them: 30 days late is older
        self.assertEqual(
            Company._credit_aged_balance(
                self.today, interval=10, periods=2, partner_ids=self.buyer.ids
            ),
            {self.buyer.id: [250.0, 0.0, 0.0, 600.0]},
        )
        self.assertEqual(Company._credit_aged_balance(self.today, partner_ids=[]), {})

    def test_total_is_the_receivable_balance(self):
        customers = self.buyer | self.other
        for days in (0, 5, 10, 20, 60, 100, 110, 130):
            at = self.today - timedelta(days=days)
            total = sum(sum(amounts) for amounts in self.company._credit_aged_balance(at).values())
            self.assertAlmostEqual(total, self._receivable_balance(customers, at), msg=f"at {at}")

    def test_foreign_currency_paid_at_another_rate(self):
        eur = self.setup_other_currency(
            "EUR",
            rates=[
                ("2000-01-01", 2.0),
                (fields.Date.to_string(self.today - timedelta(days=8)), 2.5),
            ],
        )
        customer = self._customer("Foreign As-of Buyer")
        # 600 EUR = 300 at rate 2; paid 600 EUR = 240 at rate 2.5: 60 of exchange difference
        invoice = self._move(
            customer,
            600,
            self.today - timedelta(days=40),
            self.today - timedelta(days=30),
            currency=eur,
        )
        self._payment(customer, 600, self.today - timedelta(days=5), invoice=invoice, currency=eur)
        self.assertEqual(invoice.payment_state, "paid")
        before = self.today - timedelta(days=10)
        self.assertEqual(
            self.company._credit_aged_balance(before, partner_ids=customer.ids),
            {customer.id: [0.0, 300.0, 0.0, 0.0, 0.0, 0.0]},
        )
        self.assertEqual(
            self.company._credit_aged_balance(self.today, partner_ids=customer.ids), {}
        )
        for at in (before, self.today):
            total = sum(
                sum(amounts)
                for amounts in self.company._credit_aged_balance(
                    at, partner_ids=customer.ids
                ).values()
            )
            self.assertAlmostEqual(total, self._receivable_balance(customer, at))

    def test_two_companies(self):
        company_2 = self.setup_other_company()["company"]
        self._move(
            self.buyer,
            700,
            self.today - timedelta(days=50),
            self.today - timedelta(days=40),
            company=company_2,
        )
        both = self.company | company_2
        self.assertEqual(
            both._credit_aged_balance(self.today, partner_ids=self.buyer.ids),
            {self.buyer.id: [250.0, 600.0, 700.0, 0.0, 0.0, 0.0]},
        )
        self.assertEqual(
            company_2._credit_aged_balance(self.today),
            {self.buyer.id: [0.0, 0.0, 700.0, 0.0, 0.0, 0.0]},
        )

    def test_queries_do_not_depend_on_customers(self):
        def count(partner_ids):
            # warm: the company's currency and the flushes are not what is counted
            self.company._credit_aged_balance(self.today, partner_ids=partner_ids)
            before = self.env.cr.sql_log_count
            self.company._credit_aged_balance(self.today, partner_ids=partner_ids)
            return self.env.cr.sql_log_count - before

        one = count(self.buyer.ids)
        customers = self.buyer | self.other
        for index in range(5):
            customer = self._customer(f"Many {index}")
            self._move(customer, 100 + index, self.today - timedelta(days=index * 20))
            customers |= customer
        self.assertEqual(count(customers.ids), one)
        self.assertEqual(count(None), one)

    def test_wizard_pdf_and_xlsx(self):
        wizard = (
            self.env["credit.aged.balance.wizard"]
            .with_user(self.credit_controller)
            .create({"date": self.today})
        )
        self.assertEqual(wizard.company_ids, self.company)
        self.assertEqual((wizard.interval, wizard.periods, wizard.aged_by), (30, 4, "due"))
        sections = wizard._aged_balance_data()
        self.assertEqual(len(sections), 1)
        lines = {line["name"]: line for line in sections[0]["lines"]}
        self.assertEqual(lines["As-of Buyer"]["amounts"], [250.0, 600.0, 0.0, 0.0, 0.0, 0.0])
        self.assertEqual(lines["As-of Buyer"]["total"], 850.0)
        self.assertEqual(sections[0]["totals"], [250.0, 510.0, 0.0, 0.0, 0.0, 0.0])
        self.assertEqual(sections[0]["total"], 760.0)
        self.assertEqual(
            wizard._aged_balance_columns(),
            ["Not Due", "1-30", "31-60", "61-90", "91-120", "Over 120"],
        )

        action = wizard.action_print_pdf()
        self.assertEqual(action["report_name"], "credit_management.report_aged_balance")
        html = (
            self.env["ir.actions.report"]
            .with_user(self.credit_controller)
            ._render_qweb_html("credit_management.report_aged_balance", wizard.ids)[0]
            .decode()
        )
        for text in ("As-of Buyer", "Other Buyer", "Not Due", "Over 120", "760.00"):
            self.assertIn(text, html)
        report = self.env.ref("credit_management.action_report_aged_balance")
        self.assertEqual(report.paperformat_id.orientation, "Landscape")

        action = wizard.action_download_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"/{wizard.id}/xlsx_file/", action["url"])
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))
        values = [[cell for cell in row] for row in book.active.iter_rows(values_only=True)]
        header = next(row for row in values if row[0] == "Customer")
        self.assertEqual(
            list(header[:8]),
            ["Customer", "Not Due", "1-30", "31-60", "61-90", "91-120", "Over 120", "Total"],
        )
        rows = {row[0]: list(row[1:8]) for row in values if row[0]}
        self.assertEqual(rows["As-of Buyer"], [250, 600, 0, 0, 0, 0, 850])
        self.assertEqual(rows["Other Buyer"], [0, -90, 0, 0, 0, 0, -90])
        self.assertEqual(rows["Total"], [250, 510, 0, 0, 0, 0, 760])

        # a customer filter, aged by invoice date
        wizard.write({"partner_ids": [Command.set(self.other.ids)], "aged_by": "invoice"})
        self.assertEqual(
            [line["name"] for line in wizard._aged_balance_data()[0]["lines"]], ["Other Buyer"]
        )
        self.assertEqual(wizard._aged_balance_columns()[0], "Current")


@tagged("post_install", "-at_install")
class TestCreditDso(CreditAnalyticsCommon):
    """A small book at the end of June 2024:

    - A: 3,000 invoiced on 15 April, due 15 May, paid on 20 May;
    - B: 1,800 invoiced on 10 May, due 9 June, open;
    - C: 1,200 invoiced on 20 June, due 20 July, open;
    - a credit note of 300 on 25 June, open.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls._customer("DSO Buyer")
        cls.invoice_a = cls._move(cls.buyer, 3000, date(2024, 4, 15), date(2024, 5, 15))
        cls._payment(cls.buyer, 3000, date(2024, 5, 20), invoice=cls.invoice_a)
        cls._move(cls.buyer, 1800, date(2024, 5, 10), date(2024, 6, 9))
        cls._move(cls.buyer, 1200, date(2024, 6, 20), date(2024, 7, 20))
        cls._move(cls.buyer, 300, date(2024, 6, 25), move_type="out_refund")
        # a draft invoice is no sale
        cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.buyer.id,
                "invoice_date": date(2024, 6, 10),
                "invoice_line_ids": [
                    Command.create({"name": "Draft", "price_unit": 9999, "tax_ids": []})
                ],
            }
        )

    def test_dso_at_the_end_of_june(self):
        end = date(2024, 6, 30)
        # balance 2,700 / sales of the 90 days 5,700 x 90
        self.assertEqual(self.company._credit_dso(end), 42.63)
        figures = self.company._credit_dso_figures(end)
        self.assertEqual(figures["balance"], 2700.0)
        self.assertEqual(figures["sales"], 5700.0)
        self.assertEqual(figures["not_due"], 1200.0)
        self.assertEqual(figures["overdue"], 1500.0)
        self.assertEqual(figures["overdue_share"], 55.56)
        # not-yet-due 1,200 / 5,700 x 90
        self.assertEqual(figures["best_dso"], 18.95)
        self.assertEqual(figures["days_delinquent"], 23.68)
        # June sold 900 (30 days), May 1,800 (31 days) uses up the remaining 1,800
        self.assertEqual(figures["countback_dso"], 61.0)
        # over 30 days: 2,700 / (1,200 - 300) x 30
        self.assertEqual(self.company._credit_dso(end, days=30), 90.0)

    def test_payment_made_later_is_added_back(self):
        # on 15 May, A was not paid yet: 4,800 owed for 4,800 sold, all not due
        figures = self.company._credit_dso_figures(date(2024, 5, 15))
        self.assertEqual(figures["balance"], 4800.0)
        self.assertEqual(figures["not_due"], 4800.0)
        self.assertEqual(figures["dso"], 90.0)
        self.assertEqual(figures["best_dso"], 90.0)
        self.assertEqual(figures["days_delinquent"], 0.0)

    def test_no_sales(self):
        figures = self.company._credit_dso_figures(date(2023, 1, 31))
        self.assertIsNone(self.company._credit_dso(date(2023, 1, 31)))
        self.assertIsNone(figures["countback_dso"])
        self.assertIsNone(figures["best_dso"])
        self.assertEqual(figures["balance"], 0.0)

    def test_series(self):
        series = self.company._credit_dso_series(months=3, date=date(2024, 6, 30))
        self.assertEqual(
            [point["date"] for point in series],
            [date(2024, 4, 30), date(2024, 5, 31), date(2024, 6, 30)],
        )
        self.assertEqual([point["dso"] for point in series], [90.0, 33.75, 42.63])
        self.assertEqual([point["balance"] for point in series], [3000.0, 1800.0, 2700.0])
        self.assertEqual([point["best_dso"] for point in series], [90.0, 33.75, 18.95])
        # a mid-month date: itself and the previous month ends
        self.assertEqual(
            self.company._credit_dso_series_dates(date(2024, 6, 12), 3),
            [date(2024, 4, 30), date(2024, 5, 31), date(2024, 6, 12)],
        )

        def count(months):
            self.company._credit_dso_series(months=months, date=date(2024, 6, 30))
            before = self.env.cr.sql_log_count
            self.company._credit_dso_series(months=months, date=date(2024, 6, 30))
            return self.env.cr.sql_log_count - before

        self.assertEqual(count(3), count(12))

    def test_dso_report_rows_and_targets(self):
        self.company.write({"credit_dso_target": 40, "credit_overdue_share_target": 25.0})
        Report = self.env["credit.dso.report"].with_user(self.credit_controller)
        rows = Report.search([])
        self.assertEqual(len(rows), 12)
        self.assertEqual(rows.company_id, self.company)
        current = rows.filtered(lambda r: r.months_ago == 0)
        self.assertEqual(current.date, fields.Date.context_today(Report))
        self.assertEqual((current.dso_target, current.overdue_share_target), (40.0, 25.0))
        expected = self.company._credit_dso_figures(current.date)
        self.assertEqual(current.balance, expected["balance"])
        self.assertEqual(current.dso or None, expected["dso"])
        groups = Report._read_group([("months_ago", "=", 0)], [], ["dso_target:max"])
        self.assertEqual(groups[0][0], 40.0)

    def test_dashboard_is_shipped(self):
        dashboard = self.env.ref("credit_management.spreadsheet_dashboard_credit_management")
        self.assertEqual(
            dashboard.dashboard_group_id,
            self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_finance"),
        )
        data = dashboard.with_user(self.credit_controller).get_readonly_dashboard()
        models = {pivot["model"] for pivot in data["snapshot"]["pivots"].values()}
        self.assertLessEqual({"credit.receivable.report", "credit.dso.report"}, models)
        for model in models:
            # every model the dashboard reads is readable by a credit controller
            self.env[model].with_user(self.credit_controller).check_access("read")
