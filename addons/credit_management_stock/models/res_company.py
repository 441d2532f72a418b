# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_hold_deliveries = fields.Boolean(
        string="Hold Deliveries of Customers on Credit Hold",
        default=True,
        help="A delivery to a customer on credit hold, and the pick and pack steps before "
        "it, cannot be validated until the hold is lifted or a credit manager releases "
        "the transfer. Receipts and the customer's returns are never held.",
    )

    def write(self, vals):
        toggled = self.browse()
        if "credit_hold_deliveries" in vals:
            toggled = self.filtered(
                lambda c: c.credit_hold_deliveries != bool(vals["credit_hold_deliveries"])
            )
        res = super().write(vals)
        toggled._credit_sync_delivery_holds()
        return res

    def _credit_sync_delivery_holds(self):
        """Flag the open transfers of the customers on hold in these companies
        (none when a company does not hold deliveries) and unflag the others:
        a search and at most two writes per company."""
        Picking = self.env["stock.picking"].sudo()
        for company in self:
            pickings = Picking.with_company(company)
            flagged = pickings.search([("company_id", "=", company.id), ("credit_held", "=", True)])
            held = pickings.browse()
            if company.credit_hold_deliveries:
                held = pickings.search(
                    pickings._credit_open_domain(company)
                    + pickings._credit_customer_domain([("credit_hold", "=", True)])
                    + [("credit_release_id", "=", False)]
                )
            (held - flagged).write({"credit_held": True})
            (flagged - held).write({"credit_held": False})
