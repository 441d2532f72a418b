# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What a reminder, a run and a level refuse, and what they must not break."""

from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import format_amount, html2plaintext

from .test_credit_dunning import DUE, CreditDunningCommon


@tagged("post_install", "-at_install")
class TestCreditDunningGuard(CreditDunningCommon):
    # ------------------------------------------------------------------
    # bulk emails and notes carry their company and alias domain
    # ------------------------------------------------------------------

    def test_bulk_messages_carry_company_and_alias_domain(self):
        domain = self.env["mail.alias.domain"].create({"name": "dunning.example.com"})
        self.company.alias_domain_id = domain
        invoice = self._due_invoice()
        reminder = self._run(DUE + timedelta(days=30))
        email = self.env["mail.mail"].search([("model", "=", reminder._name)])
        self.assertEqual(email.mail_message_id.record_company_id, self.company)
        self.assertEqual(email.mail_message_id.record_alias_domain_id, domain)
        for record in (invoice, self.customer):
            notes = record.message_ids.filtered(lambda m: "Reminder" in (m.body or ""))
            self.assertTrue(notes)
            self.assertEqual(notes.record_company_id, self.company)
            self.assertEqual(notes.record_alias_domain_id, domain)
        hold = self.customer.message_ids.filtered(lambda m: "credit hold" in (m.body or ""))
        self.assertEqual(hold.record_company_id, self.company)

    # ------------------------------------------------------------------
    # foreign-currency invoices are reminded in their currency
    # ------------------------------------------------------------------

    def test_foreign_currency_invoices_in_their_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._due_invoice(amount=1000.0)
        foreign = self._due_invoice(currency=eur)
        # the shipped reminder emails all share the layout of this one
        self.level_notice.mail_template_id = self.env.ref(
            "credit_management.mail_template_dunning_second"
        )
        reminder = self._run(DUE + timedelta(days=31))
        line = reminder.line_ids.filtered(lambda li: li.move_id == foreign)
        self.assertEqual(line.currency_id, eur)
        self.assertEqual(line.residual, 1000.0, "in the invoice's currency")
        # 1,000 EUR x 10% x 31 / 365, on the invoice's own residual
        self.assertAlmostEqual(line.interest, 8.49)
        self.assertAlmostEqual(line.interest_company, self.currency.round(8.49 / 2.0))
        self.assertEqual(line.residual_company, 500.0)
        self.assertEqual(reminder.amount_due, 1500.0, "company currency totals")
        totals = {t["currency"]: t for t in reminder._dunning_totals_by_currency()}
        self.assertEqual(set(totals), {self.currency, eur})
        self.assertEqual(totals[eur]["amount_due"], 1000.0)
        self.assertAlmostEqual(totals[eur]["interest"], 8.49)
        self.assertEqual(totals[self.currency]["amount_due"], 1000.0)
        self.assertAlmostEqual(totals[self.currency]["charges"], 8.49 + 80.0)
        email = self.env["mail.mail"].search([("model", "=", reminder._name)])
        body = html2plaintext(email.body_html).replace("\xa0", " ")
        for amount, currency in (
            (1000.0, eur),  # the invoice and the amount due in euros
            (8.49, eur),  # its interest
            (1008.49, eur),  # to pay in euros
            (1000.0 + 8.49 + 80.0, self.currency),  # to pay in dollars, with the indemnities
        ):
            self.assertIn(format_amount(self.env, amount, currency).replace("\xa0", " "), body)
        letter = " ".join(
            html2plaintext(
                self.env["ir.actions.report"]
                ._render_qweb_html("credit_management.report_dunning_letter", reminder.ids)[0]
                .decode()
            ).split()
        )
        self.assertIn("1,000.00 €", letter, "the euro invoice and its total in euros")
        self.assertIn("8.49 €", letter)
        charges = self.env["account.move"].browse(reminder.action_invoice_charges()["res_id"])
        self.assertEqual(charges.currency_id, self.currency)
        self.assertAlmostEqual(charges.amount_total, reminder.charges_amount)
        product = self.env.ref("credit_management.product_dunning_interest")
        interest = charges.invoice_line_ids.filtered(
            lambda li: li.product_id == product and foreign.name in li.name
        )
        self.assertAlmostEqual(interest.price_unit, line.interest_company)
        self.assertIn(format_amount(self.env, 8.49, eur), interest.name)

    def test_statement_totals_per_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._due_invoice(amount=300.0)
        self._invoice(amount=1000.0, currency=eur)
        values = self.env["report.credit_management.report_customer_statement"]._get_report_values(
            self.customer.ids
        )
        lines = values["statement_lines"][self.customer.id]
        self.assertEqual(
            sorted((line["currency"].name, line["residual_currency"]) for line in lines),
            [("EUR", 1000.0), (self.currency.name, 300.0)],
        )
        totals = values["statement_currency_totals"][self.customer.id]
        self.assertEqual(
            [(total["currency"], total["residual"]) for total in totals],
            [(self.currency, 300.0), (eur, 1000.0)],
        )
        self.assertEqual(values["statement_totals"][self.customer.id]["residual"], 800.0)
        statement = " ".join(
            html2plaintext(
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "credit_management.report_customer_statement", self.customer.ids
                )[0]
                .decode()
            ).split()
        )
        self.assertIn("1,000.00 €", statement, "the euro invoice in euros")
        self.assertIn(f"Total in {self.currency.name}", statement)

    # ------------------------------------------------------------------
    # levels: an email needs a template, bounds, archived levels
    # ------------------------------------------------------------------

    def test_email_level_needs_a_template(self):
        Level = self.env["credit.dunning.level"]
        with self.assertRaises(ValidationError):
            Level.create({"name": "No template", "days_overdue": 20})
        level = Level.create({"name": "Letter only", "days_overdue": 20, "send_email": False})
        with self.assertRaises(ValidationError):
            level.send_email = True
        with self.assertRaises(ValidationError):
            self.level_friendly.mail_template_id = False

    def test_archived_level_frees_its_days(self):
        self.level_friendly.action_archive()
        level = self.env["credit.dunning.level"].create(
            {"name": "New friendly", "days_overdue": 5, "mail_template_id": self.template.id}
        )
        self.assertEqual(level.days_overdue, 5)
        with self.assertRaises(ValidationError):
            self.level_friendly.action_unarchive()
        with self.assertRaises(ValidationError):
            self.env["credit.dunning.level"].create(
                {"name": "Twin", "days_overdue": 5, "mail_template_id": self.template.id}
            )

    def test_level_values_are_bounded(self):
        Level = self.env["credit.dunning.level"]
        common = {"name": "Bounded", "mail_template_id": self.template.id}
        for values in (
            {"days_overdue": 10**10},
            {"days_overdue": 3651},
            {"days_overdue": -366},
            {"days_overdue": 20, "interest_rate": 1000.0, "apply_interest": True},
            {"days_overdue": 20, "interest_rate": -1.0},
            {"days_overdue": 20, "fee_amount": 10.0**15},
            {"days_overdue": 20, "indemnity_amount": 10.0**15},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                Level.create(dict(common, **values))
        with self.assertRaises(ValidationError):
            self.level_friendly.write({"days_overdue": 10**10})
        level = Level.create(dict(common, days_overdue=3650, interest_rate=100.0, fee_amount=50.0))
        self.assertEqual(level.days_overdue, 3650)
