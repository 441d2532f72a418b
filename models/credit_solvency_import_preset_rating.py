# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class CreditSolvencyImportPresetRating(models.Model):
    """One grade of a source's scale and the rating it stands for."""

    _name = "credit.solvency.import.preset.rating"
    _description = "Solvency Import Rating Translation"
    _order = "preset_id, sequence, id"

    preset_id = fields.Many2one(
        "credit.solvency.import.preset", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="preset_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    source_value = fields.Char(
        string="Grade in the File", required=True, help="Case, accents and spaces are ignored."
    )
    rating_id = fields.Many2one("credit.solvency.rating", required=True, ondelete="cascade")

    _sql_constraints = [
        (
            "source_value_unique",
            "UNIQUE(preset_id, source_value)",
            "Each grade of the file can be translated only once.",
        ),
    ]
