# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict

from odoo import Command, api, models
from odoo.tools import SQL


class CreditDunningRun(models.Model):
    """What a run decides, in one SQL query per company: the level each open
    invoice has reached, the customers to remind, and their reminders' values."""

    _inherit = "credit.dunning.run"

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
