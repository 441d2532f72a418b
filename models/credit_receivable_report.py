# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models, tools
from odoo.tools import SQL

AGING_BUCKETS = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("91_120", "91-120 Days"),
    ("over_120", "Over 120 Days"),
]


class CreditReceivableReport(models.Model):
    """Open receivable items of the customers, aged as of the day they are read.

    One row per posted receivable journal item that is not fully reconciled:
    each instalment of an invoice, credit notes and unreconciled payments
    (negative). A PostgreSQL view: its ages are computed with ``CURRENT_DATE``
    when it is read, so that "today" is the day of the reading.
    """

    _name = "credit.receivable.report"
    _description = "Receivables Analysis"
    _auto = False
    _rec_name = "move_id"
    _order = "date_due, id"

    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    move_type = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["move_type"].selection,
        string="Type",
        readonly=True,
    )
    account_id = fields.Many2one("account.account", readonly=True)
    journal_id = fields.Many2one("account.journal", readonly=True)
    date = fields.Date(readonly=True, help="Invoice date, or the date of the journal entry.")
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Days since the due date as of today; negative when not due yet.",
    )
    aging_bucket = fields.Selection(AGING_BUCKETS, string="Age", readonly=True)
    amount_residual = fields.Monetary(
        string="Amount Due",
        currency_field="company_currency_id",
        readonly=True,
        help="Residual amount in company currency; credit notes and payments are negative.",
    )
    amount_overdue = fields.Monetary(
        string="Overdue", currency_field="company_currency_id", readonly=True
    )
    amount_residual_currency = fields.Monetary(
        string="Amount Due in Currency", currency_field="currency_id", readonly=True
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    dunning_level_id = fields.Many2one("credit.dunning.level", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    disputed = fields.Boolean(readonly=True)
    on_hold = fields.Boolean(
        string="Customer on Hold", readonly=True, help="The customer is on credit hold."
    )

    _depends = {
        "account.move.line": [
            "account_id",
            "amount_residual",
            "amount_residual_currency",
            "company_id",
            "currency_id",
            "date",
            "date_maturity",
            "journal_id",
            "move_id",
            "parent_state",
            "partner_id",
            "reconciled",
        ],
        "account.move": [
            "dunning_disputed",
            "dunning_level_id",
            "invoice_date",
            "invoice_user_id",
            "move_type",
        ],
        "res.partner": ["commercial_partner_id", "country_id", "credit_hold", "user_id"],
    }

    def _read_group_orderby(self, order, groupby_terms, query):
        """Ages come in their order (not due first, then older and older), not
        alphabetically."""
        if "aging_bucket" in groupby_terms:
            groupby_terms = dict(
                groupby_terms,
                aging_bucket=SQL(
                    "array_position(%s, %s::text)",
                    [key for key, __ in AGING_BUCKETS],
                    groupby_terms["aging_bucket"],
                ),
            )
        return super()._read_group_orderby(order, groupby_terms, query)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _query(self):
        """The view's query. Ages are counted from ``CURRENT_DATE``, evaluated
        when the view is read."""
        return SQL(
            """
            SELECT aml.id,
                   aml.id AS move_line_id,
                   aml.company_id,
                   company.currency_id AS company_currency_id,
                   partner.commercial_partner_id AS partner_id,
                   aml.move_id,
                   move.move_type,
                   aml.account_id,
                   aml.journal_id,
                   COALESCE(move.invoice_date, aml.date) AS date,
                   item.date_due,
                   item.days_overdue,
                   CASE WHEN item.days_overdue <= 0 THEN 'not_due'
                        WHEN item.days_overdue <= 30 THEN '1_30'
                        WHEN item.days_overdue <= 60 THEN '31_60'
                        WHEN item.days_overdue <= 90 THEN '61_90'
                        WHEN item.days_overdue <= 120 THEN '91_120'
                        ELSE 'over_120'
                   END AS aging_bucket,
                   aml.amount_residual,
                   CASE WHEN item.days_overdue > 0 THEN aml.amount_residual ELSE 0 END
                       AS amount_overdue,
                   COALESCE(aml.amount_residual_currency, aml.amount_residual)
                       AS amount_residual_currency,
                   COALESCE(aml.currency_id, company.currency_id) AS currency_id,
                   move.dunning_level_id,
                   COALESCE(move.invoice_user_id, commercial.user_id) AS user_id,
                   commercial.country_id,
                   COALESCE(move.dunning_disputed, FALSE) AS disputed,
                   COALESCE((commercial.credit_hold ->> aml.company_id::text)::boolean, FALSE)
                       AS on_hold
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_company company ON company.id = aml.company_id
              JOIN res_partner partner ON partner.id = aml.partner_id
              JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
             CROSS JOIN LATERAL (
                    SELECT COALESCE(aml.date_maturity, aml.date) AS date_due,
                           CURRENT_DATE - COALESCE(aml.date_maturity, aml.date) AS days_overdue
                   ) item
             WHERE account.account_type = 'asset_receivable'
               AND aml.parent_state = 'posted'
               AND aml.reconciled IS NOT TRUE
            """
        )
