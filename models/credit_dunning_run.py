# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
import zlib

from odoo import api, fields, models, modules
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
