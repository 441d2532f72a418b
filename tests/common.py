# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user
from odoo.tools import html2plaintext

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# the due date of the dunning tests' invoices
DUE = date(2026, 3, 6)  # a Friday


class CreditManagementCommon(AccountTestInvoicingCommon):
    """Customers, products and users for the credit management tests.

    Amounts are tax-free so that expected exposures are easy to read.
    """

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref("credit_management.group_credit_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.account_use_credit_limit = True
        cls.currency = cls.company.currency_id
        cls.product = cls.env["product.product"].create(
            {
                "name": "Consulting day",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Dupont SARL", "is_company": True, "credit_limit": 1000.0}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Jeanne Dupont", "parent_id": cls.customer.id, "type": "contact"}
        )
        cls.salesman = new_test_user(
            cls.env,
            login="credit_salesman",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.credit_manager = new_test_user(
            cls.env,
            login="credit_boss",
            groups="credit_management.group_credit_manager,account.group_account_invoice,"
            "base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.credit_controller = new_test_user(
            cls.env,
            login="credit_controller",
            groups="credit_management.group_credit_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _count_check_queries(self):
        """Queries of the credit check of a new one-unit order, caches cold."""
        order = self._order(qty=1, price=1.0)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        order._credit_blocking_reasons()
        return self.env.cr.sql_log_count - before

    @classmethod
    def _order(cls, partner=None, qty=1.0, price=100.0, currency=None, user=None, confirm=False):
        values = {
            "partner_id": (partner or cls.customer).id,
            "company_id": cls.company.id,
            "user_id": (user or cls.salesman).id,
            "order_line": [
                Command.create(
                    {"product_id": cls.product.id, "product_uom_qty": qty, "price_unit": price}
                )
            ],
        }
        if currency:
            pricelist = cls.env["product.pricelist"].create(
                {"name": f"Pricelist {currency.name}", "currency_id": currency.id}
            )
            values["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].create(values)
        if confirm:
            order.action_confirm()
            assert order.state == "sale", "the order should have been confirmed"
        return order

    @classmethod
    def _invoice(
        cls,
        partner=None,
        amount=100.0,
        post=True,
        days_due=30,
        currency=None,
        move_type="out_invoice",
        company=None,
    ):
        today = fields.Date.context_today(cls.env["res.partner"])
        move = (
            cls.env["account.move"]
            .with_company(company or cls.company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": today,
                    "invoice_date_due": fields.Date.add(today, days=days_due),
                    "currency_id": (currency or (company or cls.company).currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": invoice.invoice_date})
            ._create_payments()
        )

    def _exposure(self, partner=None):
        partner = (partner or self.customer).with_company(self.company)
        partner.invalidate_recordset()
        return {
            "receivable": partner.credit_exposure_receivable,
            "draft": partner.credit_exposure_draft,
            "orders": partner.credit_exposure_orders,
            "exposure": partner.credit_exposure,
            "overdue": partner.credit_overdue,
            "available": partner.credit_available,
        }


class CreditDunningCommon(CreditManagementCommon):
    """A test schedule of five levels, two customers and helpers to run it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Test reminder",
                "model_id": cls.env["ir.model"]._get_id("credit.dunning.communication"),
                "subject": "Reminder {{ object.level_id.name }}",
                "partner_to": "{{ object.recipient_id.id or object.partner_id.id }}",
                "body_html": "<p>Dear customer, <t t-out='object.amount_due'/> is due.</p>",
            }
        )
        Level = cls.env["credit.dunning.level"]
        # the test schedule replaces the default one the company got at creation
        Level.with_context(active_test=False).search([("company_id", "=", cls.company.id)]).unlink()
        common = {"company_id": cls.company.id, "mail_template_id": cls.template.id}
        cls.level_courtesy = Level.create({"name": "Courtesy", "days_overdue": -5, **common})
        cls.level_friendly = Level.create({"name": "Friendly", "days_overdue": 5, **common})
        cls.level_call = Level.create(
            {"name": "Second", "days_overdue": 15, "phone_call": True, **common}
        )
        cls.level_notice = Level.create(
            {
                "name": "Formal notice",
                "days_overdue": 30,
                "send_letter": True,
                "apply_indemnity": True,
                "indemnity_amount": 40.0,
                "apply_interest": True,
                "interest_rate": 10.0,
                "suspend_sales": True,
                **common,
            }
        )
        cls.level_handover = Level.create(
            {"name": "Hand-over", "days_overdue": 60, "handover": True, **common}
        )
        cls.customer.email = "dupont@example.com"
        cls.other = cls.env["res.partner"].create(
            {"name": "Martin SA", "is_company": True, "email": "martin@example.com"}
        )

    def _due_invoice(self, partner=None, amount=1000.0, due=DUE, currency=None):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer).id,
                "currency_id": (currency or self.currency).id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
        )
        invoice.action_post()
        invoice.invoice_date_due = due
        return invoice

    def _run(self, day):
        with freeze_time(day):
            self.env["credit.dunning.run"]._cron_dunning()
        return self.env["credit.dunning.communication"].search(
            [("date", "=", day), ("state", "=", "sent")]
        )


class CreditTourCase(HttpCase):
    """Browser tests: users of each role, in the current company, and the
    chatter of a record as text."""

    @classmethod
    def _tour_user(cls, login, name, groups):
        company = cls.env.company
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _tour_quotation(cls, customer, product, salesperson, price):
        """A one-line, tax-free quotation of ``salesperson`` for ``customer``."""
        return cls.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "user_id": salesperson.id,
                "company_id": cls.env.company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1.0,
                            "price_unit": price,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )

    @staticmethod
    def _messages(record):
        """The bodies of ``record``'s chatter, as text, newest first."""
        return [html2plaintext(body or "") for body in record.message_ids.mapped("body")]
