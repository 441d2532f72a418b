# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date, plaintext2html
from odoo.tools.mail import generate_tracking_message_id

from ..tools import insert_pairs, insert_rows
from .credit_dunning_level import MAX_CHARGE

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
# columns of the reminders a run inserts, with their SQL types
INSERTED_COLUMNS = {
    "name": "varchar",
    "run_id": "int4",
    "partner_id": "int4",
    "company_id": "int4",
    "level_id": "int4",
    "date": "date",
    "channel": "varchar",
    "state": "varchar",
    "recipient_id": "int4",
    "user_id": "int4",
    "amount_due": "numeric",
    "interest_amount": "numeric",
    "indemnity_amount": "numeric",
    "fee_amount": "numeric",
    "charges_amount": "numeric",
}
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
    """One reminder to one customer: all its overdue invoices, at one level.

    A sent reminder is the record of what the customer received: users cannot
    change or delete it, create one already sent, or touch its charges invoice;
    only the dunning run and *Invoice Charges* write them (as the system, once
    the user's rights are checked). Its totals are in the company's currency;
    its lines list each invoice in the invoice's currency.
    """

    _name = "credit.dunning.communication"
    _description = "Dunning Communication"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    run_id = fields.Many2one("credit.dunning.run", index=True, ondelete="set null")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "credit.dunning.level",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter"), ("none", "No Message")],
        required=True,
        default="email",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Sent"), ("skipped", "Skipped")],
        default="draft",
        required=True,
        index=True,
    )
    recipient_id = fields.Many2one("res.partner", help="Invoice address of the customer.")
    user_id = fields.Many2one("res.users", string="Collector")
    line_ids = fields.One2many("credit.dunning.communication.line", "communication_id")
    amount_due = fields.Monetary(compute="_compute_amounts", store=True)
    interest_amount = fields.Monetary(compute="_compute_amounts", store=True)
    indemnity_amount = fields.Monetary(compute="_compute_amounts", store=True)
    fee_amount = fields.Monetary()
    charges_amount = fields.Monetary(compute="_compute_amounts", store=True)
    charges_move_id = fields.Many2one(
        "account.move", string="Charges Invoice", copy=False, readonly=True
    )

    @api.constrains("fee_amount")
    def _check_fee_amount(self):
        for communication in self:
            if not 0.0 <= communication.fee_amount <= MAX_CHARGE:
                raise ValidationError(
                    self.env._(
                        "The fee of reminder %(reminder)s must be between 0 and %(max)s.",
                        reminder=communication.name,
                        max=communication.currency_id.format(MAX_CHARGE),
                    )
                )

    @api.constrains("channel", "level_id")
    def _check_channel(self):
        for communication in self:
            if communication.channel == "email" and not communication.level_id.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Reminder %(reminder)s cannot be emailed: its level %(level)s has no "
                        "email template. Choose Letter or No Message.",
                        reminder=communication.name,
                        level=communication.level_id.name,
                    )
                )

    @api.depends("partner_id", "level_id")
    def _compute_name(self):
        for record in self:
            record.name = self._dunning_name(record.level_id, record.partner_id)

    @api.depends(
        "line_ids.residual_company",
        "line_ids.interest_company",
        "line_ids.indemnity",
        "fee_amount",
    )
    def _compute_amounts(self):
        for communication in self:
            lines = [
                {
                    "residual_company": line.residual_company,
                    "interest_company": line.interest_company,
                    "indemnity": line.indemnity,
                }
                for line in communication.line_ids
            ]
            communication.update(self._dunning_amounts(lines, communication.fee_amount))

    @api.onchange("level_id")
    def _onchange_level_id(self):
        """A level chosen in the preview brings its channel and its fee."""
        if self.level_id:
            self.channel = self.env["credit.dunning.run"]._dunning_channel(self.level_id)
            self.fee_amount = self.level_id.fee_amount

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get("state", "draft") != "draft" or vals.get("charges_move_id")
            for vals in vals_list
        ):
            raise UserError(
                self.env._(
                    "Reminders are created as drafts: a dunning run sends them, and Invoice "
                    "Charges invoices their charges."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._dunning_check_user_write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if not self.env.su and any(c.state == "sent" for c in self):
            raise UserError(
                self.env._(
                    "Sent reminders cannot be deleted: they are the record of what the "
                    "customers received."
                )
            )

    def action_skip(self):
        self._check_draft()
        self.check_access("write")
        self.sudo().state = "skipped"

    def action_reset_draft(self):
        if any(c.run_id.state == "done" for c in self):
            raise UserError(self.env._("The dunning run is done: its reminders cannot change."))
        self.check_access("write")
        self.filtered(lambda c: c.state == "skipped").sudo().state = "draft"

    def action_invoice_charges(self):
        """Invoice the fees, indemnities and interest of sent reminders, once."""
        self.check_access("write")
        # two clicks at once: the second waits for the first and finds it invoiced
        self.env.cr.execute(
            SQL(
                "SELECT id FROM credit_dunning_communication WHERE id = ANY(%s) FOR UPDATE",
                self.ids,
            )
        )
        self.invalidate_recordset(["charges_move_id"])
        invoiced = self.filtered(
            lambda c: c.charges_move_id and c.charges_move_id.state != "cancel"
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "The charges of %(reminder)s are already invoiced (%(invoice)s).",
                    reminder=invoiced[0].name,
                    invoice=invoiced[0].charges_move_id.display_name,
                )
            )
        if any(c.state != "sent" for c in self):
            raise UserError(self.env._("Only the charges of sent reminders can be invoiced."))
        to_invoice = self.filtered(lambda c: not c.currency_id.is_zero(c.charges_amount))
        if not to_invoice:
            raise UserError(self.env._("There is no charge to invoice."))
        moves = self.env["account.move"].create(
            [communication._charges_invoice_vals() for communication in to_invoice]
        )
        for communication, move in zip(to_invoice, moves, strict=True):
            communication.sudo().charges_move_id = move
            communication.message_post(
                body=self.env._("Charges invoiced: %(invoice)s", invoice=move.display_name)
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", moves.ids)]
        if len(moves) == 1:
            action.update({"views": [(False, "form")], "res_id": moves.id})
        return action

    def _charges_invoice_vals(self):
        self.ensure_one()
        lines = []
        if self.fee_amount:
            lines.append(
                self._charges_line(
                    "credit_management.product_dunning_fee",
                    self.env._("Dunning fee (%(level)s)", level=self.level_id.name),
                    self.fee_amount,
                )
            )
        format_amount = self.env["res.currency"]._credit_amount_formatter()
        for line in self.line_ids:
            if line.indemnity:
                lines.append(
                    self._charges_line(
                        "credit_management.product_dunning_indemnity",
                        self.env._(
                            "Recovery indemnity, invoice %(invoice)s", invoice=line.move_id.name
                        ),
                        line.indemnity,
                    )
                )
            if line.interest_company:
                if line.currency_id == self.currency_id:
                    label = self.env._(
                        "Late-payment interest, invoice %(invoice)s, %(days)s days",
                        invoice=line.move_id.name,
                        days=line.days_overdue,
                    )
                else:
                    label = self.env._(
                        "Late-payment interest, invoice %(invoice)s, %(days)s days: "
                        "%(amount)s at the invoice's rate",
                        invoice=line.move_id.name,
                        days=line.days_overdue,
                        amount=format_amount(line.interest, line.currency_id),
                    )
                lines.append(
                    self._charges_line(
                        "credit_management.product_dunning_interest",
                        label,
                        line.interest_company,
                    )
                )
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_origin": self.name,
            "invoice_line_ids": lines,
        }

    def _charges_line(self, product_xmlid, label, amount):
        product = self.env.ref(product_xmlid)
        return Command.create(
            {
                "product_id": product.id,
                "name": label,
                "quantity": 1.0,
                "price_unit": amount,
                "tax_ids": [
                    Command.set(
                        product.taxes_id.filtered(lambda t: t.company_id == self.company_id).ids
                    )
                ],
            }
        )

    def _dunning_check_user_write(self, vals):
        """What a user may change on a reminder: a draft's level, channel,
        recipient, collector and fee; the chatter of any reminder."""
        changed = set(vals) - set(self.env["mail.thread"]._fields)
        if not changed:
            return
        if changed & {"state", "charges_move_id"}:
            raise UserError(
                self.env._(
                    "The state of a reminder and its charges invoice are set by the dunning "
                    "run and by Invoice Charges, not by hand."
                )
            )
        sent = self.filtered(lambda c: c.state == "sent")
        if sent:
            raise UserError(
                self.env._(
                    "Reminder %(reminder)s was sent: it stays as the customer received it.",
                    reminder=sent[0].name,
                )
            )
        self._check_draft()

    def _check_draft(self):
        if any(c.state != "draft" for c in self):
            raise UserError(self.env._("Only draft reminders can be changed."))

    @api.model
    def _dunning_name(self, level, partner):
        return f"{level.name or ''} - {partner.name or ''}"

    @api.model
    def _dunning_amounts(self, lines, fee_amount):
        """The reminder's totals, in company currency, from its lines' values
        (dicts with residual_company, interest_company and indemnity)."""
        interest = sum(line.get("interest_company") or 0.0 for line in lines)
        indemnity = sum(line.get("indemnity") or 0.0 for line in lines)
        return {
            "amount_due": sum(line.get("residual_company") or 0.0 for line in lines),
            "interest_amount": interest,
            "indemnity_amount": indemnity,
            "charges_amount": interest + indemnity + fee_amount,
        }

    def _dunning_totals_by_currency(self):
        """What the customer owes, currency by currency, for the reminder's
        email and letter: the company's currency first (it carries the fee and
        the indemnities), then the invoices' other currencies.

        :return: list of dicts with currency, amount_due, interest, charges
                 (interest, plus fee and indemnities in company currency) and
                 total (amount due plus charges)
        """
        self.ensure_one()
        company_currency = self.currency_id
        totals = {
            company_currency: {
                "currency": company_currency,
                "amount_due": 0.0,
                "interest": 0.0,
                "charges": self.fee_amount + self.indemnity_amount,
            }
        }
        for line in self.line_ids:
            total = totals.setdefault(
                line.currency_id,
                {"currency": line.currency_id, "amount_due": 0.0, "interest": 0.0, "charges": 0.0},
            )
            total["amount_due"] += line.residual
            total["interest"] += line.interest
            total["charges"] += line.interest
        result = [totals.pop(company_currency)]
        result += sorted(totals.values(), key=lambda total: total["currency"].name)
        for total in result:
            total["total"] = total["amount_due"] + total["charges"]
        return [
            total
            for total in result
            if total["currency"] != company_currency or len(result) == 1 or total["total"]
        ]

    @api.model
    def _dunning_insert(self, vals_list):
        """Insert a run's reminders in one statement; return their ids.

        The values are complete (totals and name included, see
        ``credit.dunning.run._dunning_create_communications``): a run creates
        thousands of reminders, which have no follower and log no creation.
        """
        self.browse().check_access("create")
        self.flush_model()
        ids = insert_rows(self.env, self._table, INSERTED_COLUMNS, vals_list)
        self.env["credit.dunning.run"].invalidate_model(["communication_ids"])
        self.browse(ids).check_access("create")  # record rules (companies)
        return ids

    def _dunning_send(self):
        """Send these draft reminders (after a preview) and apply their actions.

        Reminders whose invoices were reminded at their level since the
        preview (by the daily run or another run) are skipped rather than sent
        twice.

        :return: the reminders sent
        """
        communications = self.filtered(lambda c: c.state == "draft")
        if not communications:
            return self.browse()
        communications.check_access("write")
        communications._dunning_cap_levels()
        stale = communications._dunning_already_reminded()
        if stale:
            stale.sudo().write({"state": "skipped"})
            communications -= stale
        communications.sudo().write({"state": "sent"})
        return communications._dunning_apply()

    def _dunning_already_reminded(self):
        """The reminders of which an invoice has reached its level (or a
        higher one) since they were prepared, in one query."""
        self.env["credit.dunning.communication.line"].flush_model(
            ["communication_id", "move_id", "level_id", "escalated", "state"]
        )
        self.env["account.move"].flush_model(["dunning_reached_level_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT line.communication_id
                  FROM credit_dunning_communication_line line
                  JOIN credit_dunning_level level ON level.id = line.level_id
                  JOIN account_move move ON move.id = line.move_id
             LEFT JOIN credit_dunning_level reached
                    ON reached.id = move.dunning_reached_level_id
                 WHERE line.communication_id = ANY(%(ids)s)
                   AND line.escalated
                   AND (reached.days_overdue >= level.days_overdue
                        OR EXISTS (
                            SELECT 1
                              FROM credit_dunning_communication_line sent
                             WHERE sent.move_id = line.move_id
                               AND sent.level_id = line.level_id
                               AND sent.escalated
                               AND sent.state = 'sent'))
                """,
                ids=self.ids,
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _dunning_apply(self):
        """Apply the levels' actions of these sent reminders: invoices' and
        customers' levels, suspension, hand-over, emails, notes and calls.

        Set-based: the number of queries grows with the number of levels and
        mail templates, not with the number of customers or invoices.
        """
        lines = self._dunning_line_rows()
        self._dunning_update_invoice_levels(lines)
        self._dunning_update_partner_levels()
        self._dunning_suspend_and_hand_over()
        self._dunning_check_channels()
        summaries = self._dunning_summaries(lines)
        self._dunning_send_emails(summaries)
        self._dunning_log(lines, summaries)
        self._dunning_schedule_calls()
        return self

    def _dunning_line_rows(self):
        """The lines of these reminders with their invoice, in one query.

        :return: dicts with communication_id, move_id, move_name, level_id,
                 escalated, move_level_id (the invoice's current level),
                 currency_id and residual (in that currency)
        """
        self.env["credit.dunning.communication.line"].flush_model(
            ["communication_id", "move_id", "level_id", "escalated", "date_due"]
            + ["currency_id", "residual"]
        )
        self.env["account.move"].flush_model(["name", "dunning_level_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT line.communication_id, line.move_id, move.name AS move_name,
                       line.level_id, line.escalated, move.dunning_level_id AS move_level_id,
                       line.currency_id, line.residual
                  FROM credit_dunning_communication_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.communication_id = ANY(%s)
              ORDER BY line.communication_id, line.date_due, line.id
                """,
                self.ids,
            )
        )
        return self.env.cr.dictfetchall()

    def _dunning_cap_levels(self):
        """A controller may lower a reminder's level in the preview."""
        self.flush_model(["level_id"])
        self.env["credit.dunning.communication.line"].flush_model(["level_id", "escalated"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT communication.id
                  FROM credit_dunning_communication communication
                  JOIN credit_dunning_level ceiling ON ceiling.id = communication.level_id
                  JOIN credit_dunning_communication_line line
                    ON line.communication_id = communication.id AND line.escalated
                  JOIN credit_dunning_level level ON level.id = line.level_id
                 WHERE communication.id = ANY(%s)
                   AND level.days_overdue > ceiling.days_overdue
                """,
                self.ids,
            )
        )
        lowered = self.browse(row[0] for row in self.env.cr.fetchall())
        if not lowered:
            return
        # the charges follow the level: those of the lower level, or none when
        # the invoice stays at the level it had
        Run = self.env["credit.dunning.run"]
        charged = Run._dunning_charged_so_far(lowered.line_ids.move_id.ids)
        for communication in lowered:
            ceiling = communication.level_id
            for line in communication.line_ids.filtered("escalated"):
                if line.level_id.days_overdue <= ceiling.days_overdue:
                    continue
                previous = line.previous_level_id
                if previous and previous.days_overdue >= ceiling.days_overdue:
                    values = dict(
                        Run._dunning_line_charges(None, {}, None),
                        escalated=False,
                        level_id=previous.id,
                    )
                else:
                    row = {
                        "currency_id": line.currency_id.id,
                        "residual": line.residual,
                        "residual_company": line.residual_company,
                        "days_overdue": line.days_overdue,
                    }
                    values = dict(
                        Run._dunning_line_charges(ceiling, row, charged.get(line.move_id.id)),
                        level_id=ceiling.id,
                    )
                line.sudo().write(values)

    def _dunning_update_invoice_levels(self, lines):
        """Move the escalated invoices to their new level: one write per level.

        The level change is traced in each invoice's reminder note (see
        ``_dunning_log``) rather than by a separate tracking message.

        :param lines: the reminders' lines (``_dunning_line_rows``)
        """
        move_ids_by_level = defaultdict(list)
        for line in lines:
            if line["escalated"]:
                move_ids_by_level[line["level_id"]].append(line["move_id"])
        # all the invoices of the batch share their prefetching: the checks of
        # account.move's write read a few columns of all of them at once
        moves = (
            self.env["account.move"]
            .sudo()
            .with_context(
                prefetch_fields=False,
                tracking_disable=True,
                skip_invoice_sync=True,
                check_move_validity=False,
                skip_is_manually_modified=True,
            )
            .browse([move_id for ids in move_ids_by_level.values() for move_id in ids])
        )
        for level_id, move_ids in move_ids_by_level.items():
            moves.browse(move_ids).with_prefetch(moves._prefetch_ids).write(
                {"dunning_reached_level_id": level_id, "dunning_level_id": level_id}
            )

    def _dunning_update_partner_levels(self):
        for company, communications in self.grouped("company_id").items():
            communications.partner_id.with_company(company).sudo()._dunning_recompute_level()

    def _dunning_suspend_and_hand_over(self):
        to_suspend = self.filtered(lambda c: c.level_id.suspend_sales)
        for (company, level, date), communications in to_suspend.grouped(
            lambda c: (c.company_id, c.level_id, c.date)
        ).items():
            partners = communications.partner_id.with_company(company).sudo()
            partners = partners.filtered(lambda p: not p.credit_hold)
            if not partners:
                continue
            reason = self.env._(
                "Suspended by dunning (%(level)s) on %(date)s",
                level=level.name,
                date=format_date(self.env, date),
            )
            partners.with_context(credit_hold_logged=True)._credit_set_hold(
                reason, origin="dunning"
            )
            body = self.env._(
                "Put on credit hold (%(company)s): %(reason)s", company=company.name, reason=reason
            )
            self._dunning_log_messages(
                [(partner, body, None, None, company) for partner in partners]
            )
        handed_over = self.filtered(lambda c: c.level_id.handover)
        for company, communications in handed_over.grouped("company_id").items():
            partners = communications.partner_id.with_company(company).sudo()
            # not shared with the contacts: no sync, customer by customer, to them
            partners.with_context(credit_no_children_sync=True).write({"dunning_handover": True})

    def _dunning_check_channels(self):
        """A reminder is never marked emailed when no email can be queued: one
        whose level lost its email template since the preview is a letter (when
        the level prints one) or no message."""
        Run = self.env["credit.dunning.run"]
        unsendable = self.filtered(
            lambda c: c.channel == "email" and not c.level_id.mail_template_id
        )
        for level, communications in unsendable.grouped("level_id").items():
            communications.sudo().write({"channel": Run._dunning_channel(level)})

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

    def _dunning_summaries(self, lines):
        """{reminder id: one-line summary}, for the chatter of everything it
        concerns; the amount due in each currency of its invoices."""
        format_amount = self.env["res.currency"]._credit_amount_formatter()
        channels = dict(self._fields["channel"]._description_selection(self.env))
        Currency = self.env["res.currency"]
        counts = defaultdict(int)
        due = defaultdict(lambda: defaultdict(float))
        for line in lines:
            counts[line["communication_id"]] += 1
            due[line["communication_id"]][line["currency_id"]] += line["residual"] or 0.0
        summaries = {}
        for communication in self:
            amounts = due[communication.id]
            company_currency = communication.currency_id
            if set(amounts) - {company_currency.id}:
                currencies = Currency.browse(amounts).sorted(
                    lambda c, first=company_currency: (c != first, c.name)
                )
                amount = " + ".join(
                    format_amount(amounts[currency.id], currency) for currency in currencies
                )
            else:
                amount = format_amount(communication.amount_due, communication.currency_id)
            summaries[communication.id] = self.env._(
                "Reminder %(level)s (%(channel)s): %(count)s invoice(s), %(amount)s due.",
                level=communication.level_id.name,
                channel=channels[communication.channel],
                count=counts[communication.id],
                amount=amount,
            )
        return summaries

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

    def _dunning_schedule_calls(self):
        calls = self.filtered(lambda c: c.level_id.phone_call)
        if not calls:
            return
        activity_type = self.env.ref("mail.mail_activity_data_call")
        model_id = self.env["ir.model"]._get_id("res.partner")
        format_amount = self.env["res.currency"]._credit_amount_formatter()
        # the collector finds the calls in their activities: no email per call
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": communication.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "user_id": communication.user_id.id,
                    "summary": self.env._(
                        "Dunning call: %(level)s", level=communication.level_id.name
                    ),
                    "note": self.env._(
                        "%(amount)s overdue. Record the outcome (promise, dispute) in the chatter.",
                        amount=format_amount(communication.amount_due, communication.currency_id),
                    ),
                }
                for communication in calls
            ]
        )
