# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.exceptions import UserError

# moves whose posting _post has checked already
POSTING_CHECKED_KEY = "credit_management.checked_move_ids"


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_reached_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Last Reminder Level",
        copy=False,
        readonly=True,
        help="Highest dunning level this invoice was reminded at.",
    )
    # A plain stored field, written (not computed) so that Automation Rules on
    # its changes behave as on any field.
    dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        readonly=True,
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="Current dunning level of the invoice; it drops at once when the "
        "invoice is paid, credited or cancelled.",
    )
    dunning_exclude = fields.Boolean(
        string="Do Not Dun", copy=False, tracking=True, help="Never remind this invoice."
    )
    dunning_disputed = fields.Boolean(string="Disputed", copy=False, tracking=True)
    dunning_dispute_reason = fields.Char(string="Dispute Reason", copy=False)
    dunning_promise_date = fields.Date(
        string="Promise to Pay",
        copy=False,
        tracking=True,
        help="The customer promised to pay by this date: no reminder until then.",
    )

    def write(self, vals):
        if vals.get("state") == "posted":
            # a direct write of the posted state goes through the same check
            checked = self.env.cr.cache.get(POSTING_CHECKED_KEY, set())
            self.filtered(lambda m: m.id not in checked)._credit_check_posting()
        return super().write(vals)

    def _post(self, soft=True):
        """Every posting path (button, Validate wizard, auto-post cron, other
        modules) comes here: check the customer's credit first."""
        to_check = self
        if soft:
            # dated in the future: only scheduled now, checked when posted
            today = fields.Date.context_today(self)
            to_check = self.filtered(lambda m: not m.date or m.date <= today)
        to_check._credit_check_posting()
        checked = self.env.cr.cache.setdefault(POSTING_CHECKED_KEY, set())
        checked.update(self.ids)
        try:
            return super()._post(soft=soft)
        finally:
            checked.difference_update(self.ids)

    def _credit_check_posting(self):
        """Refuse posting customer invoices for customers on hold or over their
        limit, when the company asks it (the one credit check of the customer,
        its exposure including the invoice as a draft).

        Invoices made of confirmed sales order lines are let through: their
        orders were credit-checked (or approved) at confirmation.
        """
        moves = self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "draft"
                and m.company_id.credit_block_invoice_posting
                and not m._credit_comes_from_orders()
            )
        )
        errors = []
        for company, company_moves in moves.sudo().grouped("company_id").items():
            check = company_moves.commercial_partner_id._credit_check_prepare(company, lock=True)
            for move in company_moves:
                errors += [
                    self.env._("%(move)s: %(reason)s", move=move.display_name, reason=reason)
                    for reason in move.commercial_partner_id._credit_refusal_reasons(check)
                ]
        if errors:
            raise UserError(
                self.env._("These invoices cannot be posted:\n%(errors)s", errors="\n".join(errors))
            )

    def _credit_comes_from_orders(self):
        self.ensure_one()
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        return bool(lines) and all(line.sale_line_ids for line in lines)

    def _dunning_sync_level(self):
        """Show the reached level on open invoices only: it drops at once when
        the invoice is paid, credited or cancelled (and comes back if reopened)."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        targets = {}
        for move in invoices:
            is_open = move.state == "posted" and move.payment_state in ("not_paid", "partial")
            level = move.dunning_reached_level_id if is_open else move.dunning_level_id.browse()
            if move.dunning_level_id != level:
                targets.setdefault(level, []).append(move.id)
        for level, move_ids in targets.items():
            self.browse(move_ids).sudo().write({"dunning_level_id": level.id})

    def _credit_dunning_deescalate(self):
        """After a payment, credit note or cancellation: update the invoices' and
        customers' dunning level and lift the dunning suspensions that have no
        reason left."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        invoices._dunning_sync_level()
        for company, moves in invoices.grouped("company_id").items():
            partners = moves.commercial_partner_id.with_company(company).sudo()
            partners._dunning_recompute_level()
            partners._dunning_lift_suspension()

    def button_cancel(self):
        res = super().button_cancel()
        self._credit_dunning_deescalate()
        return res

    def button_draft(self):
        res = super().button_draft()
        self._credit_dunning_deescalate()
        return res
