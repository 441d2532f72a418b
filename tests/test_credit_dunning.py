# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import format_amount, format_date

from .common import DUE, CreditDunningCommon


@tagged("post_install", "-at_install")
class TestCreditDunning(CreditDunningCommon):
    def test_levels_reached_on_the_right_day(self):
        invoice = self._due_invoice()
        self.assertFalse(self._run(DUE - timedelta(days=6)))
        self.assertFalse(invoice.dunning_level_id)
        for day, level in (
            (DUE - timedelta(days=5), self.level_courtesy),
            (DUE + timedelta(days=5), self.level_friendly),  # a Wednesday
            (DUE + timedelta(days=15), self.level_call),  # a Saturday: no matter
            (DUE + timedelta(days=30), self.level_notice),
            (DUE + timedelta(days=60), self.level_handover),
        ):
            previous = invoice.dunning_level_id
            self.assertFalse(self._run(day - timedelta(days=1)), "one day too early")
            self.assertEqual(invoice.dunning_level_id, previous)
            communications = self._run(day)
            self.assertEqual(len(communications), 1, level.name)
            self.assertEqual(communications.level_id, level)
            self.assertEqual(invoice.dunning_level_id, level)
            self.assertEqual(self.customer.dunning_level_id, level)
        self.assertTrue(self.customer.dunning_handover)
        self.assertFalse(self._run(DUE + timedelta(days=90)), "no reminder after hand-over")

    def test_one_communication_per_customer_and_no_double_sending(self):
        invoices = self._due_invoice(amount=100.0) | self._due_invoice(amount=200.0)
        invoices |= self._due_invoice(amount=300.0, due=DUE - timedelta(days=20))
        self._due_invoice(partner=self.other, amount=50.0)
        day = DUE + timedelta(days=6)
        communications = self._run(day)
        self.assertEqual(len(communications), 2)
        mine = communications.filtered(lambda c: c.partner_id == self.customer)
        self.assertEqual(mine.line_ids.move_id, invoices)
        self.assertEqual(mine.amount_due, 600.0)
        self.assertEqual(mine.level_id, self.level_call, "the highest level reached")
        self.assertEqual(invoices.mapped("dunning_level_id"), self.level_friendly | self.level_call)
        email = self.env["mail.mail"].search([("model", "=", mine._name), ("res_id", "=", mine.id)])
        self.assertEqual(len(email), 1, "one email per reminder")
        self.assertIn("is due", email.body_html)
        self.assertEqual(email.recipient_ids, self.customer)
        self.assertEqual(email.state, "outgoing", "queued, sent by the mail queue")
        self.assertTrue(
            any("Reminder" in (m.body or "") for m in invoices[0].message_ids),
            "traced on the invoice",
        )
        self.assertTrue(
            self.customer.activity_ids.filtered(
                lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_call")
            ),
            "a phone call for the collector",
        )
        # the same day again, and the day after: nothing new
        self.assertEqual(len(self._run(day)), 2)
        self.assertFalse(self._run(day + timedelta(days=1)))

    def test_reminder_email_letter_and_records(self):
        """What a run writes in bulk is what the ORM would: the queued email to
        the invoice address with its letter and notification, the reminder's
        totals, the invoice's tracked level, the contacts' suspension."""
        self.template.report_template_ids = self.env.ref(
            "credit_management.action_report_dunning_letter"
        )
        accounting = self.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "ap@example.com",
            }
        )
        invoice = self._due_invoice()
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", queue.id)])
        reminder = self._run(DUE + timedelta(days=30))
        self.assertEqual(reminder.name, "Formal notice - Dupont SARL")
        self.assertEqual(reminder.recipient_id, accounting)
        mail = self.env["mail.mail"].search([("model", "=", reminder._name)])
        self.assertEqual(mail.mail_message_id.res_id, reminder.id)
        self.assertIn(mail.mail_message_id, reminder.message_ids)
        self.assertEqual(mail.recipient_ids, accounting)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn("is due", mail.body_html)
        self.assertEqual(len(mail.attachment_ids), 1, "the letter, attached")
        self.assertEqual(mail.attachment_ids.res_model, "mail.message")
        self.assertEqual(mail.attachment_ids.res_id, mail.mail_message_id.id)
        notification = mail.mail_message_id.notification_ids
        self.assertEqual(notification.res_partner_id, accounting)
        self.assertEqual(notification.mail_mail_id, mail)
        self.assertEqual(
            (notification.notification_type, notification.notification_status), ("email", "ready")
        )
        self.assertGreater(
            Trigger.search_count([("cron_id", "=", queue.id)]), triggers, "the queue runs now"
        )
        totals = ["amount_due", "interest_amount", "indemnity_amount", "charges_amount"]
        stored = reminder.read(totals)[0]
        del stored["id"]
        for fname in totals:  # recomputed by the ORM, as after a change of its lines
            self.env.add_to_compute(reminder._fields[fname], reminder)
        self.assertEqual({fname: reminder[fname] for fname in totals}, stored)
        self.assertEqual(stored["amount_due"], 1000.0)
        self.assertEqual(stored["indemnity_amount"], 40.0)
        tracking = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "dunning_level_id"
        )
        self.assertEqual(tracking.new_value_integer, self.level_notice.id)
        self.assertTrue(self.customer.credit_hold)
        self.assertTrue(accounting.credit_hold, "the contacts follow their customer")
        self.assertEqual(accounting.credit_hold_origin, "dunning")
        self.assertEqual(
            len(self.customer.message_ids.filtered(lambda m: "credit hold" in (m.body or ""))),
            1,
            "the suspension is logged once, on the customer",
        )
        with freeze_time(DUE + timedelta(days=31)):
            self._pay(invoice, 1000.0)
        self.assertFalse(accounting.credit_hold, "lifted for the contacts too")

    def test_interrupted_run_resumes(self):
        self._due_invoice()
        self._due_invoice(partner=self.other)
        day = DUE + timedelta(days=5)
        with freeze_time(day):
            run = self.env["credit.dunning.run"].create({"company_id": self.company.id})
            # the first batch went through, then the run was killed
            run._dunning_prepare(partner_ids=[self.customer.id])._dunning_send()
            self.env["credit.dunning.run"]._cron_dunning()
        sent = self.env["credit.dunning.communication"].search([("state", "=", "sent")])
        self.assertEqual(sorted(sent.partner_id.ids), sorted((self.customer | self.other).ids))

    def test_payment_deescalates_and_lifts_suspension(self):
        invoice = self._due_invoice()
        other_invoice = self._due_invoice(amount=10.0, due=DUE + timedelta(days=300))
        self._run(DUE + timedelta(days=30))
        self.assertEqual(invoice.dunning_level_id, self.level_notice)
        self.assertTrue(self.customer.credit_hold)
        self.assertEqual(self.customer.credit_hold_origin, "dunning")
        order = self._order(qty=1, price=1.0)
        order.action_confirm()
        self.assertEqual(order.state, "draft", "suspended: no new order")
        with freeze_time(DUE + timedelta(days=31)):
            self._pay(invoice, 1000.0)
        self.assertFalse(invoice.dunning_level_id, "paid: the level drops at once")
        self.assertFalse(self.customer.dunning_level_id)
        self.assertFalse(self.customer.credit_hold, "overdue cleared: suspension lifted")
        self.assertFalse(other_invoice.dunning_level_id)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_lifted_suspension_is_emailed_to_the_customer(self):
        accounting = self.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "ap@example.com",
            }
        )
        self.customer.user_id = self.salesman
        template = self.env.ref("credit_management.mail_template_dunning_suspension_lifted")
        self.assertEqual(self.company.dunning_lift_mail_template_id, template)
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=30))
        self.assertTrue(self.customer.credit_hold)
        with freeze_time(DUE + timedelta(days=31)):
            self._pay(invoice, 1000.0)
        self.assertFalse(self.customer.credit_hold)
        email = self.customer.message_ids.filtered(
            lambda m: m.subject == "Your account is open again (Dupont SARL)"
        )
        self.assertEqual(len(email), 1)
        self.assertEqual(email.partner_ids, accounting, "to the invoice address")
        self.assertEqual(email.notification_ids.notification_type, "email")
        self.assertIn("suspension of deliveries and new orders", email.body)
        note = self.customer.message_ids.filtered(lambda m: "suspension of" in (m.body or ""))
        self.assertIn(self.salesman.partner_id, (note - email).partner_ids, "salesperson told")

        # without the setting, the customer is not emailed
        self.company.dunning_lift_mail_template_id = False
        second = self._due_invoice(due=DUE + timedelta(days=10))
        self._run(DUE + timedelta(days=40))
        self.assertTrue(self.customer.credit_hold)
        with freeze_time(DUE + timedelta(days=41)):
            self._pay(second, 1000.0)
        self.assertFalse(self.customer.credit_hold)
        self.assertEqual(
            len(
                self.customer.message_ids.filtered(
                    lambda m: m.subject and "open again" in m.subject
                )
            ),
            1,
        )

    def test_partial_payment_keeps_suspension(self):
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=30))
        with freeze_time(DUE + timedelta(days=31)):
            self._pay(invoice, 400.0)
        self.assertEqual(invoice.dunning_level_id, self.level_notice)
        self.assertTrue(self.customer.credit_hold)

    def test_manual_hold_is_not_lifted_by_payment(self):
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=5))
        self.customer._credit_set_hold("Legal dispute")
        with freeze_time(DUE + timedelta(days=6)):
            self._pay(invoice, 1000.0)
        self.assertTrue(self.customer.credit_hold)

    def test_credit_note_and_cancellation_deescalate(self):
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=5))
        with freeze_time(DUE + timedelta(days=6)):
            reversal = invoice._reverse_moves(cancel=True)
        self.assertEqual(reversal.state, "posted")
        self.assertFalse(invoice.dunning_level_id)
        second = self._due_invoice()
        self._run(DUE + timedelta(days=5))
        self.assertEqual(second.dunning_level_id, self.level_friendly)
        second.button_draft()
        second.button_cancel()
        self.assertFalse(second.dunning_level_id)
        self.assertFalse(self.customer.dunning_level_id)

    def test_exclusions_pause_escalation(self):
        excluded = self._due_invoice()
        excluded.dunning_exclude = True
        disputed = self._due_invoice()
        disputed.write({"dunning_disputed": True, "dunning_dispute_reason": "Damaged goods"})
        promised = self._due_invoice()
        promised.dunning_promise_date = DUE + timedelta(days=10)
        self._due_invoice(partner=self.other).partner_id.dunning_exclude = True
        self.assertFalse(self._run(DUE + timedelta(days=5)))
        # the promise is broken: escalation resumes
        communications = self._run(DUE + timedelta(days=11))
        self.assertEqual(communications.line_ids.move_id, promised)
        self.assertEqual(promised.dunning_level_id, self.level_friendly)

    def test_charges_match_hand_computation(self):
        invoice = self._due_invoice(amount=1000.0)
        communications = self._run(DUE + timedelta(days=31))
        line = communications.line_ids
        # 1,000 x 10% x 31 / 365 = 8.4931...
        self.assertAlmostEqual(line.interest, 8.49)
        self.assertEqual(line.indemnity, 40.0)
        self.assertEqual(communications.charges_amount, 48.49)
        action = communications.action_invoice_charges()
        charges = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(charges.partner_id, self.customer)
        self.assertEqual(charges.amount_total, 48.49, "charges outside the scope of VAT")
        self.assertEqual(communications.charges_move_id, charges)
        with self.assertRaises(UserError):
            communications.action_invoice_charges()  # never twice
        communications = self._run(DUE + timedelta(days=60))
        line = communications.line_ids.filtered(lambda li: li.move_id == invoice)
        self.assertEqual(line.indemnity, 0.0, "the indemnity is claimed once per invoice")
        self.assertEqual(line.interest, 0.0, "no interest on a level without interest")

    def test_minimum_amount(self):
        self.company.dunning_min_amount = 100.0
        self._due_invoice(amount=99.0)
        self.assertFalse(self._run(DUE + timedelta(days=5)))
        self._due_invoice(amount=10.0)
        self.assertEqual(len(self._run(DUE + timedelta(days=6))), 1)

    def test_manual_run_preview_skip_and_lower(self):
        invoice = self._due_invoice()
        self._due_invoice(partner=self.other)
        with freeze_time(DUE + timedelta(days=16)):
            run_form = Form(self.env["credit.dunning.run"].with_user(self.credit_controller))
            run = run_form.save()
            run.action_preview()
            self.assertEqual(run.state, "preview")
            self.assertEqual(len(run.communication_ids), 2)
            self.assertFalse(invoice.dunning_level_id, "a preview changes nothing")
            mine = run.communication_ids.filtered(lambda c: c.partner_id == self.customer)
            theirs = run.communication_ids - mine
            theirs.action_skip()
            run.action_preview()  # a refresh keeps the skipped customers skipped
            mine = run.communication_ids.filtered(lambda c: c.partner_id == self.customer)
            theirs = run.communication_ids - mine
            self.assertEqual(theirs.state, "skipped")
            mine.write({"level_id": self.level_friendly.id, "channel": "letter"})
            run.action_send()
        self.assertEqual(run.state, "done")
        self.assertEqual(mine.state, "sent")
        self.assertEqual(theirs.state, "skipped")
        with self.assertRaises(UserError):
            theirs.action_reset_draft()  # the run is done
        self.assertEqual(invoice.dunning_level_id, self.level_friendly, "level lowered")
        self.assertFalse(self.other.dunning_level_id)
        # the skipped customer is reminded by the next automatic run, and the
        # lowered invoice goes on to the level it has reached
        self.assertIn(self.other, self._run(DUE + timedelta(days=17)).partner_id)
        self.assertEqual(invoice.dunning_level_id, self.level_call)

    def test_cron_record_and_access_rights(self):
        cron = self.env.ref("credit_management.ir_cron_dunning")
        self.assertEqual(cron.model_id.model, "credit.dunning.run")
        with self.assertRaises(AccessError):
            self.env["credit.dunning.level"].with_user(self.credit_controller).create(
                {"name": "Mine", "days_overdue": 99, "company_id": self.company.id}
            )
        with self.assertRaises(AccessError):
            self.level_friendly.with_user(self.salesman).write({"days_overdue": 1})
        self.level_friendly.with_user(self.credit_manager).write({"days_overdue": 6})

    def test_multi_company_levels(self):
        company_2 = self.setup_other_company()["company"]
        levels_2 = self.env["credit.dunning.level"].search([("company_id", "=", company_2.id)])
        self.assertEqual(
            levels_2.mapped("days_overdue"), [-5, 5, 15, 30, 60], "a new company's default schedule"
        )
        self.assertEqual(
            company_2.dunning_lift_mail_template_id, self.company.dunning_lift_mail_template_id
        )
        self.env.user.company_ids |= company_2
        invoice_2 = self._invoice(partner=self.customer, amount=100.0, company=company_2)
        invoice_2.invoice_date_due = DUE
        invoice = self._due_invoice()
        communications = self._run(DUE + timedelta(days=5))
        self.assertEqual(communications.company_id, self.company | company_2, "one per company")
        self.assertEqual(invoice.dunning_level_id, self.level_friendly)
        self.assertEqual(
            invoice_2.dunning_level_id, levels_2.filtered(lambda lvl: lvl.days_overdue == 5)
        )
        reminder_2 = communications.filtered(lambda c: c.company_id == company_2)
        self.assertEqual(reminder_2.line_ids.move_id, invoice_2, "each company its own invoices")
        # a company's schedule is its own: archived, that company is not chased any more
        levels_2.action_archive()
        self.assertEqual(self._run(DUE + timedelta(days=20)).company_id, self.company)
        self.assertEqual(invoice_2.dunning_level_id.days_overdue, 5, "not escalated")

    def test_example_automation_rule_on_suspension(self):
        rule = self.env.ref("credit_management.automation_dunning_suspension")
        self.assertFalse(rule.active, "shipped inactive")
        rule.active = True
        invoice = self._due_invoice()
        invoice.invoice_user_id = self.salesman
        self._run(DUE + timedelta(days=5))
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.assertFalse(invoice.activity_ids.filtered(lambda a: a.activity_type_id == todo))
        self._run(DUE + timedelta(days=30))
        activities = invoice.activity_ids.filtered(lambda a: a.activity_type_id == todo)
        self.assertEqual(activities.user_id, self.salesman)
        self.assertEqual(activities.summary, "Customer suspended by dunning")

    def test_payment_plan_pauses_until_broken(self):
        invoice = self._due_invoice(amount=900.0)
        plan = self.env["credit.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "line_ids": [
                    Command.create({"date": DUE + timedelta(days=10), "amount": 300.0}),
                    Command.create({"date": DUE + timedelta(days=40), "amount": 600.0}),
                ],
            }
        )
        plan.action_activate()
        self.assertEqual(plan.initial_residual, 900.0)
        self.assertFalse(self._run(DUE + timedelta(days=5)), "paused by the plan")
        with freeze_time(DUE + timedelta(days=9)):
            self._pay(invoice, 300.0)
        self.assertFalse(self._run(DUE + timedelta(days=20)), "first instalment kept")
        self.assertEqual(plan.state, "active")
        communications = self._run(DUE + timedelta(days=41))
        self.assertEqual(plan.state, "broken", "second instalment missed")
        self.assertEqual(communications.line_ids.move_id, invoice)
        self.assertEqual(invoice.dunning_level_id, self.level_notice)

    def test_payment_plan_must_cover_the_debt(self):
        invoice = self._due_invoice(amount=900.0)
        plan = self.env["credit.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "line_ids": [Command.create({"date": DUE, "amount": 100.0})],
            }
        )
        with self.assertRaises(UserError):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")

    def test_unreconciled_payment_restores_level(self):
        invoice = self._due_invoice()
        self._run(DUE + timedelta(days=5))
        with freeze_time(DUE + timedelta(days=6)):
            payment = self._pay(invoice, 1000.0)
        self.assertFalse(invoice.dunning_level_id)
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.dunning_level_id, self.level_friendly)
        self.assertEqual(self.customer.dunning_level_id, self.level_friendly)

    def test_run_queries_do_not_grow_with_invoices(self):
        """The run's cost grows with customers and levels, not with invoices."""
        # with tracking on, as in production (the test classes disable it)
        self.env = self.env(context={})
        day = DUE + timedelta(days=16)

        def count():
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            self._run(day)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        self._due_invoice()
        self._due_invoice(partner=self.other)
        savepoint = self.env.cr.savepoint()
        count()  # warm the ORM caches
        savepoint.rollback()
        self.env.invalidate_all()
        few = count()
        savepoint.rollback()
        self.env.invalidate_all()
        for __ in range(10):
            self._due_invoice(amount=10.0)
            self._due_invoice(partner=self.other, amount=10.0)
        many = count()
        savepoint.close(rollback=False)
        self.assertLessEqual(many, few + 3, f"{few} queries for 2 invoices, {many} for 22")

    def test_batch_amount_formatter_matches_odoo(self):
        """The run's amount formatter gives exactly Odoo's ``format_amount``."""
        self.env["res.lang"]._activate_lang("fr_FR")
        eur = self.env.ref("base.EUR")
        amounts = [0.0, 5.0, -1234.5, 1234567.891, 40.0, 0.004]
        for lang in ("en_US", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            fast = env["res.currency"]._credit_amount_formatter()
            for currency in (self.company.currency_id, eur):
                for amount in amounts:
                    self.assertEqual(
                        fast(amount, currency), format_amount(env, amount, currency), (lang, amount)
                    )

    def test_foreign_currency_invoice(self):
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._due_invoice(currency=other)
        communications = self._run(DUE + timedelta(days=31))
        self.assertEqual(communications.amount_due, 500.0, "totals in company currency")
        line = communications.line_ids
        self.assertEqual((line.residual, line.currency_id), (1000.0, other), "listed in EUR")
        # interest on the invoice's own amount due: 1,000 x 10% x 31 / 365 EUR,
        # worth half as much in company currency at the invoice's rate
        self.assertAlmostEqual(line.interest, 8.49)
        self.assertAlmostEqual(line.interest_company, 4.25)
        self.assertAlmostEqual(communications.interest_amount, 4.25)

    def test_promise_to_pay_wizard(self):
        invoice = self._due_invoice()
        not_due = self._due_invoice(due=DUE + timedelta(days=100))
        with freeze_time(DUE + timedelta(days=6)):
            action = self.customer.with_user(self.credit_controller).action_credit_promise()
            wizard = Form(
                self.env[action["res_model"]]
                .with_user(self.credit_controller)
                .with_context(**action["context"])
            )
            self.assertEqual(wizard.move_ids[:], invoice, "overdue invoices proposed")
            wizard.promise_date = DUE + timedelta(days=20)
            wizard.note = "Transfer announced on the phone"
            wizard.save().action_apply()
        self.assertEqual(invoice.dunning_promise_date, DUE + timedelta(days=20))
        self.assertFalse(not_due.dunning_promise_date)
        promise = self.customer.message_ids[0].body
        self.assertIn("Transfer announced", promise)
        self.assertIn(format_date(self.env, DUE + timedelta(days=20)), promise, "reader's format")
        self.assertNotIn((DUE + timedelta(days=20)).isoformat(), promise)
        self.assertFalse(self._run(DUE + timedelta(days=15)), "paused by the promise")
        self.assertTrue(self._run(DUE + timedelta(days=21)), "broken promise: escalation resumes")
