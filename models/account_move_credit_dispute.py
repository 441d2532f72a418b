# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_dispute_ids = fields.One2many(
        "credit.dispute",
        "move_id",
        string="Disputes",
        groups="credit_management.group_credit_user,account.group_account_invoice",
    )
    credit_dispute_count = fields.Integer(
        compute="_compute_credit_dispute_count",
        groups="credit_management.group_credit_user,account.group_account_invoice",
    )

    def _compute_credit_dispute_count(self):
        groups = self.env["credit.dispute"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]
        )
        counts = {move.id: count for move, count in groups}
        for move in self:
            move.credit_dispute_count = counts.get(move.id, 0)

    def write(self, vals):
        res = super().write(vals)
        if (
            "dunning_disputed" in vals
            and not vals["dunning_disputed"]
            and not self.env.context.get("credit_dispute_closing")
        ):
            # the collector cleared the flag on the invoice: its disputes are settled
            self._credit_close_disputes()
        return res

    def action_view_credit_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.credit_dispute_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        return action

    def _credit_close_disputes(self):
        disputes = (
            self.env["credit.dispute"]
            .sudo()
            .search([("move_id", "in", self.ids), ("state", "=", "open")])
        )
        for dispute in disputes:
            if not (dispute.resolution or "").strip():
                dispute.resolution = self.env._(
                    "Settled by %(user)s on the invoice.", user=self.env.user.name
                )
        disputes._credit_close()
