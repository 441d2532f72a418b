# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

from odoo import Command, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CreditDunningCommunication(models.Model):
    """Charges of a sent reminder (fee, indemnities, interest) invoiced once,
    as a customer invoice of their own."""

    _inherit = "credit.dunning.communication"

    def action_invoice_charges(self):
        """Invoice the fees, indemnities and interest of sent reminders, once."""
        self.check_access("write")
        # two clicks at once: the second waits for the first and finds it invoiced
        self.env.cr.execute(
            SQL(
                "SELECT id FROM credit_dunning_communication WHERE id = ANY(%s) FOR UPDATE",
                self.ids,
            )
        )
        self.invalidate_recordset(["charges_move_id"])
        invoiced = self.filtered(
            lambda c: c.charges_move_id and c.charges_move_id.state != "cancel"
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "The charges of %(reminder)s are already invoiced (%(invoice)s).",
                    reminder=invoiced[0].name,
                    invoice=invoiced[0].charges_move_id.display_name,
                )
            )
        if any(c.state != "sent" for c in self):
            raise UserError(self.env._("Only the charges of sent reminders can be invoiced."))
        to_invoice = self.filtered(lambda c: not c.currency_id.is_zero(c.charges_amount))
        if not to_invoice:
            raise UserError(self.env._("There is no charge to invoice."))
        moves = self.env["account.move"].create(
            [communication._charges_invoice_vals() for communication in to_invoice]
        )
        for communication, move in zip(to_invoice, moves, strict=True):
            communication.sudo().charges_move_id = move
            communication.message_post(
                body=self.env._("Charges invoiced: %(invoice)s", invoice=move.display_name)
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", moves.ids)]
        if len(moves) == 1:
            action.update({"views": [(False, "form")], "res_id": moves.id})
        return action

    def _charges_invoice_vals(self):
        self.ensure_one()
        lines = []
        if self.fee_amount:
            lines.append(
                self._charges_line(
                    "credit_management.product_dunning_fee",
                    self.env._("Dunning fee (%(level)s)", level=self.level_id.name),
                    self.fee_amount,
                )
            )
        format_amount = self.env["res.currency"]._credit_amount_formatter()
        for line in self.line_ids:
            if line.indemnity:
                lines.append(
                    self._charges_line(
                        "credit_management.product_dunning_indemnity",
                        self.env._(
                            "Recovery indemnity, invoice %(invoice)s", invoice=line.move_id.name
                        ),
                        line.indemnity,
                    )
                )
            if line.interest_company:
                if line.currency_id == self.currency_id:
                    label = self.env._(
                        "Late-payment interest, invoice %(invoice)s, %(days)s days",
                        invoice=line.move_id.name,
                        days=line.days_overdue,
                    )
                else:
                    label = self.env._(
                        "Late-payment interest, invoice %(invoice)s, %(days)s days: "
                        "%(amount)s at the invoice's rate",
                        invoice=line.move_id.name,
                        days=line.days_overdue,
                        amount=format_amount(line.interest, line.currency_id),
                    )
                lines.append(
                    self._charges_line(
                        "credit_management.product_dunning_interest",
                        label,
                        line.interest_company,
                    )
                )
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_origin": self.name,
            "invoice_line_ids": lines,
        }

    def _charges_line(self, product_xmlid, label, amount):
        product = self.env.ref(product_xmlid)
        return Command.create(
            {
                "product_id": product.id,
                "name": label,
                "quantity": 1.0,
                "price_unit": amount,
                "tax_ids": [
                    Command.set(
                        product.taxes_id.filtered(lambda t: t.company_id == self.company_id).ids
                    )
                ],
            }
        )
