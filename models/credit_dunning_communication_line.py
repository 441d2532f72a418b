# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.tools import SQL

INSERTED_FIELDS = (
    "communication_id",
    "currency_id",
    "company_id",
    "state",
    "move_id",
    "date_due",
    "days_overdue",
    "residual",
    "previous_level_id",
    "level_id",
    "escalated",
    "interest",
    "indemnity",
)


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

    @api.model
    def _dunning_insert(self, vals_list):
        """Insert the lines of a run's reminders in one statement.

        A first run over a large book lists tens of thousands of invoices; the
        lines carry no logic (plain values, decided by the run's query), so they
        skip the per-record work of ``create`` (defaults, access to each value).
        """
        if not vals_list:
            return self.browse()
        self.flush_model()
        columns = {fname: [vals.get(fname) for vals in vals_list] for fname in INSERTED_FIELDS}
        for fname in ("interest", "indemnity", "residual"):
            columns[fname] = [value or 0.0 for value in columns[fname]]
        columns["escalated"] = [bool(value) for value in columns["escalated"]]
        types = {
            "state": "varchar",
            "date_due": "date",
            "escalated": "bool",
            "residual": "numeric",
            "interest": "numeric",
            "indemnity": "numeric",
            "days_overdue": "int4",
        }
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO credit_dunning_communication_line (%(columns)s,
                            create_uid, create_date, write_uid, write_date)
                SELECT *, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(arrays)s)
             RETURNING id
                """,
                columns=SQL(", ").join(SQL.identifier(fname) for fname in INSERTED_FIELDS),
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", columns[fname], SQL(types.get(fname, "int4")))
                    for fname in INSERTED_FIELDS
                ),
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        lines = self.browse(row[0] for row in self.env.cr.fetchall())
        self.env["credit.dunning.communication"].invalidate_model(["line_ids"])
        return lines
