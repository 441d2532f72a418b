# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        res = super().unlink()
        moves.exists()._credit_dunning_deescalate()
        return res
