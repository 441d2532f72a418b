# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date, formatLang, split_every

_logger = logging.getLogger(__name__)

CREDIT_READ_GROUPS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "sales_team.group_sale_salesman,credit_management.group_credit_user"
)
EXPOSURE_KEYS = ("receivable", "overdue", "draft", "orders")
# Solvency fields a credit manager may edit by hand, with the check key they map to.
SOLVENCY_MANUAL_FIELDS = {
    "solvency_rating": "rating",
    "solvency_score": "score",
    "solvency_company_status": "company_status",
    "solvency_recommended_limit": "recommended_limit",
    "credit_insured_limit": "insured_limit",
    "credit_insured_expiry": "insured_expiry",
    "credit_insurer": "insurer",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Odoo's native, company-dependent limit: salespeople and credit
    # controllers may read it too (writing it is reserved to credit managers).
    credit_limit = fields.Float(groups=CREDIT_READ_GROUPS)
    credit_hold = fields.Boolean(
        string="On Credit Hold",
        company_dependent=True,
        copy=False,
        help="No new sales order can be confirmed for this customer without a "
        "credit manager's approval.",
    )
    credit_hold_reason = fields.Char(string="Hold Reason", company_dependent=True, copy=False)
    credit_hold_origin = fields.Selection(
        [
            ("manual", "Manual"),
            ("dunning", "Dunning"),
            ("insolvency", "Insolvency"),
        ],
        string="Hold Origin",
        company_dependent=True,
        copy=False,
    )
    credit_hold_date = fields.Date(string="On Hold Since", company_dependent=True, copy=False)
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
    credit_currency_id = fields.Many2one("res.currency", compute="_compute_credit_currency_id")
    credit_exposure_receivable = fields.Monetary(
        string="Unpaid Invoices",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Residual amount of posted receivables (invoices, credit notes and "
        "unreconciled payments).",
    )
    credit_exposure_draft = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
    )
    credit_exposure_orders = fields.Monetary(
        string="Uninvoiced Orders",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Confirmed sales orders not invoiced yet (neither in draft nor "
        "posted invoices), taxes included.",
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Unpaid invoices + draft invoices + uninvoiced confirmed orders, in company currency.",
    )
    credit_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Credit limit minus exposure; zero when the customer has no limit.",
    )
    credit_over_limit = fields.Boolean(
        string="Over Credit Limit",
        compute="_compute_credit_exposure",
        search="_search_credit_over_limit",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_effective = fields.Monetary(
        string="Limit Applied",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
        help="Credit limit used at order confirmation, once the expiry, the solvency "
        "rules and the recommended and insured amounts are taken into account.",
    )
    credit_limit_explanation = fields.Char(
        string="Why This Limit",
        compute="_compute_credit_exposure",
        groups=CREDIT_READ_GROUPS,
    )
    credit_insurance_exceeded = fields.Boolean(
        string="Insured Amount Exceeded",
        compute="_compute_credit_exposure",
        groups=CREDIT_READ_GROUPS,
        help="The exposure is above the amount covered by the credit insurer.",
    )
    credit_solvency_warning = fields.Text(
        string="Solvency Warning",
        compute="_compute_credit_exposure",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_change_ids = fields.One2many(
        "credit.limit.change",
        "partner_id",
        string="Credit Limit History",
        groups="credit_management.group_credit_user",
    )
    credit_decision_count = fields.Integer(
        compute="_compute_credit_decision_count", groups=CREDIT_READ_GROUPS
    )
    credit_can_manage = fields.Boolean(compute="_compute_credit_can_manage")
    dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="Highest dunning level of the customer's open invoices.",
    )
    dunning_exclude = fields.Boolean(
        string="Do Not Dun", copy=False, help="Never send reminders to this customer."
    )
    dunning_handover = fields.Boolean(
        string="Handed Over to Collection",
        company_dependent=True,
        copy=False,
        help="The case is with a collection agency or in legal action: no more reminders.",
    )
    solvency_rating = fields.Selection(
        selection="_selection_solvency_rating",
        copy=False,
        tracking=True,
        help="Latest solvency grade of the customer (see Configuration > Solvency Ratings).",
    )
    solvency_score = fields.Integer(copy=False, help="Latest solvency score, from 0 to 100.")
    solvency_date = fields.Date(copy=False, help="Date of the latest solvency check.")
    solvency_source = fields.Char(copy=False, help="Where the latest rating comes from.")
    solvency_company_status = fields.Selection(
        [("active", "Active"), ("ceased", "Ceased")],
        string="Registry Status",
        copy=False,
        help="Administrative status in the company registry.",
    )
    solvency_recommended_limit = fields.Float(
        string="Recommended Limit",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="Credit limit recommended by the latest rating, in company currency.",
    )
    credit_insured_limit = fields.Float(
        string="Insured Amount",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="Amount covered by the credit insurer, in company currency.",
    )
    credit_insurer = fields.Char(company_dependent=True, copy=False)
    credit_insurance_policy = fields.Char(
        string="Insurance Policy", company_dependent=True, copy=False
    )
    credit_insured_expiry = fields.Date(
        string="Insurance Expiry", company_dependent=True, copy=False
    )
    solvency_check_ids = fields.One2many(
        "credit.solvency.check",
        "partner_id",
        string="Solvency Checks",
        groups="credit_management.group_credit_user",
    )
    solvency_check_count = fields.Integer(
        compute="_compute_solvency_check_count", groups="credit_management.group_credit_user"
    )
    dunning_communication_ids = fields.One2many(
        "credit.dunning.communication",
        "partner_id",
        string="Reminders",
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

    @api.depends_context("company")
    def _compute_credit_currency_id(self):
        self.credit_currency_id = self.env.company.currency_id

    @api.depends(
        "credit_limit",
        "commercial_partner_id.credit_limit",
        "commercial_partner_id.credit_limit_expiry",
        "commercial_partner_id.solvency_rating",
        "commercial_partner_id.solvency_recommended_limit",
        "commercial_partner_id.credit_insured_limit",
        "commercial_partner_id.credit_insured_expiry",
    )
    @api.depends_context("company")
    def _compute_credit_exposure(self):
        company = self.env.company
        commercial = self.commercial_partner_id.filtered("id")
        data = commercial._credit_exposure_data(company)
        limits = commercial._credit_effective_limits(company)
        exposures = {
            partner_id: values["receivable"] + values["draft"] + values["orders"]
            for partner_id, values in data.items()
        }
        warnings = commercial._credit_solvency_warnings(company, exposures)
        for partner in self:
            entity = partner.commercial_partner_id
            values = data.get(entity.id, dict.fromkeys(EXPOSURE_KEYS, 0.0))
            exposure = values["receivable"] + values["draft"] + values["orders"]
            limit, explanation = limits.get(entity.id, (entity.credit_limit or None, ""))
            partner.credit_exposure_receivable = values["receivable"]
            partner.credit_exposure_draft = values["draft"]
            partner.credit_exposure_orders = values["orders"]
            partner.credit_overdue = values["overdue"]
            partner.credit_exposure = exposure
            partner.credit_limit_effective = limit or 0.0
            partner.credit_limit_explanation = explanation
            partner.credit_available = limit - exposure if limit is not None else 0.0
            partner.credit_over_limit = bool(
                limit is not None and company.currency_id.compare_amounts(exposure, limit) > 0
            )
            partner.credit_insurance_exceeded = bool(
                entity._credit_insurance_excess(company, exposure)
            )
            partner.credit_solvency_warning = "\n".join(warnings.get(entity.id, []))

    def _compute_credit_decision_count(self):
        groups = self.env["credit.decision"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)],
            ["partner_id"],
            ["__count"],
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.credit_decision_count = counts.get(partner.commercial_partner_id.id, 0)

    def _compute_solvency_check_count(self):
        groups = self.env["credit.solvency.check"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.solvency_check_count = counts.get(partner.commercial_partner_id.id, 0)

    def _compute_credit_can_manage(self):
        self.credit_can_manage = self.env.user.has_group("credit_management.group_credit_manager")

    def _search_credit_over_limit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Over Credit Limit'."))
        candidates = (
            self.sudo()
            .with_context(active_test=False)
            .search([("credit_limit", ">", 0)])
            .commercial_partner_id
        )
        data = candidates._credit_exposure_data(self.env.company)
        currency = self.env.company.currency_id
        over_ids = [
            partner.id
            for partner in candidates
            if currency.compare_amounts(
                sum(
                    data.get(partner.id, {}).get(key, 0.0)
                    for key in ("receivable", "draft", "orders")
                ),
                partner.credit_limit,
            )
            > 0
        ]
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", over_ids)]

    @api.model
    def _selection_solvency_rating(self):
        return list(self.env["credit.solvency.rating"]._selection_codes())

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + self._credit_commercial_fields()

    @api.model
    def _credit_commercial_fields(self):
        return [
            "dunning_exclude",
            "credit_hold",
            "credit_hold_reason",
            "credit_hold_origin",
            "credit_hold_date",
            "credit_review_date",
            "credit_limit_expiry",
            "solvency_rating",
            "solvency_score",
            "solvency_date",
            "solvency_source",
            "solvency_company_status",
            "solvency_recommended_limit",
            "credit_insured_limit",
            "credit_insurer",
            "credit_insurance_policy",
            "credit_insured_expiry",
        ]

    @api.model
    def _credit_protected_fields(self):
        """Fields only a credit manager may change."""
        return {"credit_limit", "use_partner_credit_limit"} | set(self._credit_commercial_fields())

    def _children_sync(self, values):
        if self.env.context.get("credit_no_children_sync"):
            # the caller wrote the contacts too (_credit_write_with_contacts), or
            # wrote fields that contacts do not share (the dunning hand-over)
            return
        return super()._children_sync(values)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._credit_check_manage_access(vals)
        vals_list = [self._credit_hold_defaults(vals) for vals in vals_list]
        partners = super().create(vals_list)
        for partner, vals in zip(partners, vals_list, strict=True):
            if vals.get("credit_limit") and partner.commercial_partner_id == partner:
                partner._credit_log_limit_change(0.0, partner.credit_limit)
        return partners

    def write(self, vals):
        self._credit_check_manage_access(vals)
        logged = self.browse()
        if {"credit_limit", "credit_hold", "credit_hold_reason"} & set(vals):
            logged = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        before = {
            partner.id: (partner.credit_limit, partner.credit_hold, partner.credit_hold_reason)
            for partner in logged
        }
        res = super().write(self._credit_hold_defaults(vals))
        for partner in logged:
            old_limit, old_hold, old_reason = before[partner.id]
            if partner.credit_limit != old_limit:
                partner._credit_log_limit_change(old_limit, partner.credit_limit)
            if partner.credit_hold != old_hold or (
                partner.credit_hold and partner.credit_hold_reason != old_reason
            ):
                partner._credit_log_hold_change()
        if set(SOLVENCY_MANUAL_FIELDS) & set(vals) and not self.env.context.get(
            "credit_solvency_checked"
        ):
            self._solvency_record_manual_change(vals)
        return res

    def action_credit_change_limit(self):
        self.ensure_one()
        return self._credit_wizard_action("credit.limit.wizard", self.env._("Change Credit Limit"))

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

    def action_credit_promise(self):
        self.ensure_one()
        return self._credit_wizard_action("credit.promise.wizard", self.env._("Promise to Pay"))

    def action_view_credit_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.credit_decision_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_filter_requested": 0}
        return action

    def action_view_solvency_checks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.credit_solvency_check_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_solvency_check(self):
        """Check the solvency of these customers with the company's providers (a
        credit manager's explicit request, never part of an order confirmation).

        A few customers are checked at once, within a short time budget; more of
        them, and those the budget leaves out, are queued for the periodic
        review, which checks them in the background and tells the user."""
        if not self.env.user.has_group("credit_management.group_credit_manager"):
            raise AccessError(self.env._("Only credit managers can run solvency checks."))
        Provider = self.env["credit.solvency.provider"]
        Request = self.env["credit.solvency.request"]
        partners = self.commercial_partner_id
        has_providers = Provider.sudo().search_count(
            [("company_id", "=", self.env.company.id), ("active", "=", True)], limit=1
        )
        if has_providers and len(partners) > Provider._solvency_interactive_max():
            Request._solvency_queue(partners)
            return self._solvency_check_notification(
                self.env._(
                    "The solvency of %(count)s customers will be checked in the background; "
                    "you will be notified when it is done.",
                    count=len(partners),
                ),
                "info",
            )
        run = {"deadline": Provider._solvency_clock() + Provider._solvency_interactive_budget()}
        checks = Provider._solvency_check_partners(partners, trigger="user", run=run)
        queued = partners.browse(sorted(run.get("skipped", ())))
        if queued:
            Request._solvency_queue(queued)
        done = checks.filtered(lambda check: check.state == "done")
        failed = checks - done
        parts = []
        if done:
            parts.append(
                self.env._(
                    "Checked: %(checks)s.",
                    checks=", ".join(f"{c.partner_id.name} ({c.source})" for c in done),
                )
            )
        if failed:
            parts.append(
                self.env._(
                    "Failed: %(checks)s.",
                    checks="; ".join(
                        f"{c.partner_id.name}: {(c.error or '').rstrip('.')}" for c in failed
                    ),
                )
            )
        if queued:
            parts.append(
                self.env._(
                    "Out of time, still to be checked in the background: %(partners)s.",
                    partners=", ".join(queued.mapped("name")),
                )
            )
        if not checks and not queued:
            parts.append(
                self.env._(
                    "No active solvency provider in %(company)s.", company=self.env.company.name
                )
            )
        if not done and not queued:
            kind = "danger"
        else:
            kind = "warning" if failed or queued else "success"
        return self._solvency_check_notification(" ".join(parts), kind)

    def _solvency_check_notification(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Solvency Check"),
                "message": message,
                "type": kind,
                "sticky": kind in ("warning", "danger"),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _credit_wizard_action(self, model, name, context=None):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id, **(context or {})},
        }

    def _credit_check_manage_access(self, vals):
        """Only credit managers change limits and holds.

        Contacts may receive the values of their commercial entity (Odoo's
        commercial-field synchronisation), whoever triggers it.
        """
        protected = self._credit_protected_fields() & set(vals)
        if (
            not protected
            or self.env.su
            or self.env.user.has_group("credit_management.group_credit_manager")
        ):
            return
        if not self:  # create
            parent = self.browse(vals.get("parent_id")).commercial_partner_id
            if not any(vals[fname] for fname in protected) or self._credit_same_values(
                parent, vals, protected
            ):
                return
            self._credit_raise_manage_access(vals.get("name") or "")
        for partner in self:
            entity = partner.commercial_partner_id
            if entity == partner or not self._credit_same_values(entity, vals, protected):
                self._credit_raise_manage_access(partner.display_name)

    def _credit_raise_manage_access(self, name):
        raise AccessError(
            self.env._(
                "Only credit managers can change credit limits and credit holds (%(partner)s).",
                partner=name,
            )
        )

    @api.model
    def _credit_same_values(self, entity, vals, fnames):
        if not entity:
            return False
        for fname in fnames:
            field = self._fields[fname]
            new = field.convert_to_record(field.convert_to_cache(vals[fname], entity), entity)
            if new != entity[fname] and (new or entity[fname]):
                return False
        return True

    def _credit_format_amount(self, amount, company=None):
        company = company or self.env.company
        return formatLang(self.env, amount, currency_obj=company.currency_id)

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

    def _credit_write_with_contacts(self, vals):
        """Write credit fields on these customers (commercial entities) and on
        their contacts in one write, instead of Odoo's sync customer by
        customer (a dunning run suspends hundreds of customers at once)."""
        if not self:
            return
        synced = self.with_context(credit_no_children_sync=True)
        synced.write(vals)
        # as Odoo's sync: the contacts follow their customer whoever changed it
        synced.sudo().search(
            [("commercial_partner_id", "in", self.ids), ("id", "not in", self.ids)]
        ).write(vals)

    def _solvency_record_check(
        self, values, source, trigger="user", provider=None, payload=None, company=None
    ):
        """Keep a solvency check of these customers on record and apply what it found.

        ``values`` may hold: state ("done"/"failed"), error, rating (a rating
        code), score, recommended_limit, insured_limit, insured_expiry, insurer,
        company_status ("active"/"ceased"), proceeding, proceeding_date, summary.
        Keys absent or None leave the customer's current value alone. A failed
        check changes nothing but the history. Limits are in the currency of
        ``company`` (default: the current company), for which they are set.

        :return: the ``credit.solvency.check`` records created
        """
        company = company or self.env.company
        partners = self.commercial_partner_id
        values = dict(values)
        values.setdefault("state", "done")
        checks = (
            self.env["credit.solvency.check"]
            .sudo()
            .create(
                [
                    {
                        **values,
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "source": source,
                        "trigger": trigger,
                        "provider_id": provider.id if provider else False,
                        "payload": payload,
                        "user_id": self.env.user.id,
                    }
                    for partner in partners
                ]
            )
        )
        if values["state"] != "done":
            return checks
        partners = partners.with_company(company).sudo()
        partners.with_context(credit_solvency_checked=True).write(
            self._solvency_partner_vals(values, source)
        )
        partners._solvency_apply_rules(values)
        return checks

    @api.model
    def _solvency_partner_vals(self, values, source):
        vals = {"solvency_date": fields.Date.context_today(self), "solvency_source": source}
        mapping = {
            "rating": "solvency_rating",
            "score": "solvency_score",
            "company_status": "solvency_company_status",
            "recommended_limit": "solvency_recommended_limit",
            "insured_limit": "credit_insured_limit",
            "insured_expiry": "credit_insured_expiry",
            "insurer": "credit_insurer",
        }
        for key, fname in mapping.items():
            if values.get(key) is not None:
                vals[fname] = values[key]
        return vals

    def _solvency_apply_rules(self, values=None):
        """Put on hold the customers whose rating, proceeding or registry status
        calls for it, in every company whose rules say so, and tell the credit
        managers and salespeople at once."""
        values = values or {}
        for partner in self.commercial_partner_id:
            reason = partner._solvency_hold_reason(values)
            if not reason:
                continue
            for company in partner._solvency_hold_companies():
                held = partner.with_company(company).sudo()
                if held.credit_hold and held.credit_hold_origin == "insolvency":
                    continue
                held._credit_set_hold(reason, origin="insolvency")
                held._solvency_notify_hold(company, reason)

    def _solvency_hold_reason(self, values):
        """Why this customer must go on hold (a message), or False."""
        self.ensure_one()
        rating = self.env["credit.solvency.rating"]._get_by_code(self.solvency_rating)
        if values.get("proceeding") or rating.is_insolvent:
            return self.env._(
                "Insolvency: %(proceeding)s",
                proceeding=values.get("proceeding") or rating.name,
            )
        if self.solvency_company_status == "ceased":
            return self.env._("Company ceased in the company registry")
        if rating:
            # on hold only where a rule says so (see _solvency_hold_companies)
            return self.env._("Solvency rating %(rating)s", rating=rating.name)
        return False

    def _solvency_hold_companies(self):
        """Companies where this customer's situation means a hold: all of them for an
        insolvency or a ceased company, else those whose rule for its rating says so."""
        self.ensure_one()
        rating = self.env["credit.solvency.rating"]._get_by_code(self.solvency_rating)
        if rating.is_insolvent or self.solvency_company_status == "ceased":
            return self.env["res.company"].sudo().search([("active", "=", True)])
        rules = (
            self.env["credit.solvency.rule"]
            .sudo()
            .search([("rating_id", "=", rating.id), ("credit_effect", "=", "hold")])
        )
        return rules.company_id

    def _solvency_notify_hold(self, company, reason):
        self.ensure_one()
        users = company._credit_manager_users() | self.user_id
        self.message_post(
            body=self.env._(
                "%(partner)s is on credit hold in %(company)s: %(reason)s. No new order "
                "can be confirmed without a credit manager's approval.",
                partner=self.name,
                company=company.name,
                reason=reason,
            ),
            partner_ids=users.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )

    def _solvency_record_manual_change(self, vals):
        """A credit manager changed the rating (or the insured amounts) by hand:
        keep it on record as a manual check and apply the rules."""
        values = {
            key: vals[fname] for fname, key in SOLVENCY_MANUAL_FIELDS.items() if fname in vals
        }
        entities = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        if entities:
            entities._solvency_record_check(values, self.env._("Manual"), trigger="user")

    @api.model
    def _credit_solvency_rules(self, company):
        """{rating code: rule} of ``company`` (one query)."""
        rules = self.env["credit.solvency.rule"].sudo().search([("company_id", "=", company.id)])
        return {rule.rating_id.code: rule for rule in rules}

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
        """What restricts this customer's credit besides its own limit.

        :return: list of (maximum amount, explanation)
        """
        self.ensure_one()
        fmt = self._credit_format_amount
        constraints = []
        expiry = self.credit_limit_expiry
        if company.credit_expired_limit_zero and expiry and expiry < date:
            constraints.append(
                (0.0, self.env._("limit expired on %(date)s", date=format_date(self.env, expiry)))
            )
        rule = rules.get(self.solvency_rating) if self.solvency_rating else None
        if rule and rule.credit_effect == "cap":
            constraints.append(
                (
                    rule.max_limit,
                    self.env._(
                        "rating %(rating)s: limit capped at %(amount)s",
                        rating=rule.rating_id.name,
                        amount=fmt(rule.max_limit, company),
                    ),
                )
            )
        elif rule and rule.credit_effect == "prepayment":
            constraints.append(
                (0.0, self.env._("rating %(rating)s: prepayment only", rating=rule.rating_id.name))
            )
        recommended = self.solvency_recommended_limit
        if company.solvency_cap_recommended and recommended > 0:
            constraints.append(
                (
                    recommended,
                    self.env._(
                        "limit capped at the recommended limit of %(amount)s",
                        amount=fmt(recommended, company),
                    ),
                )
            )
        insured = self.credit_insured_limit
        if company.solvency_cap_insured and insured > 0:
            insured_expiry = self.credit_insured_expiry
            if insured_expiry and insured_expiry < date:
                constraints.append(
                    (
                        0.0,
                        self.env._(
                            "credit insurance expired on %(date)s",
                            date=format_date(self.env, insured_expiry),
                        ),
                    )
                )
            else:
                constraints.append(
                    (
                        insured,
                        self.env._(
                            "limit capped at the insured amount of %(amount)s",
                            amount=fmt(insured, company),
                        ),
                    )
                )
        return constraints

    def _credit_insurance_excess(self, company, exposure, date=None):
        """Part of ``exposure`` not covered by the credit insurer (0.0 when the
        customer is not insured)."""
        self.ensure_one()
        partner = self.with_company(company)
        insured = partner.credit_insured_limit
        if not partner.id or insured <= 0:
            return 0.0
        date = date or fields.Date.context_today(self)
        if partner.credit_insured_expiry and partner.credit_insured_expiry < date:
            insured = 0.0
        excess = company.currency_id.round(exposure - insured)
        return excess if excess > 0 else 0.0

    def _credit_solvency_warnings(self, company, exposures, date=None, rules=None):
        """Non-blocking warnings of these commercial partners in ``company``: a
        rating whose rule says "warn", an exposure above the insured amount.

        :param exposures: {partner_id: exposure (the order at hand included)}
        :param rules: the company's rules by rating code, when already read
        :return: {partner_id: [message, ...]}
        """
        date = date or fields.Date.context_today(self)
        if rules is None:
            rules = self._credit_solvency_rules(company) if self else {}
        result = {}
        for partner in self.with_company(company).sudo():
            messages = []
            rule = rules.get(partner.solvency_rating) if partner.solvency_rating else None
            if rule and rule.credit_effect == "warn":
                message = self.env._(
                    "%(partner)s is rated %(rating)s.",
                    partner=partner.name,
                    rating=rule.rating_id.name,
                )
                if rule.note:
                    message += " " + rule.note
                messages.append(message)
            exposure = exposures.get(partner.id, 0.0)
            excess = partner._credit_insurance_excess(company, exposure, date)
            if excess:
                insured_expiry = partner.credit_insured_expiry
                if insured_expiry and insured_expiry < date:
                    messages.append(
                        self.env._(
                            "The credit insurance of %(partner)s expired on %(date)s: "
                            "its exposure of %(exposure)s is not covered.",
                            partner=partner.name,
                            date=format_date(self.env, insured_expiry),
                            exposure=partner._credit_format_amount(exposure, company),
                        )
                    )
                else:
                    messages.append(
                        self.env._(
                            "The exposure of %(partner)s (%(exposure)s) exceeds its insured "
                            "amount of %(insured)s by %(excess)s.",
                            partner=partner.name,
                            exposure=partner._credit_format_amount(exposure, company),
                            insured=partner._credit_format_amount(
                                partner.credit_insured_limit, company
                            ),
                            excess=partner._credit_format_amount(excess, company),
                        )
                    )
            if messages:
                result[partner.id] = messages
        return result

    @api.model
    def _cron_solvency_review(self, batch_size=50):
        """Check the customers queued by credit managers (``credit.solvency.request``,
        as the user who asked, who is told when done), then re-check the
        customers whose solvency is unknown or too old, in every company that
        has solvency providers; customers with an open exposure first.

        Batches are committed: a run stopped half-way resumes with the customers
        not checked yet. A provider that stops answering is paused for the rest
        of the run (circuit breaker, see ``credit.solvency.provider``); when all
        the providers of a company are paused, its review stops there and the
        next run takes it up again."""
        Provider = self.env["credit.solvency.provider"].sudo()
        if not hasattr(Provider, "_solvency_check_partners"):
            _logger.warning("Solvency review: no provider implementation installed.")
            return
        Request = self.env["credit.solvency.request"].sudo()
        companies = [company for [company] in Provider._read_group([], ["company_id"])]
        plans = []
        for company in companies:
            steps = Request._solvency_requested(company)
            queued = {partner_id for __, partner_ids in steps for partner_id in partner_ids}
            candidates = [
                partner_id
                for partner_id in self.sudo()._solvency_review_candidates(company)
                if partner_id not in queued
            ]
            if candidates:
                steps.append((None, candidates))
            if steps:
                plans.append((company, steps))
        total = sum(len(ids) for __, steps in plans for __, ids in steps)
        done = 0
        run = {}  # shared by the companies: a public source answers once per customer
        for company, steps in plans:
            run.pop("stopped", None)
            for user, partner_ids in steps:
                # a requested check is the user's: recorded as theirs
                providers = Provider.with_user(user).sudo() if user else Provider
                providers = providers.with_company(company)
                checks = self.env["credit.solvency.check"]
                for batch in split_every(batch_size, partner_ids):
                    partners = self.with_env(providers.env).browse(batch)
                    # the providers record their failures as failed checks
                    checks |= providers._solvency_check_partners(
                        partners, trigger="user" if user else "cron", run=run
                    )
                    if user:
                        Request._solvency_done(
                            company, partners - partners.browse(run.get("skipped", ()))
                        )
                    done += len(batch)
                    self.env["ir.cron"]._notify_progress(done=done, remaining=total - done)
                    if not modules.module.current_test:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                    if run.get("stopped"):
                        break
                if user and checks:
                    Request._solvency_notify(user, checks)
                if run.get("stopped"):
                    _logger.warning(
                        "Solvency review of %s stopped: no provider answers; "
                        "the next run takes it up again.",
                        company.name,
                    )
                    # not "partially done": the cron would call them again at once
                    self.env["ir.cron"]._notify_progress(done=done, remaining=0)
                    break
        _logger.info("Solvency review: %s customers checked", done)

    @api.model
    def _solvency_review_candidates(self, company, date=None):
        """Ids of the customers of ``company`` (commercial entities with posted
        invoices or sales orders there) whose solvency is unknown or older than
        the company's review period, the largest open exposure first and the
        customers with a credit-blocked quotation before all. One query."""
        date = date or fields.Date.context_today(self)
        limit_date = date - timedelta(days=company.solvency_review_days or 0)
        for model, fnames in (
            ("account.move", ["state", "move_type", "commercial_partner_id", "company_id"]),
            ("sale.order", ["state", "company_id", "partner_id", "credit_check_state"]),
            (
                "account.move.line",
                ["amount_residual", "reconciled", "parent_state", "partner_id", "company_id"],
            ),
            ("res.partner", ["commercial_partner_id", "solvency_date", "active"]),
        ):
            self.env[model].flush_model(fnames)
        self.env.cr.execute(
            SQL(
                """
                WITH customers AS (
                    SELECT move.commercial_partner_id AS partner_id, FALSE AS blocked
                      FROM account_move move
                     WHERE move.company_id = %(company)s
                       AND move.state = 'posted'
                       AND move.move_type IN ('out_invoice', 'out_refund')
                     UNION
                    SELECT p.commercial_partner_id,
                           so.state IN ('draft', 'sent') AND so.credit_check_state IS NOT NULL
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s
                       AND so.state != 'cancel'
                ),
                exposure AS (
                    SELECT p.commercial_partner_id AS partner_id,
                           SUM(aml.amount_residual) AS amount
                      FROM account_move_line aml
                      JOIN account_account account ON account.id = aml.account_id
                      JOIN res_partner p ON p.id = aml.partner_id
                     WHERE aml.company_id = %(company)s
                       AND aml.parent_state = 'posted'
                       AND account.account_type = 'asset_receivable'
                       AND NOT aml.reconciled
                  GROUP BY p.commercial_partner_id
                )
                SELECT customers.partner_id
                  FROM customers
                  JOIN res_partner partner ON partner.id = customers.partner_id
             LEFT JOIN exposure ON exposure.partner_id = customers.partner_id
                 WHERE partner.active
                   AND (partner.solvency_date IS NULL OR partner.solvency_date < %(limit_date)s)
              GROUP BY customers.partner_id, exposure.amount
              ORDER BY BOOL_OR(customers.blocked) DESC,
                       COALESCE(exposure.amount, 0) DESC,
                       customers.partner_id
                """,
                company=company.id,
                limit_date=limit_date,
            )
        )
        return [partner_id for [partner_id] in self.env.cr.fetchall()]

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

    def _dunning_recompute_level(self):
        """Store on each customer the highest level of its open invoices.

        One statement for all the customers: the field is a read-only summary
        of the invoices' levels (company-dependent), written directly so that
        a run does not sync each customer's contacts for it.
        """
        company = self.env.company
        self.env["account.move"].flush_model(["dunning_level_id", "commercial_partner_id"])
        self.flush_recordset(["dunning_level_id"])
        self.env.cr.execute(
            SQL(
                """
                WITH highest AS (
                    SELECT DISTINCT ON (move.commercial_partner_id)
                           move.commercial_partner_id AS partner_id, level.id AS level_id
                      FROM account_move move
                      JOIN credit_dunning_level level ON level.id = move.dunning_level_id
                     WHERE move.commercial_partner_id = ANY(%(partners)s)
                       AND move.company_id = %(company)s
                  ORDER BY move.commercial_partner_id, level.days_overdue DESC, level.id
                ), target AS (
                    SELECT partner.id, highest.level_id
                      FROM unnest(%(partners)s::int[]) AS partner(id)
                 LEFT JOIN highest ON highest.partner_id = partner.id
                )
                UPDATE res_partner
                   SET dunning_level_id = COALESCE(res_partner.dunning_level_id, '{}'::jsonb)
                       || jsonb_build_object(%(key)s, target.level_id)
                  FROM target
                 WHERE res_partner.id = target.id
                   AND (res_partner.dunning_level_id ->> %(key)s)::int
                       IS DISTINCT FROM target.level_id
                """,
                partners=self.ids,
                company=company.id,
                key=str(company.id),
            )
        )
        self.invalidate_recordset(["dunning_level_id"])

    def _dunning_lift_suspension(self):
        """Lift dunning holds of customers whose overdue balance is cleared."""
        held = self.filtered(lambda p: p.credit_hold and p.credit_hold_origin == "dunning")
        if not held:
            return self.browse()
        data = held._credit_exposure_data(self.env.company)
        cleared = held.filtered(lambda p: data.get(p.id, {}).get("overdue", 0.0) <= 0.0)
        reason = self.env._("Overdue invoices paid")
        cleared._credit_release_hold(reason=reason, origin="dunning")
        template = self.env.company.dunning_lift_mail_template_id
        if template and cleared:
            # the customer hears that it may order again
            cleared.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        for partner in cleared.filtered("user_id"):
            partner.message_post(
                body=self.env._(
                    "The dunning suspension of %(partner)s is lifted: its overdue "
                    "invoices are paid.",
                    partner=partner.name,
                ),
                partner_ids=partner.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
        return cleared

    def _credit_exposure_data(self, company, date=None):
        """Exposure components of these commercial partners, in company currency.

        One grouped query (plus one for currency rates when foreign-currency
        orders exist), whatever the number of partners, invoices or orders.

        :return: {commercial_partner_id: {receivable, overdue, draft, orders}}
        """
        result = {}
        if not self.ids:
            return result
        date = date or fields.Date.context_today(self)
        self._credit_flush_exposure_models()
        self.env.cr.execute(self._credit_exposure_query(company, date))
        foreign = []
        for partner_id, kind, currency_id, amount, overdue in self.env.cr.fetchall():
            values = result.setdefault(partner_id, dict.fromkeys(EXPOSURE_KEYS, 0.0))
            if kind == "orders" and currency_id != company.currency_id.id:
                foreign.append((partner_id, currency_id, amount or 0.0))
                continue
            values[kind] += amount or 0.0
            values["overdue"] += overdue or 0.0
        if foreign:
            currencies = self.env["res.currency"].browse({c for __, c, __ in foreign})
            converted = currencies._credit_to_company_currency(
                [(currency, amount) for __, currency, amount in foreign], company, date
            )
            for (partner_id, __, __), amount in zip(foreign, converted, strict=True):
                result[partner_id]["orders"] += amount
        for values in result.values():
            for key in EXPOSURE_KEYS:
                values[key] = company.currency_id.round(values[key])
        return result

    def _credit_flush_exposure_models(self):
        self.env["account.move.line"].flush_model(
            [
                "amount_residual",
                "reconciled",
                "parent_state",
                "partner_id",
                "company_id",
                "account_id",
                "date_maturity",
            ]
        )
        self.env["account.move"].flush_model(
            ["state", "move_type", "amount_total_signed", "commercial_partner_id", "company_id"]
        )
        self.env["sale.order.line"].flush_model(
            ["price_total", "product_uom_qty", "qty_invoiced", "display_type", "order_id"]
        )
        self.env["sale.order"].flush_model(["state", "company_id", "partner_id", "currency_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])

    def _credit_exposure_query(self, company, date):
        """SQL returning (partner, kind, currency, amount, overdue) rows."""
        partner_ids = tuple(self.ids)
        return SQL(
            """
            SELECT p.commercial_partner_id, 'receivable', NULL::integer,
                   SUM(aml.amount_residual),
                   SUM(aml.amount_residual) FILTER (
                       WHERE aml.date_maturity < %(date)s AND aml.amount_residual > 0)
              FROM account_move_line aml
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner p ON p.id = aml.partner_id
             WHERE p.commercial_partner_id IN %(partners)s
               AND aml.company_id = %(company)s
               AND aml.parent_state = 'posted'
               AND account.account_type = 'asset_receivable'
               AND NOT aml.reconciled
          GROUP BY p.commercial_partner_id
         UNION ALL
            SELECT move.commercial_partner_id, 'draft', NULL::integer,
                   SUM(move.amount_total_signed), 0.0
              FROM account_move move
             WHERE move.commercial_partner_id IN %(partners)s
               AND move.company_id = %(company)s
               AND move.state = 'draft'
               AND move.move_type IN ('out_invoice', 'out_refund')
          GROUP BY move.commercial_partner_id
         UNION ALL
            SELECT p.commercial_partner_id, 'orders', so.currency_id,
                   SUM(line.price_total
                       * GREATEST(line.product_uom_qty - COALESCE(line.qty_invoiced, 0), 0)
                       / line.product_uom_qty),
                   0.0
              FROM sale_order_line line
              JOIN sale_order so ON so.id = line.order_id
              JOIN res_partner p ON p.id = so.partner_id
             WHERE p.commercial_partner_id IN %(partners)s
               AND so.company_id = %(company)s
               AND so.state = 'sale'
               AND line.display_type IS NULL
               AND line.product_uom_qty > 0
          GROUP BY p.commercial_partner_id, so.currency_id
            """,
            partners=partner_ids,
            company=company.id,
            date=date,
        )
