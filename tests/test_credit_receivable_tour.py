# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Browser test: a credit controller opens the receivables analysis and prints the aged balance."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.base.models.ir_actions_report import IrActionsReport


@tagged("post_install", "-at_install")
class CreditReceivableTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.controller = new_test_user(
            cls.env,
            login="credit_tour_analyst",
            groups="credit_management.group_credit_user,account.group_account_invoice",
            name="Ada Analyst",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Analytics Tour Customer", "is_company": True}
        )
        cls.env.cr.execute("SELECT CURRENT_DATE")
        today = cls.env.cr.fetchone()[0]
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "invoice_date": today - timedelta(days=75),
                "invoice_date_due": today - timedelta(days=45),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "quantity": 1, "price_unit": 750.0, "tax_ids": []}
                    )
                ],
            }
        )
        invoice.action_post()

    def test_receivables_tour(self):
        printed = []
        render = IrActionsReport._render_qweb_pdf

        def spy(report, report_ref, res_ids=None, data=None):
            printed.append((report_ref, res_ids))
            return render(report, report_ref, res_ids=res_ids, data=data)

        with patch.object(IrActionsReport, "_render_qweb_pdf", spy):
            self.start_tour(
                "/odoo", "credit_management_receivables_tour", login=self.controller.login
            )
        self.assertEqual(len(printed), 1, "the aged balance was printed once")
        report_ref, res_ids = printed[0]
        self.assertEqual(report_ref, "credit_management.report_aged_balance")
        wizard = self.env["credit.aged.balance.wizard"].browse(res_ids)
        self.assertEqual(wizard.create_uid, self.controller)
        sections = wizard._aged_balance_data()
        self.assertEqual(
            [
                line["amounts"]
                for line in sections[0]["lines"]
                if line["partner_id"] == self.customer.id
            ],
            [[0.0, 0.0, 750.0, 0.0, 0.0, 0.0]],
        )
