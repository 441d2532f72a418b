# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models, tools


class CreditSolvencyRating(models.Model):
    """One grade of the solvency scale (e.g. A..E, plus "insolvent").

    The scale is shared by all companies; what a grade means for credit is
    decided per company by ``credit.solvency.rule``.
    """

    _name = "credit.solvency.rating"
    _description = "Solvency Rating"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Value stored on the customer (Solvency Rating) and read in imported files.",
    )
    sequence = fields.Integer(default=10, help="Best grades first.")
    description = fields.Text(translate=True)
    is_insolvent = fields.Boolean(
        string="Insolvency",
        help="This grade means an insolvency proceeding: the customer is put on hold.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "Each solvency rating needs its own code."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        res = super().write(vals)
        if {"code", "name", "sequence", "active"} & set(vals):
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    @tools.ormcache("self.env.lang")
    def _selection_codes(self):
        """[(code, name)] of the active grades, best first (cached)."""
        ratings = self.sudo().search_fetch([], ["code", "name"])
        return tuple((rating.code, rating.name) for rating in ratings)

    @api.model
    def _get_by_code(self, code):
        return self.sudo().with_context(active_test=False).search([("code", "=", code)], limit=1)
