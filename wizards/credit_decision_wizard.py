# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditDecisionWizard(models.TransientModel):
    """Approve or refuse a credit request, with a mandatory reason."""

    _name = "credit.decision.wizard"
    _description = "Credit Decision Wizard"

    decision_id = fields.Many2one(
        "credit.decision", string="Credit Request", required=True, readonly=True
    )
    order_id = fields.Many2one(related="decision_id.order_id")
    block_reason = fields.Text(related="decision_id.block_reason")
    request_note = fields.Text(related="decision_id.request_note")
    currency_id = fields.Many2one(related="decision_id.currency_id")
    decision = fields.Selection(
        [("approve", "Approve"), ("refuse", "Refuse")], required=True, default="approve"
    )
    reason = fields.Text(required=True)
    valid_until = fields.Date(help="Leave empty for an approval without end date.")
    amount_limit = fields.Monetary(
        string="Approved Up To",
        help="Leave empty to approve the current order amount only.",
    )
    confirm_order = fields.Boolean(
        string="Confirm the Order Now",
        default=True,
        help="Confirm the sales order right after the approval.",
    )

    def action_apply(self):
        self.ensure_one()
        if self.decision == "approve":
            self.decision_id._credit_approve(
                self.reason,
                valid_until=self.valid_until,
                amount_limit=self.amount_limit,
                confirm=self.confirm_order,
            )
        else:
            self.decision_id._credit_refuse(self.reason)
        return {"type": "ir.actions.act_window_close"}
