# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditDunningCommunicationLine(models.Model):
    """One overdue invoice listed in a reminder, with its level and charges."""

    _name = "credit.dunning.communication.line"
    _description = "Dunning Communication Line"
    _order = "date_due, id"

    communication_id = fields.Many2one(
        "credit.dunning.communication", required=True, index=True, ondelete="cascade"
    )
    state = fields.Selection(related="communication_id.state", store=True)
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    # set at creation (the reminder's company currency): a plain field keeps the
    # batch creation of thousands of lines cheap
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    date_due = fields.Date(string="Due Date")
    days_overdue = fields.Integer(string="Days Late")
    residual = fields.Monetary(string="Amount Due")
    previous_level_id = fields.Many2one("credit.dunning.level")
    level_id = fields.Many2one("credit.dunning.level", required=True)
    escalated = fields.Boolean(help="The invoice reaches this level with this reminder.")
    interest = fields.Monetary()
    indemnity = fields.Monetary(string="Recovery Indemnity")

    def init(self):
        # An invoice is never reminded twice at the same level: the run is
        # safe to interrupt and to re-run.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS credit_dunning_line_move_level_sent_uniq
                ON credit_dunning_communication_line (move_id, level_id)
             WHERE escalated AND state = 'sent'
            """
        )
