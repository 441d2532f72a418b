# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        res = super().write(vals)
        if "credit_hold" in vals:
            # The hold is the commercial entity's (its contacts follow it in a
            # write of their own, which has nothing more to do here).
            customers = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
            if customers:
                self.env["stock.picking"]._credit_hold_changed(customers, bool(vals["credit_hold"]))
        return res
