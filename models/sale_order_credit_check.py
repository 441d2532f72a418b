# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .sale_order import CHECKED_KEY

# confirmed orders whose growth an outer call is already watching
WATCHED_KEY = "credit_management.watched_order_ids"


class SaleOrder(models.Model):
    """The credit check of orders: at confirmation, at creation already confirmed
    and when a confirmed order grows; approvals that cover an order; a new
    customer's first large order."""

    _inherit = "sale.order"

    def _credit_guard_confirmation(self):
        """Refuse any direct write of the confirmed state that skips the check."""
        checked = self.env.cr.cache.get(CHECKED_KEY, set())
        unchecked = self.filtered(lambda o: o.state != "sale" and o.id not in checked)
        reasons = unchecked._credit_blocking_reasons()
        if reasons:
            raise UserError("\n\n".join(reasons.values()))

    @contextmanager
    def _credit_watch_growth(self):
        """Refuse, when the block ends, any increase of the confirmed orders of
        ``self`` that the credit check would refuse (lines added, quantities or
        prices raised after confirmation). Only an increase is checked, and
        only once when calls nest (an order's write creating its lines)."""
        watched = self.env.cr.cache.setdefault(WATCHED_KEY, set())
        orders = self.filtered(lambda o: o.id and o.state == "sale" and o.id not in watched)
        before = {order.id: order.amount_total for order in orders}
        watched.update(before)
        try:
            yield
        finally:
            watched.difference_update(before)
        self.browse(before)._credit_check_growth(before)

    def _credit_check_growth(self, before):
        """Check the confirmed orders of ``self`` whose total rose above
        ``before`` ({order id: previous total}, absent: a new order)."""
        grown = self.filtered(
            lambda o: (
                o.state == "sale"
                and o.currency_id.compare_amounts(o.amount_total, before.get(o.id, 0.0)) > 0
            )
        )
        if not grown:
            return
        reasons = grown._credit_blocking_reasons(confirmed=True)
        if reasons:
            raise UserError("\n\n".join(reasons.values()))

    def _credit_blocking_reasons(self, confirmed=False):
        """Orders of ``self`` that need a credit decision (see ``_credit_check``).

        :return: {order: message}
        """
        return self._credit_check(confirmed=confirmed)[0]

    def _credit_check(self, confirmed=False):
        """Check the credit of the customers of these orders.

        A constant number of queries whatever the size of the customers' books:
        per company one for the exposure of all the customers concerned (which
        also locks them, so that two confirmations for one customer are
        checked one after the other), at most one for currency rates, and one
        for approvals only when an order is refused without one.

        :param confirmed: the orders are already confirmed (created confirmed,
            or grown after confirmation): their own amount is taken out of the
            exposure and counted as the order's, and only the approval their
            confirmation used can cover them
        :return: ({order: message}, approvals that let an order through)
        """
        result = {}
        approvals = self.env["credit.decision"]
        if not self:
            return result, approvals
        today = fields.Date.context_today(self)
        for company, orders in self.sudo().grouped("company_id").items():
            reasons, used = orders.with_company(company)._credit_check_company(
                company, today, confirmed
            )
            result.update(reasons)
            approvals |= used
        return {self.browse(order.id): message for order, message in result.items()}, approvals

    def _credit_check_company(self, company, date, confirmed):
        prepared = self._credit_check_prepare(company, date, confirmed)
        reasons = self._credit_blocking_reasons_company(company, prepared, {})
        approvals = self.env["credit.decision"]
        if reasons:
            approved = self.browse([order.id for order in reasons])._credit_valid_approvals(
                date, confirmed
            )
            if approved:
                reasons = self._credit_blocking_reasons_company(company, prepared, approved)
                approvals = self.env["credit.decision"].union(
                    *(approved[order] for order in approved if order not in reasons)
                )
        if prepared["review_needed"] and any(
            order in prepared["first_orders"] for order in reasons
        ):
            self._credit_trigger_solvency_review()
        return reasons, approvals

    def _credit_valid_approvals(self, date, confirmed=False):
        """{order: approval} of the orders of ``self`` that an approval covers
        (one query)."""
        decisions = (
            self.env["credit.decision"]
            .sudo()
            .search(
                [
                    ("order_id", "in", self.ids),
                    ("state", "=", "approved"),
                    ("consumed_date", "!=" if confirmed else "=", False),
                ]
            )
        )
        result = {}
        for decision in decisions:
            order = self.browse(decision.order_id.id)
            if decision._credit_is_valid_for(order, date):
                result[order] = decision
        return result

    def _credit_check_prepare(self, company, date, confirmed):
        """Read what the check of these orders of ``company`` needs, in a
        constant number of queries: the customers' check (limits, exposures,
        customers locked), amounts in company currency and first large orders."""
        # the orders' customers and their credit fields in one read
        self.partner_id.fetch(
            ["commercial_partner_id", *self.env["res.partner"]._credit_check_fields()]
        )
        partners = self.partner_id.commercial_partner_id
        excluded = self if confirmed else self.browse()
        check = partners._credit_check_prepare(company, date, lock=True, exclude_orders=excluded)
        first_orders = self._credit_first_order_candidates(company, date)
        amounts = dict.fromkeys(self.ids, 0.0)
        to_convert = self.filtered(
            lambda o: (
                o.partner_id.commercial_partner_id._credit_is_limited(check) or o in first_orders
            )
        )
        if to_convert:
            converted = self.env["res.currency"]._credit_to_company_currency(
                [(order.currency_id, order._credit_open_amount()) for order in to_convert],
                company,
                date,
            )
            amounts.update(zip(to_convert.ids, converted, strict=True))
        first_orders = first_orders.filtered(
            lambda o: (
                company.currency_id.compare_amounts(
                    amounts[o.id], company.solvency_first_order_amount
                )
                > 0
            )
        )
        first_orders = first_orders._credit_first_orders_unknown(company, excluded)
        return {
            "check": check,
            "amounts": amounts,
            "first_orders": first_orders,
            "review_needed": bool(first_orders),
        }

    def _credit_open_amount(self):
        """What this order still adds to the exposure: its total, less what is
        invoiced already (as the exposure counts uninvoiced orders)."""
        self.ensure_one()
        if self.state != "sale":
            return self.amount_total
        return sum(
            line.price_total
            * max(line.product_uom_qty - line.qty_invoiced, 0.0)
            / line.product_uom_qty
            for line in self.order_line
            if not line.display_type and line.product_uom_qty > 0
        )

    def _credit_blocking_reasons_company(self, company, prepared, approved):
        """{order: message} of the orders refused, from ``prepared`` (no query).
        Orders confirmed together are added up, in the order of their creation.

        :param approved: {order: approval} of the orders an approval covers
        """
        check, amounts = prepared["check"], prepared["amounts"]
        first_orders = prepared["first_orders"]
        pending = defaultdict(float)
        result = {}
        for order in self.sorted("id"):
            partner = order.partner_id.commercial_partner_id
            reasons = []
            if order not in approved:
                reasons = partner._credit_refusal_reasons(
                    check,
                    amounts[order.id],
                    pending=pending[partner.id],
                    document=self.env._("this order"),
                )
                if order in first_orders:
                    reasons.append(order._credit_first_order_message(partner, company))
            if reasons:
                result[order] = self.env._(
                    "%(order)s cannot be confirmed without a credit manager's "
                    "approval:\n%(reasons)s",
                    order=order.name,
                    reasons="\n".join(f"- {reason}" for reason in reasons),
                )
            else:
                pending[partner.id] += amounts[order.id]
        return result

    def _credit_first_order_candidates(self, company, date):
        """Orders that may be a customer's first large one needing a solvency
        check: the company asks for it and the customer's solvency is unknown or
        older than the review period. No query."""
        if company.solvency_first_order_amount <= 0:
            return self.browse()
        limit_date = date - timedelta(days=company.solvency_review_days or 0)
        return self.filtered(
            lambda o: (
                not o.partner_id.commercial_partner_id.solvency_date
                or o.partner_id.commercial_partner_id.solvency_date < limit_date
            )
        )

    def _credit_first_orders_unknown(self, company, excluded=None):
        """Orders of ``self`` whose customer has neither a confirmed order (but
        the ``excluded`` ones) nor a posted invoice in ``company`` yet (one
        query)."""
        if not self:
            return self
        partners = self.partner_id.commercial_partner_id
        self.env["sale.order"].flush_model(["state", "company_id", "partner_id"])
        self.env["account.move"].flush_model(
            ["state", "move_type", "commercial_partner_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                 WHERE p.commercial_partner_id IN %(partners)s
                   AND so.company_id = %(company)s
                   AND so.state = 'sale'
                   AND so.id != ALL(%(excluded)s)
                 UNION
                SELECT move.commercial_partner_id
                  FROM account_move move
                 WHERE move.commercial_partner_id IN %(partners)s
                   AND move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                """,
                partners=tuple(partners.ids),
                company=company.id,
                excluded=(excluded or self.browse()).ids,
            )
        )
        known = {partner_id for [partner_id] in self.env.cr.fetchall()}
        return self.filtered(lambda o: o.partner_id.commercial_partner_id.id not in known)

    def _credit_first_order_message(self, partner, company):
        return self.env._(
            "%(partner)s is a new customer: a first order above %(amount)s needs a "
            "solvency check, and there is none from the last %(days)s days. A check "
            "has been requested.",
            partner=partner.name,
            amount=partner._credit_format_amount(company.solvency_first_order_amount, company),
            days=company.solvency_review_days,
        )

    def _credit_trigger_solvency_review(self):
        """Have the periodic review run soon, in its own transaction (the
        providers are never called while an order is being confirmed)."""
        cron = self.env.ref("credit_management.ir_cron_solvency_review", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
