# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date, formatLang

# What a manager decides; the rest of a decision is the request, set by the system.
DECISION_FIELDS = {
    "state",
    "decided_by_id",
    "decision_date",
    "decision_reason",
    "valid_until",
    "amount_limit",
}


class CreditDecision(models.Model):
    """A request to let a credit-blocked sales order through, and its outcome."""

    _name = "credit.decision"
    _description = "Credit Decision"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _mail_post_access = "read"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    salesperson_id = fields.Many2one("res.users", readonly=True)
    requested_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        default=lambda self: self.env.user,
    )
    origin = fields.Selection(
        [("salesperson", "Salesperson"), ("automatic", "Customer / automatic")],
        default="salesperson",
        required=True,
        readonly=True,
        help="Automatic: the confirmation came from the portal, an online payment "
        "or another process, and was held for a credit decision.",
    )
    state = fields.Selection(
        [
            ("requested", "To Decide"),
            ("approved", "Approved"),
            ("refused", "Refused"),
            ("cancelled", "Cancelled"),
        ],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    block_reason = fields.Text(string="Blocking Reason", readonly=True)
    request_note = fields.Text(readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(string="Order Amount", readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    exposure = fields.Monetary(
        string="Exposure at Request", currency_field="company_currency_id", readonly=True
    )
    credit_limit = fields.Monetary(
        string="Credit Limit at Request", currency_field="company_currency_id", readonly=True
    )
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decision_date = fields.Datetime(readonly=True)
    decision_reason = fields.Text(readonly=True)
    valid_until = fields.Date(
        readonly=True, help="The approval can be used up to this date (included)."
    )
    amount_limit = fields.Monetary(
        string="Approved Up To",
        readonly=True,
        help="The approval holds while the order total does not exceed this amount. "
        "Empty: the order amount at approval.",
    )
    consumed_date = fields.Datetime(
        string="Used On",
        readonly=True,
        copy=False,
        help="When the order was confirmed with this approval. An approval is used once: "
        "an order cancelled and confirmed again needs a new one.",
    )

    _sql_constraints = [
        (
            "amount_limit_positive",
            "CHECK(amount_limit IS NULL OR amount_limit >= 0)",
            "The approved amount cannot be negative.",
        ),
    ]

    @api.constrains("state", "decision_reason")
    def _check_decision_reason(self):
        for decision in self:
            if (
                decision.state in ("approved", "refused")
                and not (decision.decision_reason or "").strip()
            ):
                raise ValidationError(
                    self.env._("A credit decision needs a reason (%(name)s).", name=decision.name)
                )

    @api.constrains("currency_id", "order_id")
    def _check_currency(self):
        for decision in self:
            if decision.currency_id != decision.order_id.currency_id:
                raise ValidationError(
                    self.env._(
                        "The currency of credit decision %(name)s (%(currency)s) must be "
                        "the currency of order %(order)s (%(order_currency)s).",
                        name=decision.name,
                        currency=decision.currency_id.name,
                        order=decision.order_id.name,
                        order_currency=decision.order_id.currency_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # requests are filed by the system, from the order (see
            # sale.order._credit_request_approval), never written by hand
            raise AccessError(self.env._("Credit requests are filed from the blocked order."))
        for vals in vals_list:
            vals.update(self._credit_filed_values(vals))
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(vals["company_id"])
                    .next_by_code("credit.decision")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if DECISION_FIELDS & set(vals) and not self._credit_is_manager():
                raise AccessError(self.env._("Only credit managers can decide on credit."))
            request_fields = set(vals) - DECISION_FIELDS - set(self._credit_mail_fields())
            if request_fields:
                raise AccessError(
                    self.env._("A credit request keeps the figures it was filed with.")
                )
        return super().write(vals)

    def action_open_decide_wizard(self):
        self._credit_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Decision"),
            "res_model": "credit.decision.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_decision_id": self.id,
                "default_decision": self.env.context.get("credit_decision", "approve"),
            },
        }

    def action_open_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.order_id.id,
            "view_mode": "form",
        }

    @api.model
    def _credit_filed_values(self, vals):
        """What the system states on a new decision, read from the record it is
        about (the order here; other kinds of decisions read their own)."""
        return self._credit_request_values(vals["order_id"])

    @api.model
    def _credit_request_values(self, order_id):
        """What a request states, read from its order: never given by the caller."""
        order = self.env["sale.order"].sudo().browse(order_id)
        partner = order.partner_id.commercial_partner_id.with_company(order.company_id)
        return {
            "company_id": order.company_id.id,
            "partner_id": partner.id,
            "salesperson_id": order.user_id.id,
            "currency_id": order.currency_id.id,
            "amount": order.amount_total,
            "block_reason": order.credit_block_reason,
            "exposure": partner.credit_exposure,
            "credit_limit": partner.credit_limit_effective,
        }

    @api.model
    def _credit_mail_fields(self):
        """Fields the chatter and activities write as any user may."""
        return [
            fname
            for fname, field in self._fields.items()
            if fname.startswith(("message_", "activity_")) or fname == "website_message_ids"
        ]

    def _credit_is_manager(self):
        return self.env.su or self.env.user.has_group("credit_management.group_credit_manager")

    def _credit_check_manager(self):
        if not self._credit_is_manager():
            raise AccessError(self.env._("Only credit managers can decide on credit."))

    def _credit_check_decidable(self, reason):
        self._credit_check_manager()
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason of your credit decision."))
        undecidable = self.filtered(lambda d: d.state != "requested")
        if undecidable:
            raise UserError(
                self.env._(
                    "Credit decision %(name)s has already been taken.",
                    name=undecidable[0].name,
                )
            )

    def _credit_approve(self, reason, valid_until=False, amount_limit=False, confirm=False):
        """Approve the requests; optionally confirm their orders at once."""
        self._credit_check_decidable(reason)
        if valid_until and valid_until < fields.Date.context_today(self):
            raise UserError(self.env._("The approval cannot expire in the past."))
        if amount_limit and amount_limit < 0:
            raise UserError(self.env._("The approved amount cannot be negative."))
        self.write(
            {
                "state": "approved",
                "decided_by_id": self.env.user.id,
                "decision_date": fields.Datetime.now(),
                "decision_reason": reason,
                "valid_until": valid_until,
                "amount_limit": amount_limit or False,
            }
        )
        self._credit_after_decision()
        if confirm:
            self._credit_confirm_orders()
        return True

    def _credit_confirm_orders(self):
        """Confirm the approved orders as the approving manager: the approval
        lifts the credit check of these orders only, not the manager's access
        rights. Orders the manager may not confirm are left to their
        salesperson, who is told so."""
        orders = self.order_id.filtered(lambda o: o.state in ("draft", "sent"))
        allowed = orders.filtered(lambda o: o.has_access("write"))
        if allowed:
            allowed.action_confirm()
        for decision in self.filtered(lambda d: d.order_id in orders - allowed):
            decision.order_id.sudo().message_post(
                body=self.env._(
                    "Credit approved: %(order)s can now be confirmed by its salesperson.",
                    order=decision.order_id.name,
                ),
                partner_ids=decision.salesperson_id.partner_id.ids,
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )

    def _credit_refuse(self, reason):
        self._credit_check_decidable(reason)
        self.write(
            {
                "state": "refused",
                "decided_by_id": self.env.user.id,
                "decision_date": fields.Datetime.now(),
                "decision_reason": reason,
            }
        )
        self._credit_after_decision()
        return True

    def _credit_after_decision(self):
        """Record the decision on order and customer, close the activities."""
        activity_type = self.env.ref("credit_management.mail_activity_credit_approval")
        for decision in self:
            decision.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            ).sudo().action_feedback(feedback=decision.decision_reason)
            decision.order_id.sudo().credit_check_state = decision.state
            body = decision._credit_decision_message()
            partner_ids = (decision.salesperson_id | decision.requested_by_id).partner_id.ids
            decision.order_id.sudo().message_post(
                body=body,
                partner_ids=partner_ids,
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
            decision.partner_id.sudo().message_post(
                body=body, author_id=self.env.user.partner_id.id
            )

    def _credit_decision_message(self):
        self.ensure_one()
        if self.state == "approved":
            body = self.env._(
                "Credit approved for %(order)s by %(user)s: %(reason)s",
                order=self.order_id.name,
                user=self.env.user.name,
                reason=self.decision_reason,
            )
            if self.valid_until:
                body += " " + self.env._(
                    "Valid until %(date)s.", date=format_date(self.env, self.valid_until)
                )
            if self.amount_limit:
                amount = formatLang(self.env, self.amount_limit, currency_obj=self.currency_id)
                body += " " + self.env._("Up to %(amount)s.", amount=amount)
            return body
        return self.env._(
            "Credit refused for %(order)s by %(user)s: %(reason)s",
            order=self.order_id.name,
            user=self.env.user.name,
            reason=self.decision_reason,
        )

    def _credit_is_valid_for(self, order, date):
        """Whether this approval covers ``order`` on ``date``: same order, same
        customer and currency, not expired, and the order within the approved
        amount. Whether it is still unused is the caller's question."""
        self.ensure_one()
        if self.state != "approved" or self.order_id != order:
            return False
        if self.partner_id != order.partner_id.commercial_partner_id:
            return False
        if self.currency_id != order.currency_id:
            return False
        if self.valid_until and self.valid_until < date:
            return False
        ceiling = self.amount_limit or self.amount
        return order.currency_id.compare_amounts(order.amount_total, ceiling) <= 0

    def _credit_consume(self):
        """The confirmation these approvals allowed took place: they are used."""
        unused = self.filtered(lambda d: not d.consumed_date)
        if unused:
            unused.sudo().write({"consumed_date": fields.Datetime.now()})

    def _credit_notify_managers(self):
        """Schedule an approval activity for the company's credit managers."""
        activity_type = self.env.ref("credit_management.mail_activity_credit_approval")
        for decision in self:
            users = decision._credit_approvers()
            for user in users:
                decision.sudo().activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=user.id,
                    summary=self.env._(
                        "Credit approval for %(order)s", order=decision.order_id.name
                    ),
                    note=decision.block_reason,
                )

    def _credit_approvers(self):
        self.ensure_one()
        return self.company_id._credit_manager_users()
