# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
import zlib
from collections import defaultdict

from odoo import Command, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, split_every

_logger = logging.getLogger(__name__)

# first key of the advisory lock a run holds on its company while it sends
DUNNING_LOCK_KEY = zlib.crc32(b"credit.dunning.run") & 0x7FFFFFFF


class CreditDunningRun(models.Model):
    """A dunning run: which customers are reminded, at which level, of what.

    Levels are decided for every open invoice of the company in one SQL query;
    reminders are then created and sent customer batch by customer batch.

    One run at a time sends for a company (an advisory lock on the company); a
    preview writes nothing but its draft reminders; an automatic run is done
    only once all its batches went through, and the next daily call resumes an
    interrupted one. Its state is the run's own: users cannot write it.
    """

    _name = "credit.dunning.run"
    _description = "Dunning Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    origin = fields.Selection(
        [("manual", "Manual"), ("automatic", "Automatic")], default="manual", required=True
    )
    state = fields.Selection(
        [("draft", "Draft"), ("preview", "Preview"), ("progress", "In Progress"), ("done", "Done")],
        default="draft",
        required=True,
        help="An automatic run is In Progress until all its batches are sent: one "
        "interrupted stays so, and the next daily run resumes it.",
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    communication_ids = fields.One2many("credit.dunning.communication", "run_id")
    communication_count = fields.Integer(compute="_compute_communication_count")

    @api.depends("date", "origin")
    def _compute_name(self):
        for run in self:
            run.name = self.env._(
                "Dunning run of %(date)s", date=format_date(self.env, run.date) if run.date else ""
            )

    def _compute_communication_count(self):
        groups = self.env["credit.dunning.communication"]._read_group(
            [("run_id", "in", self.ids)], ["run_id"], ["__count"]
        )
        counts = {run.id: count for run, count in groups}
        for run in self:
            run.communication_count = counts.get(run.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get("state", "draft") != "draft" or vals.get("origin", "manual") != "manual"
            for vals in vals_list
        ):
            raise UserError(self._dunning_state_message())
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and {"state", "origin"} & set(vals):
            raise UserError(self._dunning_state_message())
        return super().write(vals)

    def action_preview(self):
        """Propose the reminders; the controller can edit them before sending.

        The preview writes nothing but its draft reminders: payment plans
        missed by the run's date are not broken here (their invoices are
        proposed; the plans break when the run is sent).
        """
        self.ensure_one()
        if self.state not in ("draft", "preview"):
            raise UserError(self.env._("This dunning run has already been sent."))
        self.check_access("write")
        skipped = self.communication_ids.filtered(lambda c: c.state == "skipped").partner_id
        self.communication_ids.filtered(lambda c: c.state != "sent").unlink()
        communications = self._dunning_prepare()
        communications.filtered(lambda c: c.partner_id in skipped).sudo().state = "skipped"
        self.sudo().state = "preview"
        return True

    def action_send(self):
        """Send the previewed reminders that are not skipped.

        Reminders whose invoices were reminded at their level since the
        preview (by the daily run, or another manual run) are skipped, and
        the controller is told which.
        """
        self.ensure_one()
        if self.state != "preview":
            raise UserError(self.env._("Preview the dunning run before sending it."))
        self.check_access("write")
        self._dunning_lock()
        self.env["credit.payment.plan"]._check_running_plans(self.date)
        drafts = self.communication_ids.filtered(lambda c: c.state == "draft")
        skipped = drafts - drafts._dunning_send()
        self.sudo().state = "done"
        if not skipped:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": self.env._("Reminders skipped"),
                "message": self.env._(
                    "%(count)s reminder(s) not sent: their invoices were reminded at that "
                    "level since the preview (%(customers)s).",
                    count=len(skipped),
                    customers=", ".join(skipped.partner_id.mapped("display_name")),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.credit_dunning_communication_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def _cron_dunning(self, batch_size=1000):
        """Daily processing: every company, customer batch by customer batch.

        Each batch is committed; the run is marked done once all its batches
        are. A run interrupted half-way stays in progress and the next call
        resumes it (at its own date) before today's run: the invoices already
        reminded are at their new level, so nothing is sent twice.
        """
        self.env["credit.payment.plan"].sudo()._check_running_plans()
        companies = [
            company
            for [company] in self.env["credit.dunning.level"].sudo()._read_group([], ["company_id"])
        ]
        today = fields.Date.context_today(self)
        plans = []
        for company in companies:
            Run = self.sudo().with_company(company)
            runs = Run.search(
                [
                    ("company_id", "=", company.id),
                    ("origin", "=", "automatic"),
                    ("state", "=", "progress"),
                ],
                order="date, id",
            )
            if today not in runs.mapped("date"):
                runs |= Run.new({"company_id": company.id, "date": today, "origin": "automatic"})
            for run in runs:
                partner_ids = run._dunning_partners_to_remind()
                if partner_ids or run.id:
                    plans.append((run, partner_ids))
        total = sum(len(partner_ids) for __, partner_ids in plans)
        done = 0
        resumed = set()
        for planned, planned_partner_ids in plans:
            run, partner_ids = planned, planned_partner_ids
            if run.id:
                resumed.add(run.company_id)
            else:
                if run.company_id in resumed:
                    # what the resumed runs of the company left to remind today
                    partner_ids = run._dunning_partners_to_remind()
                    if not partner_ids:
                        continue
                run = planned.create(
                    {
                        "company_id": planned.company_id.id,
                        "date": planned.date,
                        "origin": "automatic",
                        "state": "progress",
                    }
                )
            for batch in split_every(batch_size, partner_ids):
                run._dunning_lock(wait=True)
                # nothing to preview: the reminders are created sent, and acted on
                run._dunning_prepare(partner_ids=list(batch), state="sent")._dunning_apply()
                done += len(batch)
                self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
                if not modules.module.current_test:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            run.state = "done"
            if not modules.module.current_test:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.info("Dunning: %s customers reminded", done)

    @api.model
    def _dunning_lock_key(self):
        return DUNNING_LOCK_KEY

    def _dunning_lock(self, wait=False):
        """Hold the company's dunning lock until the end of the transaction:
        one run at a time sends reminders for a company.

        :param wait: wait for the run holding it (the daily run) rather than
            refusing (a controller's manual run)
        """
        self.ensure_one()
        if wait:
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    self._dunning_lock_key(),
                    self.company_id.id,
                )
            )
            return
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                self._dunning_lock_key(),
                self.company_id.id,
            )
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "Another dunning run of %(company)s is in progress. Send this one again "
                    "in a few minutes: the reminders already sent by the other run will be "
                    "skipped.",
                    company=self.company_id.name,
                )
            )

    @api.model
    def _dunning_state_message(self):
        return self.env._(
            "The state of a dunning run is set by the run itself: preview and send it with "
            "its buttons."
        )

    def _dunning_partners_to_remind(self):
        rows = self._dunning_candidates()
        return sorted({row["partner_id"] for row in self._dunning_escalations(rows)})

    def _dunning_candidates(self, partner_ids=None):
        """Open invoices of the company with the level they should be at.

        One query for the whole company (or the given customers).
        """
        self.ensure_one()
        for model, fnames in (
            (
                "account.move",
                [
                    "state",
                    "move_type",
                    "payment_state",
                    "amount_residual",
                    "invoice_date_due",
                    "dunning_reached_level_id",
                    "dunning_exclude",
                    "dunning_disputed",
                    "dunning_promise_date",
                    "commercial_partner_id",
                    "currency_id",
                    "amount_residual_signed",
                ],
            ),
            ("res.partner", ["dunning_exclude", "dunning_handover"]),
            ("credit.dunning.level", ["days_overdue", "active", "company_id"]),
            ("credit.payment.plan", ["state", "move_ids"]),
        ):
            self.env[model].flush_model(fnames)
        self.env.cr.execute(self._dunning_candidates_query(partner_ids))
        return self.env.cr.dictfetchall()

    def _dunning_missed_plans(self):
        """Running payment plans that the run's date breaks (an instalment
        missed): a manual run proposes their invoices without breaking them
        before it is sent. The daily run breaks them first."""
        if self.origin == "automatic":
            return []
        return self.env["credit.payment.plan"]._dunning_plans_to_close(self.date)["broken"].ids

    def _dunning_candidates_query(self, partner_ids=None):
        company = self.company_id
        partner_filter = SQL("")
        if partner_ids is not None:
            partner_filter = SQL(
                "AND move.commercial_partner_id = ANY(%s)", list(partner_ids) or [0]
            )
        return SQL(
            """
            SELECT move.id AS move_id,
                   move.commercial_partner_id AS partner_id,
                   move.invoice_date_due AS date_due,
                   %(date)s::date - move.invoice_date_due AS days_overdue,
                   move.currency_id AS currency_id,
                   move.amount_residual AS residual,
                   move.amount_residual_signed AS residual_company,
                   move.dunning_reached_level_id AS current_level_id,
                   current_level.days_overdue AS current_days,
                   target.id AS target_level_id,
                   target.days_overdue AS target_days
              FROM account_move move
              JOIN res_partner partner ON partner.id = move.commercial_partner_id
         LEFT JOIN credit_dunning_level current_level
                ON current_level.id = move.dunning_reached_level_id
              JOIN LATERAL (
                    SELECT level.id, level.days_overdue
                      FROM credit_dunning_level level
                     WHERE level.company_id = move.company_id
                       AND level.active
                       AND level.days_overdue <= %(date)s::date - move.invoice_date_due
                  ORDER BY level.days_overdue DESC
                     LIMIT 1
                   ) target ON TRUE
             WHERE move.company_id = %(company)s
               AND move.move_type = 'out_invoice'
               AND move.state = 'posted'
               AND move.payment_state IN ('not_paid', 'partial')
               AND move.amount_residual > 0
               AND move.invoice_date_due IS NOT NULL
               AND NOT COALESCE(move.dunning_exclude, FALSE)
               AND NOT COALESCE(move.dunning_disputed, FALSE)
               AND (move.dunning_promise_date IS NULL
                    OR move.dunning_promise_date < %(date)s)
               AND NOT EXISTS (
                       SELECT 1
                         FROM credit_payment_plan_account_move_rel plan_move
                         JOIN credit_payment_plan plan ON plan.id = plan_move.plan_id
                        WHERE plan_move.move_id = move.id
                          AND plan.state = 'active'
                          AND plan.id != ALL(%(missed_plans)s))
               AND NOT COALESCE(partner.dunning_exclude, FALSE)
               AND NOT COALESCE((partner.dunning_handover ->> %(company_key)s)::boolean, FALSE)
               %(partner_filter)s
          ORDER BY move.commercial_partner_id, move.invoice_date_due, move.id
            """,
            date=self.date,
            company=company.id,
            company_key=str(company.id),
            partner_filter=partner_filter,
            missed_plans=self._dunning_missed_plans(),
        )

    def _dunning_escalations(self, rows):
        """Rows whose invoice reaches a higher level than the one it is at."""
        return [
            row
            for row in rows
            if row["current_days"] is None or row["target_days"] > row["current_days"]
        ]

    def _dunning_prepare(self, partner_ids=None, state="draft"):
        """Create the reminders of this run (one per customer), draft for a
        preview unless ``state`` says otherwise."""
        self.ensure_one()
        rows = self._dunning_candidates(partner_ids)
        escalations = self._dunning_escalations(rows)
        to_remind = {row["partner_id"] for row in escalations}
        rows_by_partner = defaultdict(list)
        for row in rows:
            if row["partner_id"] in to_remind:
                rows_by_partner[row["partner_id"]].append(row)
        rows_by_partner = self._dunning_filter_min_amount(rows_by_partner)
        if not rows_by_partner:
            return self.env["credit.dunning.communication"]
        levels = self.env["credit.dunning.level"].browse(
            {row["target_level_id"] for row in rows}
            | {row["current_level_id"] for row in rows} - {None}
        )
        charged = self._dunning_charged_so_far(
            [row["move_id"] for rows_ in rows_by_partner.values() for row in rows_]
        )
        partners = self.env["res.partner"].browse(rows_by_partner)
        vals_list = [
            dict(
                self._dunning_communication_vals(
                    partner, rows_by_partner[partner.id], levels, charged
                ),
                state=state,
            )
            for partner in partners
        ]
        return self._dunning_create_communications(vals_list)

    def _dunning_create_communications(self, vals_list):
        """Create the reminders and their lines, in one statement each.

        The reminders' stored totals are summed here from their lines' values
        (as ``_compute_amounts`` does), so that nothing is computed again.
        """
        Communication = self.env["credit.dunning.communication"]
        lines_list = [[command[2] for command in vals.pop("line_ids")] for vals in vals_list]
        for vals, lines in zip(vals_list, lines_list, strict=True):
            vals.update(Communication._dunning_amounts(lines, vals.get("fee_amount") or 0.0))
        communications = Communication.browse(Communication._dunning_insert(vals_list))
        self.env["credit.dunning.communication.line"]._dunning_insert(
            [
                dict(
                    line,
                    communication_id=communication_id,
                    company_id=vals["company_id"],
                    state=vals["state"],
                )
                for communication_id, vals, lines in zip(
                    communications.ids, vals_list, lines_list, strict=True
                )
                for line in lines
            ]
        )
        return communications

    def _dunning_filter_min_amount(self, rows_by_partner):
        minimum = self.company_id.dunning_min_amount
        if not minimum:
            return rows_by_partner
        return {
            partner_id: rows
            for partner_id, rows in rows_by_partner.items()
            if sum(row["residual_company"] for row in rows if row["days_overdue"] > 0) >= minimum
        }

    def _dunning_charged_so_far(self, move_ids):
        """Interest and indemnity already claimed per invoice, in one query."""
        groups = self.env["credit.dunning.communication.line"]._read_group(
            [("move_id", "in", move_ids), ("state", "=", "sent")],
            ["move_id"],
            ["interest:sum", "indemnity:sum"],
        )
        return {move.id: (interest, indemnity) for move, interest, indemnity in groups}

    def _dunning_communication_vals(self, partner, rows, levels, charged):
        level_by_id = {level.id: level for level in levels}
        lines = []
        top_level = None
        for row in rows:
            escalated = row["current_days"] is None or row["target_days"] > row["current_days"]
            level = level_by_id[row["target_level_id"] if escalated else row["current_level_id"]]
            if escalated and (top_level is None or level.days_overdue > top_level.days_overdue):
                top_level = level
            lines.append(
                Command.create(
                    self._dunning_line_vals(row, level, escalated, charged.get(row["move_id"]))
                )
            )
        address = partner.address_get(["invoice"])["invoice"]
        return {
            "name": self.env["credit.dunning.communication"]._dunning_name(top_level, partner),
            "run_id": self.id,
            "company_id": self.company_id.id,
            "partner_id": partner.id,
            "recipient_id": address,
            "level_id": top_level.id,
            "date": self.date,
            "channel": self._dunning_channel(top_level),
            "user_id": (partner.user_id or self.env.user).id,
            "fee_amount": top_level.fee_amount,
            "line_ids": lines,
        }

    def _dunning_line_vals(self, row, level, escalated, charged):
        return {
            "move_id": row["move_id"],
            "currency_id": row["currency_id"],
            "date_due": row["date_due"],
            "days_overdue": row["days_overdue"],
            "residual": row["residual"],
            "residual_company": row["residual_company"],
            "previous_level_id": row["current_level_id"],
            "level_id": level.id,
            "escalated": escalated,
            **self._dunning_line_charges(level if escalated else None, row, charged),
        }

    @api.model
    def _dunning_line_charges(self, level, row, charged):
        """Interest and indemnity of an invoice reaching ``level`` (none when
        ``level`` is None: the invoice stays at its level).

        Interest runs on the invoice's own amount due, in its currency; its
        company-currency value uses the invoice's own rate (that of its amount
        due in company currency), as the reminder's totals do. The indemnity
        is a fixed amount of the level, in company currency.

        :param row: dict with currency_id, residual (invoice currency),
            residual_company and days_overdue
        :param charged: (interest, indemnity) already claimed on the invoice
        """
        charges = {"interest": 0.0, "interest_company": 0.0, "indemnity": 0.0}
        if not level:
            return charges
        interest_claimed, indemnity_claimed = charged or (0.0, 0.0)
        currency = self.env["res.currency"].browse(row["currency_id"])
        interest = max(
            level._interest(row["residual"], row["days_overdue"], currency) - interest_claimed,
            0.0,
        )
        company_currency = level.currency_id
        if currency == company_currency or not row["residual"]:
            interest_company = interest
        else:
            interest_company = company_currency.round(
                interest * row["residual_company"] / row["residual"]
            )
        charges.update(interest=interest, interest_company=interest_company)
        if level.apply_indemnity and not indemnity_claimed:
            charges["indemnity"] = level.indemnity_amount
        return charges

    @api.model
    def _dunning_channel(self, level):
        """The channel of a reminder at ``level``: an email only when the
        level has a template to write it."""
        if level.send_email and level.mail_template_id:
            return "email"
        if level.send_letter:
            return "letter"
        return "none"
