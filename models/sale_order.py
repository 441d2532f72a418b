# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html

CHECKED_KEY = "credit_management.checked_order_ids"
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
