# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import CREDIT_READ_GROUPS

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    """Dunning on the customer: its highest level, exclusions, hand-over to
    collection, and the suspension lifted once its overdue invoices are paid."""

    _inherit = "res.partner"

    dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="Highest dunning level of the customer's open invoices.",
        groups=CREDIT_READ_GROUPS,
    )
    dunning_exclude = fields.Boolean(
        string="Do Not Dun",
        copy=False,
        help="Never send reminders to this customer.",
        groups=CREDIT_READ_GROUPS,
    )
    dunning_handover = fields.Boolean(
        string="Handed Over to Collection",
        company_dependent=True,
        copy=False,
        help="The case is with a collection agency or in legal action: no more reminders.",
        groups=CREDIT_READ_GROUPS,
    )
    dunning_communication_ids = fields.One2many(
        "credit.dunning.communication",
        "partner_id",
        string="Reminders",
        groups="credit_management.group_credit_user",
    )

    @api.model
    def _credit_commercial_fields(self):
        return super()._credit_commercial_fields() + ["dunning_exclude"]

    @api.model
    def _credit_protected_fields(self):
        return super()._credit_protected_fields() | {"dunning_handover", "dunning_level_id"}

    def action_credit_promise(self):
        self.ensure_one()
        return self._credit_wizard_action("credit.promise.wizard", self.env._("Promise to Pay"))

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
            # The customer hears that it may order again. This runs inside a
            # payment's reconciliation: the email is rendered in a savepoint and
            # queued (sent by the mail queue), so that neither a faulty template
            # nor the mail server can fail the payment.
            try:
                with self.env.cr.savepoint():
                    cleared.message_post_with_source(
                        template,
                        message_type="comment",
                        subtype_xmlid="mail.mt_comment",
                        force_send=False,
                    )
            except Exception as error:  # pylint: disable=broad-except
                _logger.warning(
                    "Suspension lifted email (%s) not prepared for %s",
                    template,
                    cleared,
                    exc_info=True,
                )
                for partner in cleared:
                    partner.message_post(
                        body=self.env._(
                            "The email telling %(partner)s that it may order again could not "
                            "be prepared (%(error)s): tell the customer yourself, and have "
                            "the template %(template)s fixed.",
                            partner=partner.name,
                            error=error,
                            template=template.name,
                        ),
                        partner_ids=partner.user_id.partner_id.ids,
                        subtype_xmlid="mail.mt_note",
                    )
            else:
                self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
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
