# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date
from odoo.tools.sql import create_index

# transfers whose validation has been checked by an outer call (stock.move._action_done)
CHECKED_KEY = "credit_management_stock.checked_picking_ids"
# written by the system only: the hold flag and the release that lifts it
CREDIT_FIELDS = {"credit_held", "credit_release_id"}
# what decides whether a transfer goes to a customer, and to which one
CREDIT_TRIGGER_FIELDS = {
    "partner_id",
    "picking_type_id",
    "location_dest_id",
    "company_id",
    "group_id",
    "sale_id",
    "return_id",
}


class StockPicking(models.Model):
    _inherit = "stock.picking"

    credit_held = fields.Boolean(
        string="Held by Credit",
        readonly=True,
        copy=False,
        help="The customer is on credit hold: this transfer cannot be validated until "
        "the hold is lifted or a credit manager releases it.",
    )
    credit_release_id = fields.Many2one(
        "credit.decision",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="credit_management.group_credit_user",
        help="The credit manager's decision that lets this transfer go despite the "
        "customer's credit hold (valid for this transfer only).",
    )
    credit_hold_message = fields.Text(
        string="Credit Hold Reason", compute="_compute_credit_hold_message", compute_sudo=True
    )
    credit_release_info = fields.Char(compute="_compute_credit_release_info", compute_sudo=True)

    def init(self):
        res = super().init()
        # the warehouse's "Held by Credit" list reads the few flagged transfers only
        create_index(
            self.env.cr,
            "stock_picking_credit_held_index",
            self._table,
            ["id"],
            where="credit_held IS TRUE",
        )
        return res

    @api.depends("credit_held", "state")
    def _compute_credit_hold_message(self):
        held = self.filtered("credit_held")
        reasons = held._credit_hold_reasons()
        for picking in self:
            picking.credit_hold_message = reasons.get(picking, False)

    @api.depends("credit_release_id")
    def _compute_credit_release_info(self):
        for picking in self:
            release = picking.credit_release_id
            picking.credit_release_info = bool(release) and self.env._(
                "Released from the credit hold by %(user)s on %(date)s (%(decision)s): %(reason)s",
                user=release.decided_by_id.name,
                date=format_date(self.env, release.decision_date),
                decision=release.name,
                reason=release.decision_reason,
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(CREDIT_FIELDS & set(vals) for vals in vals_list):
            raise AccessError(self.env._("Only credit managers release held transfers."))
        pickings = super().create(vals_list)
        pickings._credit_sync_flags()
        return pickings

    def write(self, vals):
        if not self.env.su and CREDIT_FIELDS & set(vals):
            raise AccessError(self.env._("Only credit managers release held transfers."))
        if vals.get("state") == "done":
            # a direct write of the done state is checked as a validation
            checked = self.env.cr.cache.get(CHECKED_KEY, set())
            self.filtered(lambda p: p.id not in checked)._credit_check_hold()
        res = super().write(vals)
        if CREDIT_TRIGGER_FIELDS & set(vals):
            self._credit_sync_flags()
        return res

    def button_validate(self):
        # before the backorder wizard: the warehouse learns of the hold at once
        self._credit_check_hold()
        return super().button_validate()

    def action_credit_release(self):
        self.ensure_one()
        self._credit_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release from Credit Hold"),
            "res_model": "credit.picking.release.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_picking_id": self.id},
        }

    @api.model
    def _credit_open_domain(self, company):
        """Open transfers of ``company`` that a credit hold stops: deliveries to a
        customer, and the internal steps (pick, pack) of a sales order's route.
        Receipts and returns never are."""
        return [
            ("company_id", "=", company.id),
            ("state", "not in", ("done", "cancel")),
            "|",
            "&",
            ("picking_type_code", "=", "outgoing"),
            ("location_dest_id.usage", "=", "customer"),
            "&",
            "&",
            ("picking_type_code", "=", "internal"),
            ("sale_id", "!=", False),
            ("return_id", "=", False),
        ]

    @api.model
    def _credit_customer_domain(self, partner_domain):
        """Transfers whose customer (see ``_credit_customer``) matches ``partner_domain``."""
        return [
            "|",
            "&",
            ("sale_id", "!=", False),
            ("sale_id.partner_id.commercial_partner_id", "any", partner_domain),
            "&",
            ("sale_id", "=", False),
            ("partner_id.commercial_partner_id", "any", partner_domain),
        ]

    def _credit_applies(self):
        """Whether a credit hold stops this transfer (as ``_credit_open_domain``)."""
        self.ensure_one()
        code = self.picking_type_id.code
        if code == "outgoing":
            return self.location_dest_id.usage == "customer"
        return code == "internal" and bool(self.sale_id) and not self.return_id

    def _credit_customer(self):
        """The customer whose credit is at stake: the one who ordered (the
        delivery address may belong to someone else), else the addressee."""
        self.ensure_one()
        return (self.sale_id.partner_id or self.partner_id).commercial_partner_id

    def _credit_hold_reasons(self):
        """Transfers of ``self`` that a credit hold stops, with the reason.

        A transfer is held when its company holds deliveries, it goes to a
        customer (``_credit_applies``), the customer is on credit hold in the
        transfer's company, and no credit manager released this transfer. The
        customers' hold is read in one query per company.

        :return: {picking: message}
        """
        result = {}
        open_pickings = self.filtered(lambda p: p.state not in ("done", "cancel"))
        for company, company_pickings in open_pickings.sudo().grouped("company_id").items():
            if not company.credit_hold_deliveries:
                continue
            pickings = company_pickings.with_company(company).filtered(
                lambda p: p._credit_applies()
            )
            customers = pickings.browse().partner_id.union(
                *(picking._credit_customer() for picking in pickings)
            )
            customers.fetch(
                ["credit_hold", "credit_hold_reason", "credit_hold_origin", "credit_hold_date"]
            )
            for picking in pickings:
                customer = picking._credit_customer()
                if customer.credit_hold and not picking._credit_is_released():
                    result[self.browse(picking.id)] = picking._credit_hold_message(customer)
        return result

    def _credit_is_released(self):
        self.ensure_one()
        release = self.sudo().credit_release_id
        return (
            release.state == "approved"
            and release.kind == "delivery"
            and release.picking_id == self
        )

    def _credit_hold_message(self, customer):
        self.ensure_one()
        origins = dict(customer._fields["credit_hold_origin"]._description_selection(self.env))
        return self.env._(
            "%(picking)s cannot be validated: its customer %(customer)s is on credit hold "
            "in %(company)s since %(date)s (%(origin)s): %(reason)s\n"
            "A credit manager can release this transfer; it is freed when the hold is lifted.",
            picking=self.name,
            customer=customer.name,
            company=self.company_id.name,
            date=format_date(self.env, customer.credit_hold_date),
            origin=origins.get(customer.credit_hold_origin, ""),
            reason=customer.credit_hold_reason or "",
        )

    def _credit_check_hold(self):
        """Refuse the validation of transfers that a credit hold stops."""
        reasons = self._credit_hold_reasons()
        if reasons:
            raise UserError("\n\n".join(reasons.values()))

    def _credit_sync_flags(self):
        """Flag the transfers of ``self`` that a hold stops, unflag the others."""
        held = self.browse([picking.id for picking in self._credit_hold_reasons()])
        held.filtered(lambda p: not p.credit_held).sudo().write({"credit_held": True})
        (self - held).filtered("credit_held").sudo().write({"credit_held": False})

    @api.model
    def _credit_hold_changed(self, customers, hold):
        """The credit hold of ``customers`` (commercial entities) was set or
        lifted in the current company: flag their open transfers in one write,
        or free them (and their releases, which were given for that hold) in
        one write and tell the warehouse users who follow them."""
        company = self.env.company
        pickings = self.sudo().with_company(company)
        domain = pickings._credit_open_domain(company) + pickings._credit_customer_domain(
            [("id", "in", customers.ids)]
        )
        if hold:
            if company.credit_hold_deliveries:
                pickings.search(
                    domain + [("credit_held", "=", False), ("credit_release_id", "=", False)]
                ).write({"credit_held": True})
            return
        freed = pickings.search(
            domain + ["|", ("credit_held", "=", True), ("credit_release_id", "!=", False)]
        )
        held = freed.filtered("credit_held")
        freed.write({"credit_held": False, "credit_release_id": False})
        held._credit_notify_freed()

    def _credit_notify_freed(self):
        for picking in self:
            picking._credit_notify_warehouse(
                self.env._(
                    "The credit hold of %(customer)s is lifted: %(picking)s can be validated.",
                    customer=picking._credit_customer().name,
                    picking=picking.name,
                )
            )

    def _credit_notify_warehouse(self, body, author_id=None):
        """Post a note on this transfer for the users who follow it (never
        for the customer, who follows its deliveries too)."""
        self.ensure_one()
        users = self.message_partner_ids.filtered(
            lambda partner: any(not user.share for user in partner.user_ids)
        )
        self.sudo().message_post(
            body=body, partner_ids=users.ids, author_id=author_id, subtype_xmlid="mail.mt_note"
        )

    def _credit_check_manager(self):
        if not (self.env.su or self.env.user.has_group("credit_management.group_credit_manager")):
            raise AccessError(self.env._("Only credit managers release held transfers."))

    def _credit_release(self, reason):
        """Let these held transfers go, each on a credit decision of its own
        (valid for that transfer only), on record on the transfer, its order
        and its customer."""
        self._credit_check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason of your credit decision."))
        reasons = self._credit_hold_reasons()
        not_held = self.filtered(lambda p: p not in reasons)
        if not_held:
            raise UserError(
                self.env._(
                    "%(picking)s is not held by a credit hold.", picking=not_held[0].display_name
                )
            )
        now = fields.Datetime.now()
        decisions = (
            self.env["credit.decision"]
            .sudo()
            .create(
                [
                    {
                        "kind": "delivery",
                        "picking_id": picking.id,
                        "state": "approved",
                        "decided_by_id": self.env.user.id,
                        "decision_date": now,
                        "decision_reason": reason,
                        "requested_by_id": self.env.user.id,
                    }
                    for picking in self
                ]
            )
        )
        for picking, decision in zip(self.sudo(), decisions, strict=True):
            picking.write({"credit_held": False, "credit_release_id": decision.id})
            decision._credit_post_release()
        return decisions
