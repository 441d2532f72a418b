# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models

from .stock_picking import CHECKED_KEY


class StockMove(models.Model):
    _inherit = "stock.move"

    def write(self, vals):
        if vals.get("state") == "done":
            # a direct write of the done state is checked as a validation
            checked = self.env.cr.cache.get(CHECKED_KEY, set())
            self.picking_id.filtered(lambda p: p.id not in checked)._credit_check_hold()
        return super().write(vals)

    def _action_done(self, cancel_backorder=False):
        """Every validation of a transfer (button, backorder wizard, barcode,
        other modules, the ORM) moves its goods here: a transfer that a credit
        hold stops is refused before anything moves."""
        checked = self.env.cr.cache.setdefault(CHECKED_KEY, set())
        pickings = self.filtered(lambda m: m.state not in ("done", "cancel")).picking_id
        pickings = pickings.filtered(lambda p: p.id not in checked)
        pickings._credit_check_hold()
        checked.update(pickings.ids)
        try:
            moves = super()._action_done(cancel_backorder=cancel_backorder)
        finally:
            checked.difference_update(pickings.ids)
        # the releases that let these transfers go are used
        pickings.filtered(lambda p: p.state == "done").sudo().credit_release_id._credit_consume()
        return moves
