# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import insert_rows

# columns of the lines a run inserts, with their SQL types
INSERTED_COLUMNS = {
    "communication_id": "int4",
    "currency_id": "int4",
    "company_id": "int4",
    "state": "varchar",
    "move_id": "int4",
    "date_due": "date",
    "days_overdue": "int4",
    "residual": "numeric",
    "residual_company": "numeric",
    "previous_level_id": "int4",
    "level_id": "int4",
    "escalated": "bool",
    "interest": "numeric",
    "interest_company": "numeric",
    "indemnity": "numeric",
}


class CreditDunningCommunicationLine(models.Model):
    """One overdue invoice listed in a reminder, with its level and charges.

    The amount due and the interest are in the invoice's currency (what the
    customer owes and reads), with their company-currency value for the
    reminder's totals; the recovery indemnity, a fixed amount of the level, is
    in the company's currency.

    Lines are decided by the dunning run: users do not create or change them.
    """

    _name = "credit.dunning.communication.line"
    _description = "Dunning Communication Line"
    _order = "date_due, id"

    communication_id = fields.Many2one(
        "credit.dunning.communication", required=True, index=True, ondelete="cascade"
    )
    state = fields.Selection(related="communication_id.state", store=True)
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    # set at creation (the invoice's currency): a plain field keeps the batch
    # creation of thousands of lines cheap
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    date_due = fields.Date(string="Due Date")
    days_overdue = fields.Integer(string="Days Late")
    residual = fields.Monetary(string="Amount Due", help="In the invoice's currency.")
    residual_company = fields.Monetary(
        string="Amount Due (Company Currency)", currency_field="company_currency_id"
    )
    previous_level_id = fields.Many2one("credit.dunning.level")
    level_id = fields.Many2one("credit.dunning.level", required=True)
    escalated = fields.Boolean(help="The invoice reaches this level with this reminder.")
    interest = fields.Monetary(help="On the amount due, in the invoice's currency.")
    interest_company = fields.Monetary(
        string="Interest (Company Currency)",
        currency_field="company_currency_id",
        help="The interest converted at the invoice's own rate (that of its amount due in "
        "company currency): the amount invoiced with the charges.",
    )
    indemnity = fields.Monetary(string="Recovery Indemnity", currency_field="company_currency_id")

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
        # lines written before amounts were kept in the invoice's currency were
        # in company currency: their company-currency values are the same
        self.env.cr.execute(
            """
            UPDATE credit_dunning_communication_line
               SET residual_company = COALESCE(residual_company, residual),
                   interest_company = COALESCE(interest_company, interest)
             WHERE residual_company IS NULL OR interest_company IS NULL
            """
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self._dunning_decided_by_run_message())
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(self._dunning_decided_by_run_message())
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if not self.env.su and any(line.communication_id.state != "draft" for line in self):
            raise UserError(self._dunning_decided_by_run_message())

    @api.model
    def _dunning_decided_by_run_message(self):
        return self.env._(
            "The invoices of a reminder and their charges are decided by the dunning run: "
            "they cannot be changed, and a sent reminder keeps them as the customer "
            "received them."
        )

    @api.model
    def _dunning_insert(self, vals_list):
        """Insert the lines of a run's reminders in one statement.

        A first run over a large book lists tens of thousands of invoices; the
        lines carry no logic (plain values, decided by the run's query), so they
        skip the per-record work of ``create`` (defaults, access to each value).
        """
        self.browse().check_access("create")
        self.flush_model()
        rows = [
            dict(
                vals,
                residual=vals.get("residual") or 0.0,
                residual_company=vals.get("residual_company") or 0.0,
                interest=vals.get("interest") or 0.0,
                interest_company=vals.get("interest_company") or 0.0,
                indemnity=vals.get("indemnity") or 0.0,
                escalated=bool(vals.get("escalated")),
            )
            for vals in vals_list
        ]
        lines = self.browse(insert_rows(self.env, self._table, INSERTED_COLUMNS, rows))
        self.env["credit.dunning.communication"].invalidate_model(["line_ids"])
        return lines
