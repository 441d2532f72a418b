# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.exceptions import UserError


class CreditHoldWizard(models.TransientModel):
    """Put a customer on credit hold, or release it, with a reason."""

    _name = "credit.hold.wizard"
    _description = "Credit Hold Wizard"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    action = fields.Selection(
        [("hold", "Put on Hold"), ("release", "Release")], required=True, default="hold"
    )
    reason = fields.Char(required=True)

    def action_apply(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason."))
        # Credit managers may lack the general right to edit contacts: the
        # wizard is theirs only (access rights), and the trace names them.
        partner = self.partner_id.commercial_partner_id.sudo()
        if self.action == "hold":
            partner._credit_set_hold(reason, origin="manual")
        else:
            if not partner.credit_hold:
                raise UserError(
                    self.env._("%(partner)s is not on credit hold.", partner=partner.name)
                )
            partner._credit_release_hold(reason=reason)
        return {"type": "ir.actions.act_window_close"}
