# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models

from ..tools import qr_code_data_uri


class CreditDunningCommunication(models.Model):
    """Every reminder carries the signed link of the customer's statement page:
    the email a "View and pay online" button, the letter a QR code."""

    _inherit = "credit.dunning.communication"

    email_statement_button = fields.Html(
        compute="_compute_email_statement_button",
        sanitize=False,
        help="The reminder email's button to the customer's statement page.",
    )

    @api.depends_context("lang")
    @api.depends("partner_id", "company_id")
    def _compute_email_statement_button(self):
        QWeb = self.env["ir.qweb"]
        for communication in self:
            communication.email_statement_button = QWeb._render(
                "credit_management.credit_statement_mail_button",
                {"url": communication._credit_statement_url()},
            )

    @api.model
    def mail_allowed_qweb_expressions(self):
        return (*super().mail_allowed_qweb_expressions(), "object.email_statement_button")

    def _credit_statement_url(self):
        """Signed link of the statement page of the reminder's customer, in the
        reminder's company."""
        self.ensure_one()
        return self.partner_id.with_company(self.company_id)._credit_statement_url()

    def _credit_statement_qr_code(self):
        """The link of the customer's statement page as a QR code (data URI),
        for the letter."""
        return qr_code_data_uri(self._credit_statement_url())

    def _dunning_send_emails(self, summaries):
        # the customers' links exist before the batch is rendered: one
        # statement per company rather than one write per customer
        for company, communications in self.grouped("company_id").items():
            communications.partner_id.with_company(company)._credit_statement_ensure_tokens()
        return super()._dunning_send_emails(summaries)

    def _dunning_mail_values(self, rendered, summary):
        message, values, attachments = super()._dunning_mail_values(rendered, summary)
        values["body_html"] = self._credit_statement_add_link(values.get("body_html"))
        return message, values, attachments

    def _credit_statement_add_link(self, body):
        """``body`` with the link of the customer's statement page: a template
        that does not show it (a company's own) gets the standard button at
        its end."""
        self.ensure_one()
        url = self._credit_statement_url()
        body = body or ""
        if url in body:
            return body
        button = (
            self.env["ir.qweb"]
            .with_context(lang=self.partner_id.lang)
            ._render("credit_management.credit_statement_mail_button", {"url": url})
        )
        return str(Markup(body) + Markup(button))
