# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Steering figures of a company's receivables: aged balance at a date, DSO.

Everything here is set-based SQL: a constant number of queries whatever the
number of customers, invoices or payments.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# how far back the countback DSO walks through the monthly credit sales
COUNTBACK_MONTHS = 24
DSO_KEYS = (
    "balance",
    "not_due",
    "overdue",
    "sales",
    "dso",
    "countback_dso",
    "best_dso",
    "days_delinquent",
    "overdue_share",
)


def month_back(date, months):
    """``date`` minus ``months`` months; the last day of a month stays the last day."""
    back = date - relativedelta(months=months)
    if (date + timedelta(days=1)).day == 1:
        back += relativedelta(day=31)
    return back


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_dso_target = fields.Integer(
        string="DSO Target (days)",
        help="Days sales outstanding the company aims at, shown against the actual "
        "figure on the Credit Management dashboard.",
    )
    credit_overdue_share_target = fields.Float(
        string="Overdue Share Target (%)",
        help="Share of the receivables past their due date the company aims at, shown "
        "against the actual figure on the Credit Management dashboard.",
    )

    _sql_constraints = [
        (
            "credit_dso_target_positive",
            "CHECK(credit_dso_target IS NULL OR credit_dso_target >= 0)",
            "The DSO target cannot be negative.",
        ),
        (
            "credit_overdue_share_target_range",
            "CHECK(credit_overdue_share_target BETWEEN 0 AND 100)",
            "The overdue share target is a percentage between 0 and 100.",
        ),
    ]

    # ------------------------------------------------------------------
    # Aged balance at a date
    # ------------------------------------------------------------------

    def _credit_aged_balance(self, date, interval=30, periods=4, partner_ids=None, by="due"):
        """Aged balance of the customers of these companies at ``date``.

        The amounts are the residuals at that date, in company currency:
        reconciliations made after it are added back, items posted after it are
        left out. An item is N days overdue when ``date`` is N days after its due
        date (``by="due"``) or its invoice date (``by="invoice"``).

        :return: {commercial partner id: [not due, period 1, ..., period n, older]}
            (``periods + 2`` amounts; the companies' amounts are added up)
        """
        result = {}
        rows = self._credit_aged_balance_rows(date, interval, periods, partner_ids, by)
        for (__, partner_id), amounts in rows.items():
            totals = result.setdefault(partner_id, [0.0] * (periods + 2))
            for index, amount in enumerate(amounts):
                totals[index] += amount
        # sums of exact decimals: rounding only drops float noise
        digits = self[:1].currency_id.decimal_places
        return {
            partner_id: [round(amount, digits) for amount in amounts]
            for partner_id, amounts in result.items()
        }

    def _credit_aged_balance_rows(self, date, interval=30, periods=4, partner_ids=None, by="due"):
        """:return: {(company id, commercial partner id): [amounts]}, one query."""
        if by not in ("due", "invoice"):
            raise UserError(self.env._("Age the balance by due date or by invoice date."))
        if interval < 1 or periods < 1:
            raise UserError(self.env._("The aged balance needs periods of at least one day."))
        if not self or (partner_ids is not None and not partner_ids):
            return {}
        date = fields.Date.to_date(date)
        self._credit_flush_receivable_models()
        age_date = SQL(
            "COALESCE(aml.date_maturity, aml.date)"
            if by == "due"
            else "COALESCE(move.invoice_date, aml.date)"
        )
        query = SQL(
            """
            WITH %(later)s
            SELECT item.company_id, item.partner_id, item.bucket, SUM(item.residual)
              FROM (
                    SELECT aml.company_id,
                           partner.commercial_partner_id AS partner_id,
                           CASE WHEN %(date)s - %(age_date)s <= 0 THEN 0
                                WHEN %(date)s - %(age_date)s > %(last)s THEN %(older)s
                                ELSE (%(date)s - %(age_date)s - 1) / %(interval)s + 1
                           END AS bucket,
                           aml.amount_residual + COALESCE(later.amount, 0) AS residual
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                      JOIN account_account account ON account.id = aml.account_id
                      JOIN res_partner partner ON partner.id = aml.partner_id
                 LEFT JOIN later ON later.line_id = aml.id
                     WHERE aml.company_id IN %(companies)s
                       AND aml.parent_state = 'posted'
                       AND account.account_type = 'asset_receivable'
                       AND aml.date <= %(date)s
                       AND (aml.reconciled IS NOT TRUE OR later.line_id IS NOT NULL)
                       AND %(partner_filter)s
                   ) item
          GROUP BY item.company_id, item.partner_id, item.bucket
            HAVING SUM(item.residual) != 0
            """,
            later=self._credit_later_reconciliations_cte(date),
            date=date,
            age_date=age_date,
            last=interval * periods,
            older=periods + 1,
            interval=interval,
            companies=tuple(self.ids),
            partner_filter=(
                SQL("partner.commercial_partner_id IN %s", tuple(partner_ids))
                if partner_ids
                else SQL("TRUE")
            ),
        )
        self.env.cr.execute(query)
        result = {}
        for company_id, partner_id, bucket, amount in self.env.cr.fetchall():
            amounts = result.setdefault((company_id, partner_id), [0.0] * (periods + 2))
            amounts[bucket] += amount
        return result

    def _credit_later_reconciliations_cte(self, date):
        """CTE ``later(line_id, amount)``: what the reconciliations made after
        ``date`` took off each line's residual (debit lines positive)."""
        return SQL(
            """
            later AS (
                SELECT line_id, SUM(amount) AS amount
                  FROM (
                        SELECT part.debit_move_id AS line_id, part.amount
                          FROM account_partial_reconcile part
                         WHERE part.max_date > %(date)s AND part.company_id IN %(companies)s
                     UNION ALL
                        SELECT part.credit_move_id, -part.amount
                          FROM account_partial_reconcile part
                         WHERE part.max_date > %(date)s AND part.company_id IN %(companies)s
                       ) part
              GROUP BY line_id
            )
            """,
            date=date,
            companies=tuple(self.ids),
        )

    def _credit_flush_receivable_models(self):
        self.env["account.move.line"].flush_model(
            [
                "amount_residual",
                "balance",
                "reconciled",
                "parent_state",
                "partner_id",
                "company_id",
                "account_id",
                "date",
                "date_maturity",
                "move_id",
            ]
        )
        self.env["account.move"].flush_model(
            ["state", "move_type", "amount_total_signed", "company_id", "date", "invoice_date"]
        )
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount", "max_date", "company_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])

    # ------------------------------------------------------------------
    # DSO
    # ------------------------------------------------------------------

    def _credit_dso(self, date, days=90):
        """Days sales outstanding at ``date``: the receivables balance at that date
        divided by the credit sales (customer invoices minus credit notes, taxes
        included, posted) of the ``days`` days ending at it, times ``days``.

        :return: a number of days, or None when there were no sales
        """
        return self._credit_dso_figures(date, days)["dso"]

    def _credit_dso_figures(self, date, days=90):
        """All the DSO figures of these companies (added up) at ``date``.

        :return: dict with ``balance`` (receivables at the date), ``not_due``,
            ``overdue``, ``sales`` (of the ``days`` days), ``dso``,
            ``countback_dso`` (days of credit sales, walking back month by month,
            that the balance represents), ``best_dso`` (the not-yet-due part of the
            balance only), ``days_delinquent`` (DSO minus best possible DSO) and
            ``overdue_share`` (percentage); ratios are None without sales
        """
        date = fields.Date.to_date(date)
        return self._credit_dso_data([date], days)[date]

    def _credit_dso_series(self, months=12, date=None, days=90):
        """DSO figures for the trend graph: at ``date`` (default today) and at the
        end of each of the ``months - 1`` months before it, oldest first.

        :return: list of dicts (see :meth:`_credit_dso_figures`) with their ``date``
        """
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        dates = self._credit_dso_series_dates(date, months)
        data = self._credit_dso_data(dates, days)
        return [dict(data[point], date=point) for point in dates]

    @api.model
    def _credit_dso_series_dates(self, date, months=12):
        """``date`` and the ends of the ``months - 1`` months before it, oldest first."""
        first_of_month = date.replace(day=1)
        ends = [
            first_of_month - relativedelta(months=k) - timedelta(days=1) for k in range(months - 1)
        ]
        return sorted([date, *ends])

    def _credit_dso_data(self, dates, days=90, per_company=False):
        """DSO figures at each of ``dates``; three queries whatever their number.

        :return: {date: figures}, or {company id: {date: figures}} with ``per_company``
        """
        if days < 1:
            raise UserError(self.env._("The DSO is computed over at least one day of sales."))
        dates = sorted({fields.Date.to_date(date) for date in dates})
        keys = self.ids if per_company else [None]
        raw = {
            key: {date: {"balance": 0.0, "not_due": 0.0, "sales": 0.0} for date in dates}
            for key in keys
        }
        monthly = {key: {date: [0.0] * COUNTBACK_MONTHS for date in dates} for key in keys}
        if self and dates:
            self._credit_flush_receivable_models()
            for company_id, date, balance, not_due in self._credit_dso_balances(dates):
                values = raw[company_id if per_company else None][date]
                values["balance"] += balance or 0.0
                values["not_due"] += not_due or 0.0
            for company_id, date, period, amount in self._credit_dso_sales(dates, days):
                key = company_id if per_company else None
                if period < 0:
                    raw[key][date]["sales"] += amount or 0.0
                else:
                    monthly[key][date][period] += amount or 0.0
        currency = self[:1].currency_id or self.env.company.currency_id
        result = {
            key: {
                date: self._credit_dso_compute(
                    raw[key][date], monthly[key][date], date, days, currency
                )
                for date in dates
            }
            for key in keys
        }
        return result if per_company else result[None]

    @api.model
    def _credit_dso_compute(self, values, monthly_sales, date, days, currency):
        """The DSO figures from the balances and sales of one date."""
        balance = currency.round(values["balance"])
        not_due = currency.round(values["not_due"])
        sales = currency.round(values["sales"])
        figures = dict.fromkeys(DSO_KEYS)
        figures.update(
            balance=balance, not_due=not_due, overdue=currency.round(balance - not_due), sales=sales
        )
        if currency.compare_amounts(balance, 0) > 0:
            figures["overdue_share"] = round(100.0 * figures["overdue"] / balance, 2)
        if currency.compare_amounts(sales, 0) > 0:
            figures["dso"] = round(balance / sales * days, 2)
            figures["best_dso"] = round(not_due / sales * days, 2)
            figures["days_delinquent"] = round(figures["dso"] - figures["best_dso"], 2)
        figures["countback_dso"] = self._credit_countback_dso(
            balance, monthly_sales, date, currency
        )
        return figures

    @api.model
    def _credit_countback_dso(self, balance, monthly_sales, date, currency):
        """Walk back month by month through the credit sales until the balance is
        used up: the days of the months it covers entirely plus the share of the
        last one. None without sales; at most :data:`COUNTBACK_MONTHS` months."""
        if not any(currency.compare_amounts(amount, 0) > 0 for amount in monthly_sales):
            return None
        remaining = balance
        total_days = 0.0
        for period, sales in enumerate(monthly_sales):
            if currency.compare_amounts(remaining, 0) <= 0:
                break
            period_days = (month_back(date, period) - month_back(date, period + 1)).days
            if (
                currency.compare_amounts(sales, 0) > 0
                and currency.compare_amounts(remaining, sales) <= 0
            ):
                total_days += remaining / sales * period_days
                remaining = 0.0
                break
            total_days += period_days
            remaining -= sales
        return round(total_days, 2)

    def _credit_dso_points_sql(self, dates):
        return SQL(", ").join(SQL("(%s::date)", date) for date in dates)

    def _credit_dso_balances(self, dates):
        """Rows (company, date, receivables balance, not-yet-due part) at each date."""
        query = SQL(
            """
            WITH points(point) AS (VALUES %(points)s),
            lines AS (
                SELECT aml.id, aml.company_id, aml.date, aml.balance, aml.amount_residual,
                       COALESCE(aml.date_maturity, aml.date) AS date_due
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                 WHERE aml.company_id IN %(companies)s
                   AND aml.parent_state = 'posted'
                   AND account.account_type = 'asset_receivable'
                   AND aml.partner_id IS NOT NULL
                   AND aml.date <= %(last)s
            ),
            daily AS (
                SELECT company_id, date, SUM(balance) AS amount FROM lines GROUP BY company_id, date
            ),
            parts AS (
                SELECT part.debit_move_id AS line_id, part.max_date, part.amount
                  FROM account_partial_reconcile part
                 WHERE part.max_date > %(first)s AND part.company_id IN %(companies)s
             UNION ALL
                SELECT part.credit_move_id, part.max_date, -part.amount
                  FROM account_partial_reconcile part
                 WHERE part.max_date > %(first)s AND part.company_id IN %(companies)s
            ),
            not_due AS (
                -- residual now, plus what was reconciled after the date
                SELECT lines.company_id, points.point, SUM(lines.amount_residual) AS amount
                  FROM points
                  JOIN lines ON lines.date <= points.point AND lines.date_due >= points.point
              GROUP BY lines.company_id, points.point
             UNION ALL
                SELECT lines.company_id, points.point, SUM(parts.amount)
                  FROM points
                  JOIN lines ON lines.date <= points.point AND lines.date_due >= points.point
                  JOIN parts ON parts.line_id = lines.id AND parts.max_date > points.point
              GROUP BY lines.company_id, points.point
            ),
            balances AS (
                SELECT daily.company_id, points.point, SUM(daily.amount) AS amount
                  FROM points
                  JOIN daily ON daily.date <= points.point
              GROUP BY daily.company_id, points.point
            )
            SELECT COALESCE(balances.company_id, due.company_id),
                   COALESCE(balances.point, due.point),
                   balances.amount, due.amount
              FROM balances
         FULL JOIN (
                    SELECT company_id, point, SUM(amount) AS amount
                      FROM not_due GROUP BY company_id, point
                   ) due ON due.company_id = balances.company_id AND due.point = balances.point
            """,
            points=self._credit_dso_points_sql(dates),
            companies=tuple(self.ids),
            first=min(dates),
            last=max(dates),
        )
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    def _credit_dso_sales(self, dates, days):
        """Rows (company, date, period, credit sales): period -1 is the ``days``
        days ending at the date, period k >= 0 the k-th month before it."""
        periods = []
        for date in dates:
            periods.append(
                SQL("(%s::date, -1, %s::date, %s::date)", date, date - timedelta(days=days), date)
            )
            periods.extend(
                SQL(
                    "(%s::date, %s, %s::date, %s::date)",
                    date,
                    k,
                    month_back(date, k + 1),
                    month_back(date, k),
                )
                for k in range(COUNTBACK_MONTHS)
            )
        earliest = min(
            min(month_back(date, COUNTBACK_MONTHS), date - timedelta(days=days)) for date in dates
        )
        query = SQL(
            """
            WITH periods(point, period, date_from, date_to) AS (VALUES %(periods)s),
            daily AS (
                SELECT move.company_id, move.date, SUM(move.amount_total_signed) AS amount
                  FROM account_move move
                 WHERE move.company_id IN %(companies)s
                   AND move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND move.date > %(earliest)s
                   AND move.date <= %(last)s
              GROUP BY move.company_id, move.date
            )
            SELECT daily.company_id, periods.point, periods.period, SUM(daily.amount)
              FROM periods
              JOIN daily ON daily.date > periods.date_from AND daily.date <= periods.date_to
          GROUP BY daily.company_id, periods.point, periods.period
            """,
            periods=SQL(", ").join(periods),
            companies=tuple(self.ids),
            earliest=earliest,
            last=max(dates),
        )
        self.env.cr.execute(query)
        return self.env.cr.fetchall()
