# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_hold_deliveries = fields.Boolean(
        related="company_id.credit_hold_deliveries", readonly=False
    )
