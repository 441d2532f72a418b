# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL, format_date

from ..tools import insert_rows

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


class CreditDunningCommunication(models.Model):
    """Sending a batch of reminders: set-based writes of what the run decided
    (reminders, invoice and customer levels, suspensions, hand-overs, calls)."""

    _inherit = "credit.dunning.communication"

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
