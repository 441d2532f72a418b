# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

from odoo import api, models
from odoo.tools import plaintext2html
from odoo.tools.mail import generate_tracking_message_id

from ..tools import insert_pairs, insert_rows

# columns of the chatter messages a run inserts, with their SQL types
MESSAGE_COLUMNS = {
    "model": "varchar",
    "res_id": "int4",
    "record_name": "varchar",
    "body": "text",
    "message_type": "varchar",
    "subtype_id": "int4",
    "is_internal": "bool",
    "subject": "varchar",
    "email_from": "varchar",
    "reply_to": "varchar",
    "mail_server_id": "int4",
    "message_id": "varchar",
    "author_id": "int4",
    "reply_to_force_new": "bool",
    "date": "timestamp",
    "record_company_id": "int4",
    "record_alias_domain_id": "int4",
}
TRACKING_COLUMNS = {
    "field_id": "int4",
    "mail_message_id": "int4",
    "old_value_integer": "int4",
    "new_value_integer": "int4",
    "old_value_char": "varchar",
    "new_value_char": "varchar",
}


class CreditDunningCommunication(models.Model):
    """The traces of a run in the chatter: notes on customers and invoices,
    with the invoices' level tracking, inserted in bulk."""

    _inherit = "credit.dunning.communication"

    def _dunning_log(self, lines, summaries):
        """Trace each reminder on the customer and on each of its invoices, with
        the invoice's level change, in one batch of messages."""
        rows = []
        companies = {}
        for communication in self.with_context(prefetch_fields=False):
            company = companies[communication.id] = communication.company_id
            rows.append(
                (communication.partner_id, summaries[communication.id], None, None, company)
            )
        Move = self.env["account.move"]
        Level = self.env["credit.dunning.level"]
        for line in lines:
            body = summaries[line["communication_id"]]
            move = Move.browse(line["move_id"])
            old, new = line["move_level_id"], line["level_id"]
            changed = line["escalated"] and old != new
            tracking = (Level.browse(old), Level.browse(new)) if changed else None
            rows.append(
                (move, body, tracking, line["move_name"], companies[line["communication_id"]])
            )
        self._dunning_log_messages(rows)

    @api.model
    def _dunning_log_messages(self, rows):
        """Log internal notes in bulk, with the tracking of the invoices' level.

        :param rows: [(record, body, (old level, new level) or None, record
                      name or None, company)]; ``record``'s display name by
                      default; the company of the record (that of the reminder)
        """
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        html = {}
        messages = []
        for record, body, tracking, record_name, company in rows:
            if body not in html:
                html[body] = str(plaintext2html(body))
            messages.append(
                {
                    "model": record._name,
                    "res_id": record.id,
                    "record_name": record_name or record.display_name,
                    "record_company_id": company.id,
                    "body": html[body],
                    "message_type": "notification",
                    "subtype_id": note,
                    "is_internal": True,
                    "tracking": tracking,
                }
            )
        return self._dunning_insert_messages(messages)

    @api.model
    def _dunning_insert_messages(self, messages):
        """Insert chatter messages in bulk; return their ids, in order.

        A run logs a note on every reminded invoice: tens of thousands on a
        first run. These messages are built here from escaped values and notify
        nobody by themselves, so they are inserted in a few statements instead
        of going through ``mail.message``'s per-record processing (sanitizing,
        reply-to and record-name lookups).

        Each message is a dict of ``mail.message`` columns (model, res_id,
        record_name, body, message_type, subtype_id, is_internal and optionally
        subject, email_from, reply_to, mail_server_id, record_company_id), plus
        ``partner_ids`` (recipients) and ``tracking``: (old level, new level)
        of an invoice. As ``message_post``, each message gets its record's
        company (the current one by default) and that company's alias domain,
        which give its emails their bounce address and outgoing server.
        """
        if not messages:
            return []
        author = self.env.user.partner_id
        email_from = author.email_formatted or None
        alias_domains = self._dunning_alias_domains(
            {message.get("record_company_id") or self.env.company.id for message in messages}
        )
        rows = [
            dict(
                message,
                record_company_id=message.get("record_company_id") or self.env.company.id,
                record_alias_domain_id=alias_domains[
                    message.get("record_company_id") or self.env.company.id
                ],
                email_from=message.get("email_from") or email_from,
                message_id=generate_tracking_message_id("dunning"),
                author_id=author.id,
                reply_to_force_new=False,
                date=self.env.cr.now(),
            )
            for message in messages
        ]
        self.env["mail.message"].flush_model()
        ids = insert_rows(self.env, "mail_message", MESSAGE_COLUMNS, rows)
        insert_pairs(
            self.env,
            "mail_message_res_partner_rel",
            "mail_message_id",
            "res_partner_id",
            [
                (id_, partner_id)
                for id_, message in zip(ids, messages, strict=True)
                for partner_id in message.get("partner_ids") or ()
            ],
        )
        self._dunning_insert_level_tracking(
            [
                (id_, *message["tracking"])
                for id_, message in zip(ids, messages, strict=True)
                if message.get("tracking")
            ]
        )
        self.env["mail.message"].invalidate_model()
        for model in {message["model"] for message in messages}:
            self.env[model].invalidate_model(["message_ids"])
        return ids

    @api.model
    def _dunning_alias_domains(self, company_ids):
        """{company id: alias domain id or None}, as ``message_post`` picks it:
        the company's, else the current company's, else the first one."""
        companies = self.env["res.company"].sudo().browse(company_ids)
        default = None
        result = {}
        for company in companies:
            domain = company.alias_domain_id
            if not domain:
                if default is None:
                    default = self.env.company.sudo().alias_domain_id or self.env[
                        "mail.alias.domain"
                    ].sudo().search([], limit=1)
                domain = default
            result[company.id] = domain.id or None
        return result

    @api.model
    def _dunning_insert_level_tracking(self, tracked):
        """:param tracked: [(message id, old level, new level)]"""
        if not tracked:
            return
        field_id = self.env["ir.model.fields"]._get("account.move", "dunning_level_id").id
        names = {level: level.display_name for __, old, new in tracked for level in (old, new)}
        insert_rows(
            self.env,
            "mail_tracking_value",
            TRACKING_COLUMNS,
            [
                {
                    "field_id": field_id,
                    "mail_message_id": message_id,
                    "old_value_integer": old.id or None,
                    "new_value_integer": new.id or None,
                    "old_value_char": names[old] if old else "",
                    "new_value_char": names[new] if new else "",
                }
                for message_id, old, new in tracked
            ],
        )
        self.env["mail.tracking.value"].invalidate_model()
