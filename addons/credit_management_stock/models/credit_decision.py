# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditDecision(models.Model):
    """A credit decision is also the release of one transfer held by a credit
    hold: taken by a credit manager at once (no request), with its reason."""

    _inherit = "credit.decision"

    kind = fields.Selection(
        [("order", "Order Approval"), ("delivery", "Delivery Release")],
        default="order",
        required=True,
        readonly=True,
        index=True,
        help="Order Approval: a blocked sales order may be confirmed.\n"
        "Delivery Release: one transfer of a customer on credit hold may be validated.",
    )
    # a delivery release may concern a transfer without sales order
    order_id = fields.Many2one(required=False)
    picking_id = fields.Many2one(
        "stock.picking",
        string="Transfer",
        index="btree_not_null",
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )

    @api.constrains("kind", "order_id", "picking_id")
    def _check_kind_record(self):
        for decision in self:
            if decision.kind == "order" and not decision.order_id:
                raise ValidationError(
                    self.env._(
                        "Credit decision %(name)s needs its sales order.", name=decision.name
                    )
                )
            if decision.kind == "delivery" and not decision.picking_id:
                raise ValidationError(
                    self.env._("Credit decision %(name)s needs its transfer.", name=decision.name)
                )

    @api.constrains("currency_id", "order_id")
    def _check_currency(self):
        # a release is in its order's currency, or the company's without order
        return super(CreditDecision, self.filtered(lambda d: d.kind == "order"))._check_currency()

    def action_open_picking(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "res_id": self.picking_id.id,
            "view_mode": "form",
        }

    @api.model
    def _credit_filed_values(self, vals):
        if vals.get("kind") == "delivery":
            return self._credit_release_values(vals["picking_id"])
        return super()._credit_filed_values(vals)

    @api.model
    def _credit_release_values(self, picking_id):
        """What a release states, read from its transfer: never given by the caller."""
        picking = self.env["stock.picking"].sudo().browse(picking_id)
        company = picking.company_id
        order = picking.sale_id
        partner = picking._credit_customer().with_company(company)
        return {
            "order_id": order.id,
            "company_id": company.id,
            "partner_id": partner.id,
            "salesperson_id": order.user_id.id,
            "currency_id": (order.currency_id or company.currency_id).id,
            "amount": order.amount_total,
            "block_reason": picking._credit_hold_reasons().get(picking, False),
            "exposure": partner.credit_exposure,
            "credit_limit": partner.credit_limit_effective,
        }

    def _credit_is_valid_for(self, order, date):
        # a release lets one transfer go, never an order's confirmation
        if self.kind == "delivery":
            return False
        return super()._credit_is_valid_for(order, date)

    def _credit_post_release(self):
        """Keep the release on record on the transfer, its order and its customer."""
        self.ensure_one()
        body = self.env._(
            "%(picking)s released from the credit hold of %(customer)s by %(user)s "
            "(%(decision)s), for this transfer only: %(reason)s",
            picking=self.picking_id.name,
            customer=self.partner_id.name,
            user=self.decided_by_id.name,
            decision=self.name,
            reason=self.decision_reason,
        )
        author = self.env.user.partner_id.id
        self.picking_id.sudo()._credit_notify_warehouse(body, author_id=author)
        self.order_id.sudo().message_post(
            body=body,
            author_id=author,
            partner_ids=self.salesperson_id.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )
        self.partner_id.sudo().message_post(body=body, author_id=author)
