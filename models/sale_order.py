# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, plaintext2html

CHECKED_KEY = "credit_management.checked_order_ids"
# confirmed orders whose growth an outer call is already watching
WATCHED_KEY = "credit_management.watched_order_ids"
# Who reads the credit status of an order: salespeople and credit users.
ORDER_CREDIT_GROUPS = (
    "sales_team.group_sale_salesman,credit_management.group_credit_user,"
    "account.group_account_invoice,account.group_account_readonly"
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_check_state = fields.Selection(
        [
            ("blocked", "Credit Blocked"),
            ("requested", "Approval Requested"),
            ("approved", "Credit Approved"),
            ("refused", "Credit Refused"),
        ],
        string="Credit Check",
        copy=False,
        readonly=True,
        tracking=True,
        index="btree_not_null",
        groups=ORDER_CREDIT_GROUPS,
    )
    credit_block_reason = fields.Text(copy=False, readonly=True, groups=ORDER_CREDIT_GROUPS)
    credit_decision_ids = fields.One2many(
        "credit.decision",
        "order_id",
        string="Credit Decisions",
        readonly=True,
        groups=ORDER_CREDIT_GROUPS,
    )
    partner_credit_hold = fields.Boolean(
        related="partner_id.commercial_partner_id.credit_hold",
        string="Customer On Hold",
        groups=ORDER_CREDIT_GROUPS,
    )
    partner_credit_hold_reason = fields.Char(
        related="partner_id.commercial_partner_id.credit_hold_reason",
        string="Customer Hold Reason",
        groups=ORDER_CREDIT_GROUPS,
    )
    # Odoo's warning names the customer's amounts due: not for the portal.
    partner_credit_warning = fields.Text(groups=ORDER_CREDIT_GROUPS)
    credit_decision_count = fields.Integer(
        compute="_compute_credit_decision_count", groups=ORDER_CREDIT_GROUPS
    )
    credit_can_decide = fields.Boolean(compute="_compute_credit_can_decide")

    @api.depends("credit_decision_ids")
    def _compute_credit_decision_count(self):
        for order in self:
            order.credit_decision_count = len(order.credit_decision_ids)

    @api.depends("credit_check_state")
    def _compute_credit_can_decide(self):
        self.credit_can_decide = self.env.user.has_group("credit_management.group_credit_manager")

    def _compute_partner_credit_warning(self):
        res = super()._compute_partner_credit_warning()
        orders = self.filtered(lambda o: o.state in ("draft", "sent") and o.partner_id)
        for company, company_orders in orders.grouped("company_id").items():
            company_orders._credit_add_solvency_warnings(company)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # an import or an integration may create orders already confirmed
        orders.filtered(lambda o: o.state == "sale")._credit_check_growth({})
        return orders

    def write(self, vals):
        if {"credit_check_state", "credit_block_reason"} & set(vals) and not (
            self.env.su or self.env.user.has_group("credit_management.group_credit_manager")
        ):
            raise AccessError(self.env._("Only credit managers can change the credit status."))
        if vals.get("state") == "sale":
            self._credit_guard_confirmation()
        with self._credit_watch_growth():
            return super().write(vals)

    def action_confirm(self):
        candidates = self.filtered(lambda o: o.state in ("draft", "sent"))
        reasons, approvals = candidates._credit_check()
        blocked = self.browse([order.id for order in reasons])
        allowed = self - blocked
        checked = self.env.cr.cache.setdefault(CHECKED_KEY, set())
        checked.update(allowed.ids)
        try:
            res = super(SaleOrder, allowed).action_confirm() if allowed else True
        finally:
            checked.difference_update(allowed.ids)
        approvals._credit_consume()
        allowed._credit_close_pending_requests()
        if not blocked:
            return res
        blocked._credit_flag_blocked(reasons)
        if self.env.su or not self.env.user._is_internal():
            # Portal signature, online payment or another process: nobody is
            # there to read the message, so the request is made on their behalf.
            to_request = blocked.filtered(lambda o: o.credit_check_state != "requested")
            if to_request:
                to_request._credit_request_approval(origin="automatic")
        return blocked._credit_blocked_action()

    def _action_cancel(self):
        self._credit_close_pending_requests()
        return super()._action_cancel()

    def action_credit_request_approval(self):
        self._credit_request_approval()
        return True

    def action_credit_decide(self):
        self.ensure_one()
        decision = self.credit_decision_ids.filtered(lambda d: d.state == "requested")[:1]
        if not decision:
            raise UserError(self.env._("There is no pending credit request on this order."))
        return decision.with_context(
            credit_decision=self.env.context.get("credit_decision", "approve")
        ).action_open_decide_wizard()

    def action_view_credit_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.credit_decision_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {}
        return action

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

    def _credit_add_solvency_warnings(self, company):
        """Add the credit warnings (rating to watch, insured amount exceeded)
        to Odoo's credit warning of these quotations of ``company``."""
        partners = self.partner_id.commercial_partner_id.with_company(company).sudo()
        rules = partners._credit_solvency_rules(company)
        concerned = partners.filtered(
            lambda p: (
                p.credit_insured_limit > 0
                or (p.solvency_rating in rules and rules[p.solvency_rating].credit_effect == "warn")
            )
        )
        if not concerned:
            return
        orders = self.filtered(lambda o: o.partner_id.commercial_partner_id in concerned)
        data = concerned._credit_exposure_data(company)
        today = fields.Date.context_today(self)
        amounts = self.env["res.currency"]._credit_to_company_currency(
            [(order.currency_id, order.amount_total) for order in orders], company, today
        )
        empty = partners._credit_exposure_empty()
        for order, amount in zip(orders, amounts, strict=True):
            partner = partners.browse(order.partner_id.commercial_partner_id.id)
            exposure = partners._credit_exposure_total(data.get(partner.id, empty)) + amount
            messages = partner._credit_warnings(company, {partner.id: exposure}, today).get(
                partner.id
            )
            if messages:
                order.partner_credit_warning = "\n".join(
                    filter(None, [order.partner_credit_warning, *messages])
                )

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

    def _credit_flag_blocked(self, reasons):
        """Keep the blocked orders flagged, with their reason, in the chatter."""
        for order in self:
            reason = reasons[order]
            state = "requested" if order.credit_check_state == "requested" else "blocked"
            if order.credit_check_state == state and order.credit_block_reason == reason:
                continue
            order.sudo().write({"credit_check_state": state, "credit_block_reason": reason})
            order.sudo().message_post(
                body=plaintext2html(reason),
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )

    def _credit_blocked_action(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Check"),
            "res_model": "credit.block.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids},
        }

    def _credit_request_approval(self, note=False, origin="salesperson"):
        """Ask the credit managers to decide on these blocked orders."""
        orders = self.filtered(
            lambda o: (
                o.state in ("draft", "sent") and o.credit_check_state in ("blocked", "refused")
            )
        )
        if not orders:
            raise UserError(
                self.env._("Only credit-blocked quotations can be submitted for approval.")
            )
        if origin != "automatic":
            orders.check_access("write")
        # only the system files requests, from the orders' own figures
        decisions = (
            self.env["credit.decision"]
            .sudo()
            .create(
                [
                    {
                        "order_id": order.id,
                        "origin": origin,
                        "request_note": note,
                        "requested_by_id": self.env.user.id,
                    }
                    for order in orders
                ]
            )
        )
        decisions._credit_notify_managers()
        orders.sudo().write({"credit_check_state": "requested"})
        for decision in decisions:
            order = decision.order_id
            body = self.env._("Credit approval requested (%(name)s).", name=decision.name)
            if origin == "automatic":
                body = self.env._(
                    "The customer's confirmation was held for a credit decision "
                    "(%(name)s): the order is not confirmed yet.",
                    name=decision.name,
                )
            if note:
                body += " " + note
            order.sudo().message_post(
                body=body,
                partner_ids=order.user_id.partner_id.ids if origin == "automatic" else [],
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
            decision.partner_id.sudo().message_post(
                body=self.env._(
                    "Credit approval requested for %(order)s (%(name)s).",
                    order=order.name,
                    name=decision.name,
                ),
                author_id=self.env.user.partner_id.id,
            )
        return decisions

    def _credit_close_pending_requests(self):
        """Cancel the open requests of orders that no longer need them."""
        stale = self.filtered(lambda o: o.credit_check_state in ("blocked", "requested", "refused"))
        # only a requested order has a pending request
        pending = stale.credit_decision_ids.filtered(lambda d: d.state == "requested")
        if pending:
            pending.sudo().write({"state": "cancelled"})
            pending.sudo().activity_unlink(["credit_management.mail_activity_credit_approval"])
        if stale:
            stale.sudo().write({"credit_check_state": False})
