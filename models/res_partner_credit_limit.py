# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .res_partner import CREDIT_READ_GROUPS


class ResPartner(models.Model):
    """The credit limit: Odoo's own, its review and expiry dates, its history,
    and the limit that applies once every constraint is taken into account."""

    _inherit = "res.partner"

    credit_limit = fields.Float(groups=CREDIT_READ_GROUPS)
    credit_review_date = fields.Date(
        string="Limit Review Date",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="Date at which the credit limit of this customer must be reviewed.",
    )
    credit_limit_expiry = fields.Date(
        string="Limit Expiry",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="Date after which the credit limit is no longer granted.",
    )
    credit_limit_change_ids = fields.One2many(
        "credit.limit.change",
        "partner_id",
        string="Credit Limit History",
        groups="credit_management.group_credit_user",
    )

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for partner in self:
            if partner.credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The credit limit of %(partner)s cannot be negative.",
                        partner=partner.display_name,
                    )
                )

    @api.model
    def _credit_commercial_fields(self):
        return super()._credit_commercial_fields() + ["credit_review_date", "credit_limit_expiry"]

    @api.model
    def _credit_protected_fields(self):
        return super()._credit_protected_fields() | {"credit_limit", "use_partner_credit_limit"}

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        for partner, vals in zip(partners, vals_list, strict=True):
            if vals.get("credit_limit") and partner.commercial_partner_id == partner:
                partner._credit_log_limit_change(0.0, partner.credit_limit)
        return partners

    def write(self, vals):
        logged = self.browse()
        if "credit_limit" in vals:
            logged = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        before = {partner.id: partner.credit_limit for partner in logged}
        res = super().write(vals)
        for partner in logged:
            if partner.credit_limit != before[partner.id]:
                partner._credit_log_limit_change(before[partner.id], partner.credit_limit)
        return res

    def action_credit_change_limit(self):
        self.ensure_one()
        return self._credit_wizard_action("credit.limit.wizard", self.env._("Change Credit Limit"))

    def _credit_log_limit_change(self, old_limit, new_limit):
        self.ensure_one()
        reason = self.env.context.get("credit_change_reason") or ""
        self.env["credit.limit.change"].sudo().create(
            {
                "partner_id": self.id,
                "company_id": self.env.company.id,
                "old_limit": old_limit,
                "new_limit": new_limit,
                "reason": reason,
                "user_id": self.env.user.id,
            }
        )
        body = self.env._(
            "Credit limit changed from %(old)s to %(new)s (%(company)s).",
            old=self._credit_format_amount(old_limit),
            new=self._credit_format_amount(new_limit),
            company=self.env.company.name,
        )
        if reason:
            body += " " + self.env._("Reason: %(reason)s", reason=reason)
        self.sudo().message_post(body=body, author_id=self.env.user.partner_id.id)

    def _credit_effective_limits(self, company, date=None):
        """Credit limit that applies to these commercial partners in ``company``.

        Starts from the native credit limit (zero meaning "no limit"), then:
        zero once expired if the company says so; capped by the rule of the
        customer's rating ("cap"), zero for "prepayment"; capped by the
        recommended and the insured amounts if the company says so. A constant
        number of queries whatever the number of partners.

        :return: {partner_id: (limit or None when unlimited, explanation)}, the
            explanation saying why the limit is not the native one ("" if it is)
        """
        date = date or fields.Date.context_today(self)
        rules = self._credit_solvency_rules(company) if self else {}
        result = {}
        for partner in self.with_company(company).sudo():
            candidates = []  # (amount, explanation), the lowest applies
            if partner.credit_limit:
                candidates.append((partner.credit_limit, ""))
            candidates += partner._credit_limit_constraints(company, date, rules)
            if not candidates:
                result[partner.id] = (None, "")
                continue
            result[partner.id] = min(candidates, key=lambda candidate: candidate[0])
        return result

    def _credit_limit_constraints(self, company, date, rules):
        """What restricts this customer's credit besides its own limit
        (extended by the solvency and insurance concerns).

        :param rules: the company's solvency rules by rating code
        :return: list of (maximum amount, explanation)
        """
        self.ensure_one()
        constraints = []
        expiry = self.credit_limit_expiry
        if company.credit_expired_limit_zero and expiry and expiry < date:
            constraints.append(
                (0.0, self.env._("limit expired on %(date)s", date=format_date(self.env, expiry)))
            )
        return constraints

    @api.model
    def _cron_credit_limit_review(self):
        """Remind the credit managers of each company of the credit limits whose
        review date has come: one activity per customer and manager, not
        repeated while it is open."""
        today = fields.Date.context_today(self)
        activity_type = self.env.ref("credit_management.mail_activity_credit_limit_review")
        Activity = self.env["mail.activity"].sudo()
        vals_list = []
        for company in self.env["res.company"].sudo().search([("active", "=", True)]):
            users = company._credit_manager_users()
            if not users:
                continue
            partners = (
                self.sudo()
                .with_company(company)
                .search(
                    [
                        ("credit_review_date", "<=", today),
                        "|",
                        ("is_company", "=", True),
                        ("parent_id", "=", False),
                    ]
                )
            )
            if not partners:
                continue
            open_activities = Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            existing = {(activity.res_id, activity.user_id.id) for activity in open_activities}
            model_id = self.env["ir.model"]._get_id("res.partner")
            for partner in partners:
                for user in users:
                    if (partner.id, user.id) in existing:
                        continue
                    vals_list.append(
                        {
                            "res_model_id": model_id,
                            "res_id": partner.id,
                            "activity_type_id": activity_type.id,
                            "user_id": user.id,
                            "date_deadline": today,
                            "summary": self.env._(
                                "Review the credit limit of %(partner)s (%(company)s)",
                                partner=partner.name,
                                company=company.name,
                            ),
                            "note": self.env._(
                                "Review date: %(date)s. Current limit: %(limit)s.",
                                date=format_date(self.env, partner.credit_review_date),
                                limit=partner._credit_format_amount(partner.credit_limit, company),
                            ),
                        }
                    )
        return Activity.with_context(mail_activity_quick_update=True).create(vals_list)
