# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditPickingReleaseWizard(models.TransientModel):
    """Release one transfer held by its customer's credit hold, with a reason."""

    _name = "credit.picking.release.wizard"
    _description = "Release a Transfer from a Credit Hold"

    picking_id = fields.Many2one("stock.picking", string="Transfer", required=True, readonly=True)
    partner_id = fields.Many2one(related="picking_id.partner_id", string="Customer")
    hold_message = fields.Text(related="picking_id.credit_hold_message", string="Held Because")
    reason = fields.Char(required=True)

    def action_apply(self):
        self.ensure_one()
        self.picking_id._credit_release(self.reason)
        return {"type": "ir.actions.act_window_close"}
