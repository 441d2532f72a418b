# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, formatLang

# Who reads a customer's credit data: salespeople, accountants and credit users.
CREDIT_READ_GROUPS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "sales_team.group_sale_salesman,credit_management.group_credit_user"
)


class ResPartner(models.Model):
    """What the credit concerns share: the commercial entity's fields, who may
    change them, and small helpers. Each concern has its file:
    ``res_partner_credit_limit``, ``_credit_exposure``, ``_credit_hold``,
    ``_credit_check``, ``_credit_insurance``, ``_solvency`` and ``_dunning``."""

    _inherit = "res.partner"

    credit_currency_id = fields.Many2one("res.currency", compute="_compute_credit_currency_id")
    credit_decision_count = fields.Integer(
        compute="_compute_credit_decision_count", groups=CREDIT_READ_GROUPS
    )
    credit_can_manage = fields.Boolean(compute="_compute_credit_can_manage")

    @api.depends_context("company")
    def _compute_credit_currency_id(self):
        self.credit_currency_id = self.env.company.currency_id

    def _compute_credit_decision_count(self):
        groups = self.env["credit.decision"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)],
            ["partner_id"],
            ["__count"],
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.credit_decision_count = counts.get(partner.commercial_partner_id.id, 0)

    def _compute_credit_can_manage(self):
        self.credit_can_manage = self.env.user.has_group("credit_management.group_credit_manager")

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + self._credit_commercial_fields()

    @api.model
    def _credit_commercial_fields(self):
        """Credit fields of the commercial entity that its contacts share
        (extended by each concern)."""
        return []

    @api.model
    def _credit_protected_fields(self):
        """Fields only a credit manager (or the system) may change (extended
        by each concern); the shared commercial fields are."""
        return set(self._credit_commercial_fields())

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
        return super().create(vals_list)

    def write(self, vals):
        self._credit_check_manage_access(vals)
        attached = self._credit_entities_attached(vals)
        res = super().write(vals)
        attached._credit_log_attached()
        return res

    def action_view_credit_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.credit_decision_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_filter_requested": 0}
        return action

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
        commercial-field synchronisation), whoever triggers it. A customer with
        credit data does not become a contact of another company (whose sync
        would overwrite its hold and limit) but by a credit manager.
        """
        if self.env.su or self.env.user.has_group("credit_management.group_credit_manager"):
            return
        if self._credit_entities_attached(vals):
            raise AccessError(
                self.env._(
                    "Only credit managers can make a customer with a credit limit, a credit "
                    "hold or reminders a contact of another company (%(partner)s).",
                    partner=", ".join(self._credit_entities_attached(vals).mapped("display_name")),
                )
            )
        protected = self._credit_protected_fields() & set(vals)
        if not protected:
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

    def _credit_entities_attached(self, vals):
        """Customers of ``self`` with credit data (in any company) that ``vals``
        turns into contacts of another company."""
        if not ({"parent_id", "is_company"} & set(vals)) or not self.ids:
            return self.browse()
        entities = self.filtered(
            lambda p: (
                p.commercial_partner_id == p
                and vals.get("parent_id", p.parent_id.id)
                and not vals.get("is_company", p.is_company)
            )
        )
        if not entities:
            return entities
        self.flush_recordset(["credit_hold", "credit_limit", "dunning_level_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id
                  FROM res_partner
                 WHERE id IN %(ids)s
                   AND (jsonb_path_exists(credit_hold, '$.* ? (@ == true)')
                        OR jsonb_path_exists(credit_limit, '$.* ? (@ > 0)')
                        OR jsonb_path_exists(dunning_level_id, '$.* ? (@ != null)'))
                """,
                ids=tuple(entities.ids),
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _credit_log_attached(self):
        """Keep on record that these customers' credit data now follow their
        new parent company."""
        for partner in self:
            partner.sudo().message_post(
                body=self.env._(
                    "%(partner)s is now a contact of %(parent)s: its credit limit, hold and "
                    "reminders follow %(parent)s from now on.",
                    partner=partner.name,
                    parent=partner.parent_id.name,
                ),
                author_id=self.env.user.partner_id.id,
            )

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
