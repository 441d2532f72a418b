# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.tools import SQL

from .res_company_credit_analytics import DSO_KEYS

SERIES_MONTHS = 12


class CreditDsoReport(models.Model):
    """DSO and its companions over the last twelve months, per company.

    Read-only rows computed when read: today's figures (``months_ago`` 0) and
    those at the end of each of the eleven months before. The rows come from
    :meth:`res.company._credit_dso_series` (a constant number of queries) for
    the companies the user works in; the Credit Management dashboard charts
    them, and reads today's row for its DSO, best possible DSO, days delinquent
    and their targets.
    """

    _name = "credit.dso.report"
    _description = "DSO Trend"
    _auto = False
    _order = "date, company_id"
    _rec_name = "date"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(readonly=True)
    months_ago = fields.Integer(readonly=True, aggregator="min")
    balance = fields.Monetary(string="Receivables", readonly=True)
    not_due = fields.Monetary(readonly=True)
    overdue = fields.Monetary(readonly=True)
    sales = fields.Monetary(string="Credit Sales (90 days)", readonly=True)
    dso = fields.Float(string="DSO", readonly=True, aggregator="avg", digits=(16, 1))
    countback_dso = fields.Float(
        string="Countback DSO", readonly=True, aggregator="avg", digits=(16, 1)
    )
    best_dso = fields.Float(
        string="Best Possible DSO", readonly=True, aggregator="avg", digits=(16, 1)
    )
    days_delinquent = fields.Float(
        string="Average Days Delinquent", readonly=True, aggregator="avg", digits=(16, 1)
    )
    overdue_share = fields.Float(
        string="Overdue Share (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    dso_target = fields.Float(string="DSO Target", readonly=True, aggregator="max")
    overdue_share_target = fields.Float(
        string="Overdue Share Target (%)", readonly=True, aggregator="max"
    )

    @property
    def _table_query(self):
        """The rows of the companies the user works in, as of today."""
        companies = self.env.companies
        today = fields.Date.context_today(self)
        dates = companies._credit_dso_series_dates(today, SERIES_MONTHS)
        data = companies.sudo()._credit_dso_data(dates, per_company=True) if companies else {}
        rows = []
        for company in companies:
            for months_ago, date in enumerate(reversed(dates)):
                figures = data[company.id][date]
                rows.append(
                    SQL(
                        "(%s, %s, %s, %s::date, %s"
                        + ", %s::numeric" * len(DSO_KEYS)
                        + ", %s::numeric, %s::numeric)",
                        company.id * 100 + months_ago,
                        company.id,
                        company.currency_id.id,
                        date,
                        months_ago,
                        *(figures[key] for key in DSO_KEYS),
                        company.credit_dso_target or None,
                        company.credit_overdue_share_target or None,
                    )
                )
        columns = SQL(", ").join(
            SQL.identifier(name)
            for name in (
                "id",
                "company_id",
                "currency_id",
                "date",
                "months_ago",
                *DSO_KEYS,
                "dso_target",
                "overdue_share_target",
            )
        )
        if not rows:
            return SQL(
                "SELECT * FROM (VALUES (0, 0, 0, NULL::date, 0%s, NULL::numeric, NULL::numeric))"
                " AS series(%s) WHERE FALSE",
                SQL(", NULL::numeric" * len(DSO_KEYS)),
                columns,
            )
        return SQL("SELECT * FROM (VALUES %s) AS series(%s)", SQL(", ").join(rows), columns)
