# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from .res_partner import CREDIT_READ_GROUPS


class ResPartner(models.Model):
    """The credit hold: no new credit for the customer, with a reason and an
    origin (manual, dunning suspension, insolvency), on record."""

    _inherit = "res.partner"

    credit_hold = fields.Boolean(
        string="On Credit Hold",
        company_dependent=True,
        copy=False,
        help="No new sales order can be confirmed for this customer without a "
        "credit manager's approval.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_hold_reason = fields.Char(
        string="Hold Reason", company_dependent=True, copy=False, groups=CREDIT_READ_GROUPS
    )
    credit_hold_origin = fields.Selection(
        [
            ("manual", "Manual"),
            ("dunning", "Dunning"),
            ("insolvency", "Insolvency"),
        ],
        string="Hold Origin",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
    )
    credit_hold_date = fields.Date(
        string="On Hold Since", company_dependent=True, copy=False, groups=CREDIT_READ_GROUPS
    )

    @api.model
    def _credit_commercial_fields(self):
        return super()._credit_commercial_fields() + [
            "credit_hold",
            "credit_hold_reason",
            "credit_hold_origin",
            "credit_hold_date",
        ]

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._credit_hold_defaults(vals) for vals in vals_list])

    def write(self, vals):
        logged = self.browse()
        if {"credit_hold", "credit_hold_reason"} & set(vals):
            logged = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        before = {
            partner.id: (partner.credit_hold, partner.credit_hold_reason) for partner in logged
        }
        res = super().write(self._credit_hold_defaults(vals))
        for partner in logged:
            old_hold, old_reason = before[partner.id]
            if partner.credit_hold != old_hold or (
                partner.credit_hold and partner.credit_hold_reason != old_reason
            ):
                partner._credit_log_hold_change()
        return res

    def action_credit_hold(self):
        self.ensure_one()
        return self._credit_wizard_action(
            "credit.hold.wizard", self.env._("Put on Credit Hold"), {"default_action": "hold"}
        )

    def action_credit_release(self):
        self.ensure_one()
        return self._credit_wizard_action(
            "credit.hold.wizard", self.env._("Release Credit Hold"), {"default_action": "release"}
        )

    def _credit_log_hold_change(self):
        self.ensure_one()
        if self.env.context.get("credit_hold_logged"):
            return  # the caller logs the change itself (batch processing)
        if self.credit_hold:
            body = self.env._(
                "Put on credit hold (%(company)s): %(reason)s",
                company=self.env.company.name,
                reason=self.credit_hold_reason,
            )
        else:
            body = self.env._("Credit hold released (%(company)s).", company=self.env.company.name)
            reason = self.env.context.get("credit_change_reason")
            if reason:
                body += " " + self.env._("Reason: %(reason)s", reason=reason)
        self.sudo().message_post(body=body, author_id=self.env.user.partner_id.id)

    def _credit_hold_defaults(self, vals):
        """Complete a hold (origin, date) or clear its details on release."""
        if "credit_hold" not in vals:
            return vals
        vals = dict(vals)
        if vals["credit_hold"]:
            vals.setdefault("credit_hold_origin", "manual")
            vals.setdefault("credit_hold_date", fields.Date.context_today(self))
            if not (vals.get("credit_hold_reason") or "").strip() and not any(
                self.mapped("credit_hold_reason")
            ):
                # a hold is never left without a reason on record
                vals["credit_hold_reason"] = self.env._(
                    "Put on hold by %(user)s", user=self.env.user.name
                )
        else:
            for fname in ("credit_hold_reason", "credit_hold_origin", "credit_hold_date"):
                vals.setdefault(fname, False)
        return vals

    def _credit_set_hold(self, reason, origin="manual"):
        """Put these customers on hold in the current company (API for callers)."""
        self.commercial_partner_id._credit_write_with_contacts(
            {
                "credit_hold": True,
                "credit_hold_reason": reason,
                "credit_hold_origin": origin,
                "credit_hold_date": fields.Date.context_today(self),
            }
        )

    def _credit_release_hold(self, reason=None, origin=None):
        """Release the hold of these customers; only holds of ``origin`` if given."""
        partners = self.commercial_partner_id.filtered(
            lambda p: p.credit_hold and (not origin or p.credit_hold_origin == origin)
        )
        partners.with_context(credit_change_reason=reason)._credit_write_with_contacts(
            {
                "credit_hold": False,
                "credit_hold_reason": False,
                "credit_hold_origin": False,
                "credit_hold_date": False,
            }
        )
        return partners

    def _credit_hold_message(self):
        """Why this customer gets no credit while on hold, in words."""
        self.ensure_one()
        return self.env._(
            "%(partner)s is on credit hold: %(reason)s",
            partner=self.name,
            reason=self.credit_hold_reason or "",
        )
