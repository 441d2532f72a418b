# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from ..tools.text import normalize_grade
from .credit_solvency_import_mapping import KEY_COLUMN_FIELDS, VALUE_COLUMN_FIELDS


class CreditSolvencyImportPreset(models.Model):
    """The layout of the files one source (credit insurer, rating agency) sends,
    saved per company; the imports of its files are logged in its chatter."""

    _name = "credit.solvency.import.preset"
    _description = "Solvency Import Preset"
    _inherit = ["credit.solvency.import.mapping", "mail.thread"]
    _order = "company_id, sequence, name, id"

    name = fields.Char(
        string="Source",
        required=True,
        tracking=True,
        help="Insurer or agency sending the files; recorded as the source of the ratings.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    rating_map_ids = fields.One2many(
        "credit.solvency.import.preset.rating",
        "preset_id",
        string="Rating Translation",
        copy=True,
        help="Grades of the source and the rating each one stands for. Grades not listed "
        "must be rating codes.",
    )
    note = fields.Text()
    header_row = fields.Integer(default=1)
    date_format = fields.Char(default="%d/%m/%Y")
    decimal_separator = fields.Selection(default=",")

    _sql_constraints = [
        (
            "name_company_unique",
            "UNIQUE(name, company_id)",
            "A source can have only one import preset per company.",
        ),
    ]

    @api.constrains(*KEY_COLUMN_FIELDS, *VALUE_COLUMN_FIELDS, "header_row")
    def _check_mapping(self):
        for preset in self:
            preset._check_import_mapping()

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if default and "name" in default:
            return vals_list
        return [
            dict(vals, name=self.env._("%(name)s (copy)", name=preset.name))
            for preset, vals in zip(self, vals_list, strict=True)
        ]

    def _rating_translation(self):
        """{normalised source grade: rating code}"""
        self.ensure_one()
        return {
            normalize_grade(line.source_value): line.rating_id.code for line in self.rating_map_ids
        }
