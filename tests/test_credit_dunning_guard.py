# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What a reminder, a run and a level refuse, and what they must not break."""

from contextlib import closing, suppress
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import format_amount, html2plaintext, mute_logger

from .common import DUE, CreditDunningCommon


@tagged("post_install", "-at_install")
class TestCreditDunningGuard(CreditDunningCommon):
    def _as_controller(self, records):
        """The records as a credit controller reaches them by RPC: its own
        user (not the superuser), the public methods of the ORM."""
        return records.with_user(self.credit_controller)

    def _manual_run(self, day):
        with freeze_time(day):
            run = self._as_controller(self.env["credit.dunning.run"]).create({})
            run.action_preview()
        return run

    # ------------------------------------------------------------------
    # sent reminders are the record of what the customer received
    # ------------------------------------------------------------------

    def test_sent_reminder_is_read_only(self):
        self._due_invoice()
        reminder = self._run(DUE + timedelta(days=31))
        self.assertEqual(reminder.level_id, self.level_notice)
        line = reminder.line_ids
        self.assertAlmostEqual(line.interest, 8.49)
        mine = self._as_controller(reminder)
        with self.assertRaises(UserError):
            mine.unlink()
        with self.assertRaises(UserError):
            mine.write({"fee_amount": 1000000.0})
        with self.assertRaises(UserError):
            mine.write({"state": "draft"})
        with self.assertRaises(UserError):
            mine.line_ids.write({"interest": 1100039.0})
        with self.assertRaises(UserError):
            mine.line_ids.unlink()
        with self.assertRaises(UserError):
            mine.write({"line_ids": [Command.update(line.id, {"interest": 1100039.0})]})
        with self.assertRaises(UserError):
            self._as_controller(self.env["credit.dunning.communication.line"]).create(
                {
                    "communication_id": reminder.id,
                    "move_id": line.move_id.id,
                    "level_id": self.level_notice.id,
                    "currency_id": line.currency_id.id,
                    "interest": 1100039.0,
                }
            )
        self.assertTrue(reminder.exists())
        self.assertEqual(reminder.state, "sent")
        self.assertAlmostEqual(line.interest, 8.49)
        self.assertEqual(reminder.charges_amount, 48.49)
        # a sent reminder still gets messages: the chatter is not the record
        mine.message_post(body="Called the customer: payment on Monday.")

    def test_charges_are_invoiced_once(self):
        self._due_invoice()
        reminder = self._run(DUE + timedelta(days=31))
        mine = self._as_controller(reminder)
        action = mine.action_invoice_charges()
        charges = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(charges.amount_total, 48.49)
        self.assertEqual(reminder.charges_move_id, charges)
        with self.assertRaises(UserError):
            mine.write({"charges_move_id": False})
        with self.assertRaises(UserError):
            mine.write({"charges_move_id": self.env["account.move"].create({}).id})
        self.assertEqual(reminder.charges_move_id, charges)
        with self.assertRaises(UserError):
            mine.action_invoice_charges()
        self.assertEqual(
            self.env["account.move"].search_count([("invoice_origin", "=", reminder.name)]), 1
        )
        # a cancelled charges invoice does not count: the charges can be invoiced again
        charges.button_cancel()
        again = self.env["account.move"].browse(mine.action_invoice_charges()["res_id"])
        self.assertEqual(reminder.charges_move_id, again)

    def test_reminders_are_created_draft(self):
        Communication = self._as_controller(self.env["credit.dunning.communication"])
        values = {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "level_id": self.level_notice.id,
            "fee_amount": 5000.0,
        }
        with self.assertRaises(UserError):
            Communication.create(dict(values, state="sent"))
        with self.assertRaises(UserError):
            Communication.create(dict(values, state="skipped"))
        invoice = self._due_invoice()
        with self.assertRaises(UserError):
            Communication.create(
                dict(
                    values,
                    line_ids=[
                        Command.create(
                            {
                                "move_id": invoice.id,
                                "level_id": self.level_notice.id,
                                "currency_id": self.currency.id,
                                "interest": 1100039.0,
                            }
                        )
                    ],
                )
            )
        with self.assertRaises(ValidationError):
            Communication.create(dict(values, fee_amount=10.0**15))
        draft = Communication.create(values)
        self.assertEqual(draft.state, "draft")
        with self.assertRaises(UserError):
            draft.write({"state": "sent"})
        with self.assertRaises(UserError):
            draft.action_invoice_charges()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_manual_run_and_delivery_still_work_for_a_controller(self):
        """The run's own writes go through: preview, edit, skip, send, the
        emails' delivery status."""
        self._due_invoice()
        self._due_invoice(partner=self.other)
        run = self._manual_run(DUE + timedelta(days=31))
        mine = run.communication_ids.filtered(lambda c: c.partner_id == self.customer)
        theirs = run.communication_ids - mine
        mine.write({"level_id": self.level_call.id, "fee_amount": 15.0})
        theirs.action_skip()
        theirs.action_reset_draft()
        with freeze_time(DUE + timedelta(days=31)):
            run.action_send()
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.communication_ids.mapped("state")), {"sent"})
        self.assertEqual(mine.level_id, self.level_call)
        self.assertEqual(mine.charges_amount, 15.0, "the fee decided in the preview")
        mails = self.env["mail.mail"].search([("model", "=", mine._name)])
        self.assertEqual(len(mails), 2)
        mails.send()
        self.assertEqual(
            set(mails.mail_message_id.notification_ids.mapped("notification_status")), {"sent"}
        )

    def test_run_state_is_the_runs_own(self):
        Run = self._as_controller(self.env["credit.dunning.run"])
        with self.assertRaises(UserError):
            Run.create({"state": "done"})
        run = Run.create({})
        with self.assertRaises(UserError):
            run.write({"state": "preview"})
        with self.assertRaises(UserError):
            run.action_send()

    # ------------------------------------------------------------------
    # a preview writes nothing but its draft reminders
    # ------------------------------------------------------------------

    def test_preview_does_not_break_payment_plans(self):
        invoice = self._due_invoice(amount=900.0)
        plan = self.env["credit.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "line_ids": [Command.create({"date": DUE + timedelta(days=10), "amount": 900.0})],
            }
        )
        plan.action_activate()
        messages = plan.message_ids
        run = self._manual_run(DUE + timedelta(days=20))
        self.assertEqual(plan.state, "active", "a preview breaks no plan")
        self.assertEqual(plan.message_ids, messages, "a preview posts nothing")
        self.assertFalse(invoice.dunning_level_id)
        self.assertEqual(
            run.communication_ids.line_ids.move_id,
            invoice,
            "the invoice of the missed plan is proposed: the plan breaks when it is sent",
        )
        self.assertEqual(run.communication_ids.state, "draft")
        with freeze_time(DUE + timedelta(days=20)):
            run.action_send()
        self.assertEqual(plan.state, "broken")
        self.assertEqual(invoice.dunning_level_id, self.level_call)

    def test_preview_sent_after_the_cron(self):
        invoice = self._due_invoice()
        self._due_invoice(partner=self.other)
        day = DUE + timedelta(days=6)
        run = self._manual_run(day)
        self.assertEqual(len(run.communication_ids), 2)
        self._due_invoice(partner=self.other, due=DUE - timedelta(days=2))
        automatic = self._run(day)  # the daily run reminds the same invoices meanwhile
        self.assertEqual(len(automatic), 2)
        with freeze_time(day):
            action = run.action_send()
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.communication_ids.mapped("state")), {"skipped"})
        self.assertEqual(action["type"], "ir.actions.client")
        message = action["params"]["message"]
        self.assertIn(self.customer.name, message)
        self.assertIn(self.other.name, message)
        sent_lines = self.env["credit.dunning.communication.line"].search(
            [("move_id", "=", invoice.id), ("state", "=", "sent")]
        )
        self.assertEqual(len(sent_lines), 1, "reminded once")

    def test_send_refused_while_another_run_of_the_company_works(self):
        self._due_invoice()
        run = self._manual_run(DUE + timedelta(days=6))
        Run = self.env["credit.dunning.run"]
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as other:
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (Run._dunning_lock_key(), self.company.id)
            )
            with self.assertRaisesRegex(UserError, "in progress"):
                run.action_send()
            other.rollback()
        self.assertEqual(run.state, "preview")
        with freeze_time(DUE + timedelta(days=6)):
            run.action_send()
        self.assertEqual(run.state, "done")

    # ------------------------------------------------------------------
    # an interrupted automatic run is resumed
    # ------------------------------------------------------------------

    def test_interrupted_run_is_not_done_and_resumes(self):
        self._due_invoice()
        self._due_invoice(partner=self.other)
        day = DUE + timedelta(days=5)
        Run = self.env["credit.dunning.run"]
        prepare = type(Run)._dunning_prepare
        calls = []

        class Killed(Exception):
            pass

        def killed_after_first_batch(run, *args, **kwargs):
            calls.append(run)
            if len(calls) > 1:
                raise Killed()
            return prepare(run, *args, **kwargs)

        # the first batch is committed, the worker dies before the second one
        # (not assertRaises: its savepoint would roll the first batch back)
        with (
            freeze_time(day),
            patch.object(type(Run), "_dunning_prepare", killed_after_first_batch),
            suppress(Killed),
        ):
            Run._cron_dunning(batch_size=1)
        self.assertEqual(len(calls), 2)
        run = Run.search([("origin", "=", "automatic")])
        self.assertEqual(run.state, "progress", "interrupted: not done")
        self.assertEqual(len(run.communication_ids), 1)
        with freeze_time(day + timedelta(days=1)):
            Run._cron_dunning(batch_size=1)
        self.assertEqual(run.state, "done", "resumed by the next call")
        self.assertEqual(run.communication_ids.partner_id, self.customer | self.other)
        self.assertEqual(Run.search([("origin", "=", "automatic")]), run, "nothing else to do")

    # ------------------------------------------------------------------
    # the "you may order again" email cannot fail a payment
    # ------------------------------------------------------------------

    def test_lift_email_error_does_not_fail_the_payment(self):
        self.customer.user_id = self.salesman
        self.company.dunning_lift_mail_template_id = self.env["mail.template"].create(
            {
                "name": "Broken lift email",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Open again",
                "partner_to": "{{ object.id }}",
                "body_html": "<p><t t-out='object.no_such_field'/></p>",
            }
        )
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=30))
        self.assertTrue(self.customer.credit_hold)
        with (
            freeze_time(DUE + timedelta(days=31)),
            mute_logger("odoo.addons.credit_management.models.res_partner"),
        ):
            self._pay(invoice, 1000.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(self.customer.credit_hold, "the suspension is lifted all the same")
        self.assertFalse(
            self.customer.message_ids.filtered(lambda m: m.subject == "Open again"),
        )
        warning = self.customer.message_ids.filtered(
            lambda m: "could not be prepared" in (m.body or "")
        )
        self.assertEqual(len(warning), 1, "the salesperson learns the email was not sent")
        self.assertIn(self.salesman.partner_id, warning.partner_ids)

    def test_lift_email_is_queued(self):
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=30))
        with freeze_time(DUE + timedelta(days=31)):
            self._pay(invoice, 1000.0)
        message = self.customer.message_ids.filtered(
            lambda m: m.subject == "Your account is open again (Dupont SARL)"
        )
        self.assertEqual(len(message), 1)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.state, "outgoing", "queued for the mail queue")

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

    def test_reminder_without_email_is_never_marked_emailed(self):
        self.level_friendly.write({"send_email": False, "mail_template_id": False})
        self._due_invoice()
        run = self._manual_run(DUE + timedelta(days=6))
        reminder = run.communication_ids
        self.assertEqual(reminder.channel, "none", "nothing to send")
        with self.assertRaises(ValidationError):
            reminder.channel = "email"
        # the level loses its email between the preview and the sending
        self._due_invoice(partner=self.other, due=DUE - timedelta(days=30))
        run = self._manual_run(DUE + timedelta(days=6))
        theirs = run.communication_ids.filtered(lambda c: c.partner_id == self.other)
        self.assertEqual((theirs.level_id, theirs.channel), (self.level_notice, "email"))
        self.level_notice.write({"send_email": False, "mail_template_id": False})
        with freeze_time(DUE + timedelta(days=6)):
            run.action_send()
        self.assertEqual(theirs.state, "sent")
        self.assertEqual(theirs.channel, "letter", "the level's letter instead")
        self.assertFalse(self.env["mail.mail"].search([("model", "=", theirs._name)]))
        notes = self.other.message_ids.mapped("body")
        self.assertTrue(any("(Letter)" in (body or "") for body in notes), notes)
        self.assertFalse(any("(Email)" in (body or "") for body in notes))

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
