# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class CreditDecisionWizard(models.TransientModel):
    """Approve or refuse a credit request, with a mandatory reason."""

    _name = "credit.decision.wizard"
    _description = "Credit Decision Wizard"

    decision_id = fields.Many2one(
        "credit.decision", string="Credit Request", required=True, readonly=True
    )
    order_id = fields.Many2one(related="decision_id.order_id")
    partner_id = fields.Many2one(related="decision_id.partner_id")
    amount = fields.Monetary(related="decision_id.amount")
    exposure = fields.Monetary(related="decision_id.exposure")
    credit_limit = fields.Monetary(related="decision_id.credit_limit")
    company_currency_id = fields.Many2one(related="decision_id.company_currency_id")
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
        compute="_compute_confirm_order",
        store=True,
        readonly=False,
        help="Confirm the sales order right after the approval (with your own sales "
        "rights; without them, its salesperson is told to confirm it).",
    )

    @api.depends("decision_id")
    def _compute_confirm_order(self):
        for wizard in self:
            wizard.confirm_order = bool(
                wizard.decision_id and wizard.decision_id.order_id.has_access("write")
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
