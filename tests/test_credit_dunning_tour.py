# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Browser test of a manual dunning run, as a credit controller clicks it."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import CreditTourCase


@tagged("post_install", "-at_install")
class CreditDunningRunTour(CreditTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.level = cls.env.ref(
            "credit_management.dunning_level_friendly", raise_if_not_found=False
        )
        if not cls.level or cls.level.company_id != cls.company:
            # No default schedule for this company: a level of our own.
            template = cls.env["mail.template"].create(
                {
                    "name": "Dunning tour reminder",
                    "model_id": cls.env["ir.model"]._get_id("credit.dunning.communication"),
                    "subject": "Reminder {{ object.level_id.name }}",
                    "partner_to": "{{ object.recipient_id.id or object.partner_id.id }}",
                    "body_html": "<p>Dear customer, <t t-out='object.amount_due'/> is due.</p>",
                }
            )
            cls.level = cls.env["credit.dunning.level"].create(
                {
                    "name": "Friendly reminder",
                    "days_overdue": 5,
                    "send_email": True,
                    "mail_template_id": template.id,
                    "company_id": cls.company.id,
                }
            )
        cls.controller = cls._tour_user(
            "credit_tour_controller",
            "Cora Controller",
            "credit_management.group_credit_user,account.group_account_invoice",
        )
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Dunning Tour {name}",
                    "is_company": True,
                    "email": f"{name.lower()}@example.com",
                }
                for name in ("Alpha", "Bravo", "Charlie")
            ]
        )
        cls.alpha, cls.bravo, cls.charlie = cls.customers
        today = fields.Date.context_today(cls.env["res.partner"])
        cls.invoices = cls.env["account.move"]
        for customer in cls.customers:
            invoice = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "company_id": cls.company.id,
                    "invoice_date": today - timedelta(days=40),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": 500.0, "tax_ids": []}
                        )
                    ],
                }
            )
            invoice.action_post()
            invoice.invoice_date_due = today - timedelta(days=10)
            cls.invoices |= invoice

    def test_preview_skip_and_send(self):
        Run = self.env["credit.dunning.run"]
        self.assertEqual(self.invoices.mapped("state"), ["posted"] * 3)
        self.assertEqual(self.invoices.mapped("payment_state"), ["not_paid"] * 3)
        self.assertFalse(self.invoices.dunning_level_id)
        self.assertFalse(Run.search([]), "the test database has no dunning run yet")

        self.start_tour("/odoo", "credit_management_dunning_run_tour", login=self.controller.login)
        self.env.invalidate_all()

        run = Run.search([])
        self.assertEqual(len(run), 1, "the tour creates exactly one run")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.origin, "manual")
        self.assertEqual(run.user_id, self.controller)
        self.assertEqual(run.company_id, self.company)

        communications = run.communication_ids
        self.assertEqual(communications.partner_id, self.customers, "one reminder per customer")
        self.assertEqual(len(communications), 3)
        sent = communications.filtered(lambda c: c.state == "sent")
        skipped = communications.filtered(lambda c: c.state == "skipped")
        self.assertEqual(sent.partner_id, self.alpha | self.charlie)
        self.assertEqual(len(sent), 2)
        self.assertEqual(skipped.partner_id, self.bravo)
        self.assertEqual(len(skipped), 1)
        self.assertEqual(sent.level_id, self.level)
        self.assertEqual(sent.mapped("amount_due"), [500.0, 500.0])

        alpha_invoice, bravo_invoice, charlie_invoice = self.invoices
        self.assertEqual(alpha_invoice.dunning_level_id, self.level)
        self.assertEqual(charlie_invoice.dunning_level_id, self.level)
        self.assertFalse(bravo_invoice.dunning_level_id, "a skipped reminder changes nothing")
        self.assertEqual((self.alpha | self.charlie).dunning_level_id, self.level)
        self.assertFalse(self.bravo.dunning_level_id)

        for customer, invoice in ((self.alpha, alpha_invoice), (self.charlie, charlie_invoice)):
            self.assertTrue(
                any(
                    "Reminder" in body and self.level.name in body
                    for body in self._messages(customer)
                ),
                f"the reminder must be traced on {customer.name}",
            )
            self.assertTrue(
                any("Reminder" in body for body in self._messages(invoice)),
                f"the reminder must be traced on the invoice of {customer.name}",
            )
        self.assertFalse(
            any("Reminder" in body for body in self._messages(self.bravo)),
            "nothing is posted on the skipped customer",
        )
        self.assertFalse(any("Reminder" in body for body in self._messages(bravo_invoice)))
        # The email went out from each sent reminder, to the customer.
        comment = self.env.ref("mail.mt_comment")
        for communication in sent:
            emails = communication.message_ids.filtered(lambda m: m.subtype_id == comment)
            self.assertTrue(emails, f"an email for {communication.partner_id.name}")
            self.assertIn(communication.partner_id, emails.partner_ids)
        self.assertFalse(skipped.message_ids.filtered(lambda m: m.subtype_id == comment))
