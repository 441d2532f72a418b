# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class CreditBlockWizard(models.TransientModel):
    """Shown to the salesperson when a confirmation is credit-blocked."""

    _name = "credit.block.wizard"
    _description = "Credit Blocked Confirmation"

    order_ids = fields.Many2many("sale.order", string="Orders", readonly=True)
    message = fields.Text(compute="_compute_message")
    can_request = fields.Boolean(compute="_compute_message")
    note = fields.Text(
        string="Note for the Credit Manager",
        help="Explain why this order should go through (customer context, payment expected, ...).",
    )

    @api.depends("order_ids")
    def _compute_message(self):
        for wizard in self:
            wizard.message = "\n\n".join(
                reason for reason in wizard.order_ids.mapped("credit_block_reason") if reason
            )
            wizard.can_request = any(
                order.credit_check_state in ("blocked", "refused") for order in wizard.order_ids
            )

    def action_request_approval(self):
        self.ensure_one()
        orders = self.order_ids.filtered(lambda o: o.credit_check_state in ("blocked", "refused"))
        orders._credit_request_approval(note=self.note)
        return {"type": "ir.actions.act_window_close"}
