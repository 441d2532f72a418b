# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .res_partner import CREDIT_READ_GROUPS

# What a solvency check (a provider, an import, a manual change) may set on a
# customer: the check's key and the customer's field. Written once, used by all.
SOLVENCY_CHECK_FIELDS = {
    "rating": "solvency_rating",
    "score": "solvency_score",
    "company_status": "solvency_company_status",
    "recommended_limit": "solvency_recommended_limit",
    "insured_limit": "credit_insured_limit",
    "insured_expiry": "credit_insured_expiry",
    "insurer": "credit_insurer",
}


class ResPartner(models.Model):
    """Solvency: rating, score, registry status and recommended limit, from
    checks kept on record; what a rating means for credit (the company's rules)
    and the periodic review."""

    _inherit = "res.partner"

    solvency_rating = fields.Selection(
        selection="_selection_solvency_rating",
        copy=False,
        tracking=True,
        help="Latest solvency grade of the customer (see Configuration > Solvency Ratings).",
        groups=CREDIT_READ_GROUPS,
    )
    solvency_score = fields.Integer(
        copy=False, help="Latest solvency score, from 0 to 100.", groups=CREDIT_READ_GROUPS
    )
    solvency_date = fields.Date(
        copy=False, help="Date of the latest solvency check.", groups=CREDIT_READ_GROUPS
    )
    solvency_source = fields.Char(
        copy=False, help="Where the latest rating comes from.", groups=CREDIT_READ_GROUPS
    )
    solvency_company_status = fields.Selection(
        [("active", "Active"), ("ceased", "Ceased")],
        string="Registry Status",
        copy=False,
        help="Administrative status in the company registry.",
        groups=CREDIT_READ_GROUPS,
    )
    solvency_recommended_limit = fields.Float(
        string="Recommended Limit",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="Credit limit recommended by the latest rating, in company currency.",
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

    def _compute_solvency_check_count(self):
        groups = self.env["credit.solvency.check"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.solvency_check_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.model
    def _selection_solvency_rating(self):
        return list(self.env["credit.solvency.rating"]._selection_codes())

    @api.model
    def _credit_commercial_fields(self):
        return super()._credit_commercial_fields() + [
            "solvency_rating",
            "solvency_score",
            "solvency_date",
            "solvency_source",
            "solvency_company_status",
            "solvency_recommended_limit",
        ]

    def write(self, vals):
        res = super().write(vals)
        manual = set(SOLVENCY_CHECK_FIELDS.values()) & set(vals)
        if manual and not self.env.context.get("credit_solvency_checked"):
            self._solvency_record_manual_change(vals)
        return res

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
        for key, fname in SOLVENCY_CHECK_FIELDS.items():
            if values.get(key) is not None:
                vals[fname] = values[key]
        return vals

    def _solvency_apply_rules(self, values=None):
        """Put on hold the customers whose rating, proceeding or registry status
        calls for it, in every company whose rules say so, and tell the credit
        managers and salespeople at once."""
        values = values or {}
        holds = self.commercial_partner_id._solvency_hold_companies_by_partner()
        for partner, companies in holds.items():
            reason = partner._solvency_hold_reason(values)
            if not reason:
                continue
            for company in companies:
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
        """Companies where this customer's situation means a hold (see
        ``_solvency_hold_companies_by_partner``)."""
        self.ensure_one()
        return self._solvency_hold_companies_by_partner().get(self, self.env["res.company"])

    # --- refactor-solvency: the hold rule, set-based (used by the solvency import too)
    def _solvency_hold_companies_by_partner(self):
        """{customer: companies where its situation means a hold}, for those of
        these customers with any: all the active companies for an insolvency or
        a ceased company, else those whose rule for its rating says so. A few
        queries, however many customers."""
        Rating = self.env["credit.solvency.rating"].sudo().with_context(active_test=False)
        insolvent = set(Rating.search([("is_insolvent", "=", True)]).mapped("code"))
        rules = self.env["credit.solvency.rule"].sudo().search([("credit_effect", "=", "hold")])
        by_rating = {}
        for rule in rules:
            code = rule.rating_id.code
            by_rating[code] = by_rating.get(code, rule.company_id) | rule.company_id
        everywhere = None
        result = {}
        for partner in self:
            if partner.solvency_rating in insolvent or partner.solvency_company_status == "ceased":
                if everywhere is None:
                    everywhere = self.env["res.company"].sudo().search([("active", "=", True)])
                result[partner] = everywhere
            elif partner.solvency_rating in by_rating:
                result[partner] = by_rating[partner.solvency_rating]
        return result

    # --- end refactor-solvency

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
        values = {key: vals[fname] for key, fname in SOLVENCY_CHECK_FIELDS.items() if fname in vals}
        entities = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        if entities:
            entities._solvency_record_check(values, self.env._("Manual"), trigger="user")

    @api.model
    def _credit_solvency_rules(self, company):
        """{rating code: RuleInfo} of ``company`` (cached, no query once read)."""
        return self.env["credit.solvency.rule"]._credit_rules_by_rating(company.id)

    def _credit_limit_constraints(self, company, date, rules):
        """The rule of the customer's rating (cap, prepayment only) and the
        recommended limit when the company caps limits at it."""
        constraints = super()._credit_limit_constraints(company, date, rules)
        fmt = self._credit_format_amount
        rule = rules.get(self.solvency_rating) if self.solvency_rating else None
        if rule and rule.credit_effect == "cap":
            constraints.append(
                (
                    rule.max_limit,
                    self.env._(
                        "rating %(rating)s: limit capped at %(amount)s",
                        rating=rule.rating_name,
                        amount=fmt(rule.max_limit, company),
                    ),
                )
            )
        elif rule and rule.credit_effect == "prepayment":
            constraints.append(
                (0.0, self.env._("rating %(rating)s: prepayment only", rating=rule.rating_name))
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
        return constraints

    def _credit_partner_warnings(self, company, exposure, date):
        """A rating whose rule says "warn"."""
        messages = super()._credit_partner_warnings(company, exposure, date)
        rules = self._credit_solvency_rules(company)
        rule = rules.get(self.solvency_rating) if self.solvency_rating else None
        if rule and rule.credit_effect == "warn":
            message = self.env._(
                "%(partner)s is rated %(rating)s.", partner=self.name, rating=rule.rating_name
            )
            if rule.note:
                message += " " + rule.note
            messages.append(message)
        return messages
