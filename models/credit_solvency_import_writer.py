# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools.mail import generate_tracking_message_id

from ..tools.bulk_insert import columns_of, insert_rows


class CreditSolvencyImportWriter(models.AbstractModel):
    """What an imported solvency file changes, written for thousands of rows
    in a few statements: the checks kept on record, the customers (and their
    contacts) updated and their changes tracked, the hold rules applied.
    Used by the import wizard and the background import."""

    _name = "credit.solvency.import.writer"
    _description = "Solvency Import Writing"

    @api.model
    def _import_rows(self, rows, company, source):
        """Record the check of each valid row on its customer, for ``company``.

        What ``res.partner._solvency_record_check`` does row by row, done for
        all the rows at once: the checks in one statement, the customers (and
        their contacts, as Odoo's sync would) in one write per field and value,
        and the hold rules applied to the customers they may concern.

        :param list rows: values of the import wizard's preview lines
            (``_line_values``) without error
        """
        if not rows:
            return
        Partner = self.env["res.partner"]
        records = [(row["partner_id"], json.loads(row["values"]), row["payload"]) for row in rows]
        self._insert_checks(records, company, source)
        partner_ids = [partner_id for partner_id, __, __ in records]
        by_value = defaultdict(list)
        for partner_id, values, __ in records:
            for fname, value in Partner._solvency_partner_vals(values, source).items():
                by_value[fname, value].append(partner_id)
        writer = Partner.with_company(company).sudo()
        contacts = defaultdict(list)
        for contact in writer.search_fetch(
            [("commercial_partner_id", "in", partner_ids), ("id", "not in", partner_ids)],
            ["commercial_partner_id"],
        ):
            contacts[contact.commercial_partner_id.id].append(contact.id)
        everyone = writer.browse(
            partner_ids + [contact_id for ids in contacts.values() for contact_id in ids]
        )
        tracked = sorted(Partner._track_get_fields() & {fname for fname, __ in by_value})
        initial = {partner.id: {fname: partner[fname] for fname in tracked} for partner in everyone}
        # tracked below in a few statements instead of one message per customer
        writer = writer.with_context(
            credit_solvency_checked=True, credit_no_children_sync=True, mail_notrack=True
        )
        for (fname, value), ids in by_value.items():
            synced = [contact_id for partner_id in ids for contact_id in contacts[partner_id]]
            writer.browse(ids + synced).write({fname: value})
        self._log_tracking(everyone, initial)
        Partner.with_company(company).sudo().browse(partner_ids)._solvency_apply_rules()

    @api.model
    def _insert_checks(self, records, company, source):
        """Keep the check of each row on record, in one statement: the values
        are the file's, already read and checked, and the rest is decided here.

        :param list records: ``(customer id, check values, payload)`` per row
        """
        Check = self.env["credit.solvency.check"]
        Check.check_access("create")
        now = fields.Datetime.now()
        rows = []
        for partner_id, values, payload in records:
            Check._check_solvency_values(values)
            rows.append(
                {
                    **values,
                    "state": "done",
                    "date": now,
                    "partner_id": partner_id,
                    "company_id": company.id,
                    "source": source,
                    "trigger": "import",
                    "payload": payload,
                    "user_id": self.env.user.id,
                }
            )
        insert_rows(self.env, Check._table, columns_of(Check, rows), rows)
        Check.invalidate_model()
        self.env["res.partner"].invalidate_model(["solvency_check_ids", "solvency_check_count"])

    @api.model
    def _log_tracking(self, records, initial):
        """Log the changes of tracked fields in the chatter of ``records`` as
        Odoo's tracking does (a note with the tracking values, no notification),
        for thousands of customers in two statements.

        :param dict initial: {record id: {tracked field: value before the change}}
        """
        fnames = sorted({fname for values in initial.values() for fname in values})
        if not fnames:
            return
        Tracking = self.env["mail.tracking.value"].sudo()
        infos = records.fields_get(fnames, attributes=("string", "type", "selection"))
        changes = []
        for record in records:
            tracking = [
                Tracking._create_tracking_values(
                    initial[record.id][fname], record[fname], fname, infos[fname], record
                )
                for fname in fnames
                if record[fname] != initial[record.id][fname]
            ]
            if tracking:
                changes.append((record, tracking))
        if not changes:
            return
        Message = self.env["mail.message"]
        Message.flush_model()
        author = self.env.user.partner_id
        base = {
            "model": records._name,
            "body": "",
            "message_type": "notification",
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "is_internal": True,
            "author_id": author.id,
            "email_from": author.email_formatted or None,
            "reply_to_force_new": False,
            "date": fields.Datetime.now(),
        }
        messages = [
            {**base, "res_id": record.id, "message_id": generate_tracking_message_id("tracking")}
            for record, __ in changes
        ]
        ids = insert_rows(self.env, Message._table, columns_of(Message, messages), messages)
        values = [
            {**tracking, "mail_message_id": message_id}
            for message_id, (__, trackings) in zip(ids, changes, strict=True)
            for tracking in trackings
        ]
        insert_rows(self.env, Tracking._table, columns_of(Tracking, values), values)
        Message.invalidate_model()
        Tracking.invalidate_model()
        records.invalidate_recordset(["message_ids"])
