# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date, is_html_empty, plaintext2html

from ..tools import insert_pairs, insert_rows

MAIL_COLUMNS = {
    "mail_message_id": "int4",
    "body_html": "text",
    "email_to": "text",
    "email_cc": "varchar",
    "scheduled_date": "timestamp",
    "state": "varchar",
    "is_notification": "bool",
    "auto_delete": "bool",
}
NOTIFICATION_COLUMNS = {
    "author_id": "int4",
    "mail_message_id": "int4",
    "mail_mail_id": "int4",
    "res_partner_id": "int4",
    "notification_type": "varchar",
    "notification_status": "varchar",
    "is_read": "bool",
}
MAIL_FIELDS = (
    "attachment_ids",
    "body_html",
    "email_cc",
    "email_from",
    "email_to",
    "mail_server_id",
    "partner_to",
    "reply_to",
    "report_template_ids",
    "scheduled_date",
    "subject",
)


class CreditDunningCommunication(models.Model):
    """The reminder emails of a run: rendered per template, queued in bulk
    with their notifications, so that delivery is tracked as for any message."""

    _inherit = "credit.dunning.communication"

    # What the reminder emails show, computed here so that their templates are
    # plain placeholders (``<t t-out="object.email_invoices"/>``): Odoo renders
    # such templates without compiling them per email (see
    # ``mail_allowed_qweb_expressions``), and anyone may edit them.
    email_salutation = fields.Char(compute="_compute_email_values")
    email_invoices = fields.Html(compute="_compute_email_values", sanitize=False)
    email_payment_instructions = fields.Html(compute="_compute_email_values", sanitize=False)
    email_signature = fields.Html(compute="_compute_email_values", sanitize=False)
    email_from_address = fields.Char(compute="_compute_email_values")
    email_partner_to = fields.Char(compute="_compute_email_values")

    @api.depends_context("lang")
    @api.depends("partner_id", "recipient_id", "user_id", "line_ids")
    def _compute_email_values(self):
        values = self._email_render_values()
        QWeb = self.env["ir.qweb"]
        for communication in self:
            recipient = communication.recipient_id or communication.partner_id
            salutation = recipient.name or ""
            if communication.recipient_id and recipient != communication.partner_id:
                salutation = f"{salutation} ({communication.partner_id.name})"
            communication.email_salutation = salutation
            communication.email_invoices = QWeb._render(
                "credit_management.dunning_email_invoices", dict(values, object=communication)
            )
            communication.email_payment_instructions = communication._email_payment_text()
            signature = communication.user_id.signature
            communication.email_signature = (
                signature if not is_html_empty(signature) else communication.company_id.name
            )
            communication.email_from_address = (
                communication.user_id.email_formatted
                or communication.company_id.email_formatted
                or self.env.user.email_formatted
            )
            communication.email_partner_to = str(recipient.id or "")

    def _email_render_values(self):
        """The functions the invoice table of the emails calls, for this batch:
        amounts formatted without a language lookup each."""
        env = self.env

        def format_date_lang(date):
            return format_date(env, date)

        return {
            "format_amount": env["res.currency"]._credit_amount_formatter(),
            "format_date": format_date_lang,
        }

    def _email_payment_text(self):
        """How to pay: the company's bank account and the references to quote."""
        self.ensure_one()
        account = self.company_id.partner_id.bank_ids[:1].acc_number
        references = ", ".join(
            line.move_id.payment_reference or line.move_id.name or "" for line in self.line_ids
        )
        if account:
            return Markup(
                self.env._(
                    "Please pay by bank transfer to the account <strong>%(account)s</strong>, "
                    "mentioning the following references: <strong>%(references)s</strong>."
                )
            ) % {"account": account, "references": references}
        return Markup(
            self.env._(
                "Please make your payment, mentioning the following references: "
                "<strong>%(references)s</strong>."
            )
        ) % {"references": references}

    @api.model
    def mail_allowed_qweb_expressions(self):
        """Placeholders of the reminder emails: plain reads, rendered without code."""
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.email_salutation",
            "object.email_invoices",
            "object.email_payment_instructions",
            "object.email_signature",
            "object.email_from_address",
            "object.email_partner_to",
            "object.level_id.name",
            "object.level_id.description",
            "object.company_id.name",
            "object.partner_id.lang",
        )

    def _dunning_send_emails(self, summaries):
        """Queue the reminder emails, rendered in batch per template.

        Each email is a message of the reminder (its summary, to the recipient,
        in its chatter) whose delivery is tracked like any notification; the
        email sent is the rendered template.
        """
        emails = self.filtered(lambda c: c.channel == "email" and c.level_id.mail_template_id)
        messages, values_list, attachments_list = [], [], []
        for template, communications in emails.grouped(
            lambda c: c.level_id.mail_template_id
        ).items():
            # only the fields the template reads: invoices have a hundred columns
            rendered = (
                template.sudo()
                .with_context(prefetch_fields=False)
                ._generate_template(communications.ids, MAIL_FIELDS)
            )
            for communication in communications:
                message, values, attachments = communication._dunning_mail_values(
                    rendered[communication.id], summaries[communication.id]
                )
                messages.append(message)
                values_list.append(values)
                attachments_list.append(attachments)
        message_ids = self._dunning_insert_messages(messages)
        mails = self._dunning_queue_mails(message_ids, messages, values_list, attachments_list)
        if mails:
            # the queue sends them now rather than at its next hourly run
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        return mails

    @api.model
    def _dunning_scheduled_date(self, value):
        """A rendered scheduled date as mail.mail stores it (None if not set)."""
        parsed = value and self.env["mail.mail"]._parse_scheduled_datetime(value)
        return parsed.replace(tzinfo=None) if parsed else None

    @api.model
    def _dunning_queue_mails(self, message_ids, messages, values_list, attachments_list):
        """Queue one email per message, with its recipients' notifications
        (status "ready": the mail queue sends them and records the outcome).

        In a few statements, as the messages: see ``_dunning_insert_messages``.

        :param values_list: ``mail.mail`` values from ``_dunning_mail_values``
        :param attachments_list: per email, the [(name, base64 data)] to attach
        :return: the ``mail.mail`` records
        """
        attachment_links = [
            (message_id, attachment_id)
            for message_id, values in zip(message_ids, values_list, strict=True)
            for attachment_id in values.get("attachment_ids") or ()
        ]
        new_attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "datas": datas,
                        "type": "binary",
                        "res_model": "mail.message",
                        "res_id": message_id,
                    }
                    for message_id, attachments in zip(message_ids, attachments_list, strict=True)
                    for name, datas in attachments
                ]
            )
        )
        attachment_links += [(attachment.res_id, attachment.id) for attachment in new_attachments]
        insert_pairs(
            self.env, "message_attachment_rel", "message_id", "attachment_id", attachment_links
        )
        Mail = self.env["mail.mail"]
        mail_ids = insert_rows(
            self.env,
            "mail_mail",
            MAIL_COLUMNS,
            [
                {
                    "mail_message_id": message_id,
                    "body_html": values.get("body_html"),
                    "email_to": values.get("email_to") or None,
                    "email_cc": values.get("email_cc") or None,
                    "scheduled_date": self._dunning_scheduled_date(values.get("scheduled_date")),
                    "state": "outgoing",
                    "is_notification": True,
                    "auto_delete": False,
                }
                for message_id, values in zip(message_ids, values_list, strict=True)
            ],
        )
        recipients = [
            (mail_id, message_id, partner_id)
            for mail_id, message_id, message in zip(mail_ids, message_ids, messages, strict=True)
            for partner_id in message.get("partner_ids") or ()
        ]
        insert_pairs(
            self.env,
            "mail_mail_res_partner_rel",
            "mail_mail_id",
            "res_partner_id",
            [(mail_id, partner_id) for mail_id, __, partner_id in recipients],
        )
        insert_rows(
            self.env,
            "mail_notification",
            NOTIFICATION_COLUMNS,
            [
                {
                    "author_id": self.env.user.partner_id.id,
                    "mail_message_id": message_id,
                    "mail_mail_id": mail_id,
                    "res_partner_id": partner_id,
                    "notification_type": "email",
                    "notification_status": "ready",
                    "is_read": True,
                }
                for mail_id, message_id, partner_id in recipients
            ],
            log_access=False,
        )
        for model in ("mail.mail", "mail.notification", "mail.message"):
            self.env[model].invalidate_model()
        return Mail.browse(mail_ids)

    def _dunning_mail_values(self, rendered, summary):
        """The reminder's email, from its rendered template.

        The message shown in the reminder's chatter carries the short summary,
        the email sent is the rendered template.

        :return: (message values for ``_dunning_insert_messages``, mail.mail
                  values, [(attachment name, base64 data)])
        """
        self.ensure_one()
        partner_ids = rendered.get("partner_ids") or []
        email_from = rendered.get("email_from") or None
        message = {
            "model": self._name,
            "res_id": self.id,
            "record_company_id": self.company_id.id,
            "record_name": self.name,
            "body": str(plaintext2html(summary)),
            "message_type": "comment",
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment"),
            "is_internal": False,
            "subject": rendered.get("subject"),
            "email_from": email_from,
            "reply_to": rendered.get("reply_to") or email_from,
            "mail_server_id": rendered.get("mail_server_id") or None,
            "partner_ids": partner_ids,
        }
        values = {
            "body_html": rendered.get("body_html"),
            "email_to": rendered.get("email_to"),
            "email_cc": rendered.get("email_cc"),
            "scheduled_date": rendered.get("scheduled_date"),
            "attachment_ids": rendered.get("attachment_ids") or [],
        }
        return message, values, rendered.get("attachments") or []
