# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_partner import CREDIT_READ_GROUPS


class ResPartner(models.Model):
    """The exposure: what the customer owes or will owe, made of parts (posted
    receivables, draft invoices, uninvoiced orders) that other modules extend
    (``_credit_exposure_parts`` and one SQL builder per part)."""

    _inherit = "res.partner"

    credit_exposure_receivable = fields.Monetary(
        string="Unpaid Invoices",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Residual amount of posted receivables (invoices, credit notes and "
        "unreconciled payments).",
    )
    credit_exposure_draft = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
    )
    credit_exposure_orders = fields.Monetary(
        string="Uninvoiced Orders",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Confirmed sales orders not invoiced yet (neither in draft nor "
        "posted invoices), taxes included.",
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Unpaid invoices + draft invoices + uninvoiced confirmed orders, in company currency.",
    )
    credit_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Credit limit minus exposure; zero when the customer has no limit.",
    )
    credit_over_limit = fields.Boolean(
        string="Over Credit Limit",
        compute="_compute_credit_exposure",
        search="_search_credit_over_limit",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_effective = fields.Monetary(
        string="Limit Applied",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Credit limit used at order confirmation, once the expiry, the solvency "
        "rules and the recommended and insured amounts are taken into account.",
    )
    credit_limit_explanation = fields.Char(
        string="Why This Limit",
        compute="_compute_credit_exposure",
        groups=CREDIT_READ_GROUPS,
    )

    @api.depends(
        "credit_limit",
        "commercial_partner_id.credit_limit",
        "commercial_partner_id.credit_limit_expiry",
        "commercial_partner_id.solvency_rating",
        "commercial_partner_id.solvency_recommended_limit",
        "commercial_partner_id.credit_insured_limit",
        "commercial_partner_id.credit_insured_expiry",
    )
    @api.depends_context("company")
    def _compute_credit_exposure(self):
        company = self.env.company
        commercial = self.commercial_partner_id.filtered("id")
        data = commercial._credit_exposure_data(company)
        limits = commercial._credit_effective_limits(company)
        empty = self._credit_exposure_empty()
        for partner in self:
            entity = partner.commercial_partner_id
            values = data.get(entity.id, empty)
            exposure = self._credit_exposure_total(values)
            limit, explanation = limits.get(entity.id, (entity.credit_limit or None, ""))
            partner.credit_exposure_receivable = values["receivable"]
            partner.credit_exposure_draft = values["draft"]
            partner.credit_exposure_orders = values["orders"]
            partner.credit_overdue = values["overdue"]
            partner.credit_exposure = exposure
            partner.credit_limit_effective = limit or 0.0
            partner.credit_limit_explanation = explanation
            partner.credit_available = limit - exposure if limit is not None else 0.0
            partner.credit_over_limit = bool(
                limit is not None and company.currency_id.compare_amounts(exposure, limit) > 0
            )
        self._credit_compute_from_exposure(company, data)

    def _credit_compute_from_exposure(self, company, data):
        """Hook: compute other fields from the exposure ``data`` of these
        partners' commercial entities, read once for all of them."""

    def _search_credit_over_limit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Over Credit Limit'."))
        company = self.env.company
        candidates = self.sudo()._credit_limited_candidates(company)
        limits = candidates._credit_effective_limits(company)
        data = candidates._credit_exposure_data(company)
        empty = self._credit_exposure_empty()
        over_ids = [
            partner_id
            for partner_id, (limit, __) in limits.items()
            if limit is not None
            and company.currency_id.compare_amounts(
                self._credit_exposure_total(data.get(partner_id, empty)), limit
            )
            > 0
        ]
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", over_ids)]

    @api.model
    def _credit_limited_candidates(self, company):
        """Commercial entities that may have a limit in ``company``: their own,
        or one set by a solvency rule, a recommended or an insured amount (the
        same sources as ``_credit_effective_limits``)."""
        rules = self._credit_solvency_rules(company)
        limiting = [
            code for code, rule in rules.items() if rule.credit_effect in ("cap", "prepayment")
        ]
        domain = [("credit_limit", ">", 0)]
        if limiting:
            domain = ["|", ("solvency_rating", "in", limiting), *domain]
        if company.solvency_cap_recommended:
            domain = ["|", ("solvency_recommended_limit", ">", 0), *domain]
        if company.solvency_cap_insured:
            domain = ["|", ("credit_insured_limit", ">", 0), *domain]
        return (
            self.with_company(company)
            .with_context(active_test=False)
            .search(domain)
            .commercial_partner_id
        )

    @api.model
    def _credit_exposure_parts(self):
        """The parts the exposure is made of, each computed by
        ``_credit_exposure_sql_<part>``. Extend to add one (e.g. a bridge's)."""
        return ["receivable", "draft", "orders"]

    @api.model
    def _credit_exposure_empty(self):
        """Exposure values of a customer that owes nothing."""
        return dict.fromkeys([*self._credit_exposure_parts(), "overdue"], 0.0)

    @api.model
    def _credit_exposure_total(self, values):
        """The exposure: the sum of its parts (``overdue`` is a share of the
        receivables, not a part)."""
        return sum(values.get(part, 0.0) for part in self._credit_exposure_parts())

    def _credit_exposure_data(self, company, date=None, lock=False, exclude_orders=None):
        """Exposure parts of these commercial partners, in company currency.

        One query for all the parts and partners (plus one for currency rates
        when an amount is in a foreign currency), whatever the number of
        invoices or orders.

        :param lock: lock these customers until the end of the transaction (a
            credit check that goes on to confirm or post): a concurrent check of
            the same customer waits, then fails with a serialization error and
            is retried (as Odoo retries requests), seeing what this one did
        :param exclude_orders: confirmed orders left out of the exposure (the
            orders being checked, counted apart)
        :return: {commercial_partner_id: {part: amount, ..., "overdue": amount}}
        """
        result = {}
        if not self.ids:
            return result
        date = date or fields.Date.context_today(self)
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        query = SQL(" UNION ALL ").join(
            getattr(self, f"_credit_exposure_sql_{part}")(company, date, exclude_orders)
            for part in self._credit_exposure_parts()
        )
        if lock:
            # A no-op update, not a FOR UPDATE: under Odoo's repeatable-read
            # isolation only a row updated by a concurrent transaction makes
            # the second one fail instead of reading its outdated snapshot.
            query = SQL(
                """
                WITH locked AS (
                    UPDATE res_partner SET write_date = write_date
                     WHERE id IN %(partners)s
                 RETURNING id
                )
                %(query)s
                """,
                partners=tuple(self.ids),
                query=query,
            )
        # a serialization failure on the lock is expected concurrency: retried, not a bug
        self.env.cr.execute(query, log_exceptions=not lock)
        foreign = []
        for partner_id, part, currency_id, amount, overdue in self.env.cr.fetchall():
            values = result.setdefault(partner_id, self._credit_exposure_empty())
            if currency_id and currency_id != company.currency_id.id:
                foreign.append((partner_id, part, currency_id, amount or 0.0))
                continue
            values[part] += amount or 0.0
            values["overdue"] += overdue or 0.0
        if foreign:
            currencies = self.env["res.currency"].browse({row[2] for row in foreign})
            converted = currencies._credit_to_company_currency(
                [(currency, amount) for __, __, currency, amount in foreign], company, date
            )
            for (partner_id, part, __, __), amount in zip(foreign, converted, strict=True):
                result[partner_id][part] += amount
        for values in result.values():
            for key, amount in values.items():
                values[key] = company.currency_id.round(amount)
        return result

    def _credit_exposure_sql_receivable(self, company, date, exclude_orders=None):
        """Posted receivables not reconciled yet (invoices, credit notes and
        unreconciled payments), with their overdue share: rows of (partner,
        part, currency or NULL for the company's, amount, overdue)."""
        self.env["account.move.line"].flush_model(
            [
                "amount_residual",
                "reconciled",
                "parent_state",
                "partner_id",
                "company_id",
                "account_id",
                "date_maturity",
            ]
        )
        return SQL(
            """
            SELECT p.commercial_partner_id, 'receivable', NULL::integer,
                   SUM(aml.amount_residual),
                   SUM(aml.amount_residual) FILTER (
                       WHERE aml.date_maturity < %(date)s AND aml.amount_residual > 0)
              FROM account_move_line aml
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner p ON p.id = aml.partner_id
             WHERE p.commercial_partner_id IN %(partners)s
               AND aml.company_id = %(company)s
               AND aml.parent_state = 'posted'
               AND account.account_type = 'asset_receivable'
               AND NOT aml.reconciled
          GROUP BY p.commercial_partner_id
            """,
            partners=tuple(self.ids),
            company=company.id,
            date=date,
        )

    def _credit_exposure_sql_draft(self, company, date, exclude_orders=None):
        """Draft customer invoices and credit notes, taxes included."""
        self.env["account.move"].flush_model(
            ["state", "move_type", "amount_total_signed", "commercial_partner_id", "company_id"]
        )
        return SQL(
            """
            SELECT move.commercial_partner_id, 'draft', NULL::integer,
                   SUM(move.amount_total_signed), 0.0
              FROM account_move move
             WHERE move.commercial_partner_id IN %(partners)s
               AND move.company_id = %(company)s
               AND move.state = 'draft'
               AND move.move_type IN ('out_invoice', 'out_refund')
          GROUP BY move.commercial_partner_id
            """,
            partners=tuple(self.ids),
            company=company.id,
        )

    def _credit_exposure_sql_orders(self, company, date, exclude_orders=None):
        """Confirmed sales orders, for the part not invoiced yet (neither in a
        draft nor in a posted invoice), taxes included, in their currency."""
        self.env["sale.order.line"].flush_model(
            ["price_total", "product_uom_qty", "qty_invoiced", "display_type", "order_id"]
        )
        self.env["sale.order"].flush_model(["state", "company_id", "partner_id", "currency_id"])
        return SQL(
            """
            SELECT p.commercial_partner_id, 'orders', so.currency_id,
                   SUM(line.price_total
                       * GREATEST(line.product_uom_qty - COALESCE(line.qty_invoiced, 0), 0)
                       / line.product_uom_qty),
                   0.0
              FROM sale_order_line line
              JOIN sale_order so ON so.id = line.order_id
              JOIN res_partner p ON p.id = so.partner_id
             WHERE p.commercial_partner_id IN %(partners)s
               AND so.company_id = %(company)s
               AND so.state = 'sale'
               AND so.id != ALL(%(excluded)s)
               AND line.display_type IS NULL
               AND line.product_uom_qty > 0
          GROUP BY p.commercial_partner_id, so.currency_id
            """,
            partners=tuple(self.ids),
            company=company.id,
            excluded=exclude_orders.ids if exclude_orders else [],
        )
