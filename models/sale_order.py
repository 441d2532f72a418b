# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, plaintext2html

from .res_partner import EXPOSURE_KEYS

CHECKED_KEY = "credit_management.checked_order_ids"


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
    )
    credit_block_reason = fields.Text(copy=False, readonly=True)
    credit_decision_ids = fields.One2many(
        "credit.decision", "order_id", string="Credit Decisions", readonly=True
    )
    partner_credit_hold = fields.Boolean(
        related="partner_id.commercial_partner_id.credit_hold", string="Customer On Hold"
    )
    partner_credit_hold_reason = fields.Char(
        related="partner_id.commercial_partner_id.credit_hold_reason",
        string="Customer Hold Reason",
    )
    credit_decision_count = fields.Integer(compute="_compute_credit_decision_count")
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

    def write(self, vals):
        if {"credit_check_state", "credit_block_reason"} & set(vals) and not (
            self.env.su or self.env.user.has_group("credit_management.group_credit_manager")
        ):
            raise AccessError(self.env._("Only credit managers can change the credit status."))
        if vals.get("state") == "sale":
            self._credit_guard_confirmation()
        return super().write(vals)

    def action_confirm(self):
        candidates = self.filtered(lambda o: o.state in ("draft", "sent"))
        reasons = candidates._credit_blocking_reasons()
        blocked = self.browse([order.id for order in reasons])
        allowed = self - blocked
        checked = self.env.cr.cache.setdefault(CHECKED_KEY, set())
        checked.update(allowed.ids)
        try:
            res = super(SaleOrder, allowed).action_confirm() if allowed else True
        finally:
            checked.difference_update(allowed.ids)
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

    def _credit_blocking_reasons(self):
        """Orders of ``self`` that need a credit decision to be confirmed.

        A constant number of queries whatever the size of the customers' books:
        one for approvals, then per company one for the exposure of all the
        customers concerned and at most one for currency rates.

        :return: {order: message}
        """
        if not self:
            return {}
        today = fields.Date.context_today(self)
        approvals = (
            self.env["credit.decision"]
            .sudo()
            .search([("order_id", "in", self.ids), ("state", "=", "approved")])
        )
        approved = {
            decision.order_id
            for decision in approvals
            if decision._credit_is_valid_for(decision.order_id, today)
        }
        result = {}
        for company, orders in self.sudo().grouped("company_id").items():
            result.update(
                orders.with_company(company)._credit_blocking_reasons_company(
                    company, approved, today
                )
            )
        return {self.browse(order.id): message for order, message in result.items()}

    def _credit_blocking_reasons_company(self, company, approved, date):
        partners = self.partner_id.commercial_partner_id
        limits = (
            partners._credit_effective_limits(company, date)
            if company._credit_limit_enforced()
            else {}
        )
        limited = partners.filtered(lambda p: limits.get(p.id, (None,))[0] is not None)
        data = limited._credit_exposure_data(company, date) if limited else {}
        first_orders = self._credit_first_order_candidates(company, date)
        amounts = dict.fromkeys(self.ids, 0.0)
        to_convert = self.filtered(
            lambda o: o.partner_id.commercial_partner_id in limited or o in first_orders
        )
        if to_convert:
            converted = self.env["res.currency"]._credit_to_company_currency(
                [(order.currency_id, order.amount_total) for order in to_convert], company, date
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
        first_orders = first_orders._credit_first_orders_unknown(company)
        pending = defaultdict(float)
        result = {}
        review_needed = False
        for order in self.sorted("id"):
            partner = order.partner_id.commercial_partner_id
            reasons = []
            if order not in approved:
                if partner.credit_hold:
                    reasons.append(order._credit_hold_message(partner))
                if order in first_orders:
                    reasons.append(order._credit_first_order_message(partner, company))
                    review_needed = True
                if partner in limited:
                    values = data.get(partner.id, dict.fromkeys(EXPOSURE_KEYS, 0.0))
                    limit, explanation = limits[partner.id]
                    message = order._credit_limit_message(
                        partner,
                        values,
                        pending[partner.id],
                        amounts[order.id],
                        company,
                        limit=limit,
                        explanation=explanation,
                    )
                    if message:
                        reasons.append(message)
            if reasons:
                result[order] = self.env._(
                    "%(order)s cannot be confirmed without a credit manager's "
                    "approval:\n%(reasons)s",
                    order=order.name,
                    reasons="\n".join(f"- {reason}" for reason in reasons),
                )
            else:
                pending[partner.id] += amounts[order.id]
        if review_needed:
            self._credit_trigger_solvency_review()
        return result

    def _credit_add_solvency_warnings(self, company):
        """Add the solvency warnings (rating to watch, insured amount exceeded)
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
        for order, amount in zip(orders, amounts, strict=True):
            partner = partners.browse(order.partner_id.commercial_partner_id.id)
            values = data.get(partner.id, dict.fromkeys(EXPOSURE_KEYS, 0.0))
            exposure = values["receivable"] + values["draft"] + values["orders"] + amount
            warnings = partner._credit_solvency_warnings(
                company, {partner.id: exposure}, today, rules=rules
            )
            messages = warnings.get(partner.id)
            if messages:
                order.partner_credit_warning = "\n".join(
                    filter(None, [order.partner_credit_warning, *messages])
                )

    def _credit_hold_message(self, partner):
        return self.env._(
            "%(partner)s is on credit hold: %(reason)s",
            partner=partner.name,
            reason=partner.credit_hold_reason or "",
        )

    def _credit_limit_message(
        self, partner, values, pending, amount, company, limit=None, explanation=""
    ):
        """Message when this order takes ``partner`` over its limit, else False.

        :param limit: the limit that applies (default: the customer's own limit)
        :param explanation: why it is not the customer's own limit, in words
        """
        exposure = values["receivable"] + values["draft"] + values["orders"] + pending
        total = exposure + amount
        if limit is None:
            limit = partner.credit_limit
        if company.currency_id.compare_amounts(total, limit) <= 0:
            return False
        fmt = partner._credit_format_amount
        limit_text = fmt(limit, company)
        if explanation:
            limit_text = self.env._(
                "%(limit)s (%(explanation)s)", limit=limit_text, explanation=explanation
            )
        return self.env._(
            "%(partner)s would exceed its credit limit of %(limit)s by %(excess)s: "
            "exposure %(exposure)s (unpaid invoices %(receivable)s, of which overdue "
            "%(overdue)s; draft invoices %(draft)s; uninvoiced orders %(orders)s) + "
            "this order %(amount)s = %(total)s.",
            partner=partner.name,
            limit=limit_text,
            excess=fmt(total - limit, company),
            exposure=fmt(exposure, company),
            receivable=fmt(values["receivable"], company),
            overdue=fmt(values["overdue"], company),
            draft=fmt(values["draft"], company),
            orders=fmt(values["orders"] + pending, company),
            amount=fmt(amount, company),
            total=fmt(total, company),
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

    def _credit_first_orders_unknown(self, company):
        """Orders of ``self`` whose customer has neither a confirmed order nor a
        posted invoice in ``company`` yet (one query)."""
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
        vals_list = []
        for order in orders:
            partner = order.partner_id.commercial_partner_id.with_company(order.company_id).sudo()
            vals_list.append(
                {
                    "order_id": order.id,
                    "origin": origin,
                    "block_reason": order.credit_block_reason,
                    "request_note": note,
                    "exposure": partner.credit_exposure,
                    "credit_limit": partner.credit_limit,
                }
            )
        Decision = self.env["credit.decision"]
        if origin == "automatic":
            Decision = Decision.sudo()
        decisions = Decision.create(vals_list)
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
        pending = self.credit_decision_ids.filtered(lambda d: d.state == "requested")
        if pending:
            pending.sudo().write({"state": "cancelled"})
            pending.sudo().activity_unlink(["credit_management.mail_activity_credit_approval"])
        stale = self.filtered(lambda o: o.credit_check_state in ("blocked", "requested", "refused"))
        if stale:
            stale.sudo().write({"credit_check_state": False})
