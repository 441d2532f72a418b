# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Mapping fields naming a column of the file, in the order they are read.
KEY_COLUMN_FIELDS = ("vat_column", "registry_column", "ref_column")
VALUE_COLUMN_FIELDS = (
    "rating_column",
    "score_column",
    "recommended_limit_column",
    "insured_limit_column",
    "insurer_column",
    "expiry_column",
)


class CreditSolvencyImportMapping(models.AbstractModel):
    """Where a solvency file keeps each value: shared by the saved presets and
    the import wizard, which may adjust them for one file.

    No defaults here: the wizard computes all of them from its preset at once.
    """

    _name = "credit.solvency.import.mapping"
    _description = "Solvency Import Column Mapping"

    vat_column = fields.Char(
        string="VAT Column",
        help="Header of the column holding the customer's VAT number (spaces and case ignored).",
    )
    registry_column = fields.Char(
        string="Company Registry Column",
        help="Header of the column holding the company registry number (SIREN or SIRET: "
        "only digits are compared, and a SIREN finds the customer registered with its SIRET).",
    )
    ref_column = fields.Char(
        string="Internal Reference Column",
        help="Header of the column holding the customer's internal reference.",
    )
    rating_column = fields.Char(help="Header of the column holding the rating.")
    score_column = fields.Char(help="Header of the column holding the score (0 to 100).")
    recommended_limit_column = fields.Char(
        help="Header of the column holding the recommended credit limit."
    )
    insured_limit_column = fields.Char(
        string="Insured Amount Column",
        help="Header of the column holding the amount covered by the credit insurer.",
    )
    insurer_column = fields.Char(help="Header of the column holding the credit insurer's name.")
    expiry_column = fields.Char(
        string="Insurance Expiry Column",
        help="Header of the column holding the date the insurance cover ends.",
    )
    insurer_name = fields.Char(
        string="Default Insurer",
        help="Credit insurer recorded with the insured amounts when the file has no insurer "
        "column, e.g. the insurer that sends this file.",
    )
    header_row = fields.Integer(
        help="Number of the row holding the column headers, as shown in the file."
    )
    sheet_name = fields.Char(help="Sheet to read; the first sheet if empty.")
    date_format = fields.Char(
        help="Format of the dates written as text, e.g. %d/%m/%Y for 31/12/2025. "
        "Cells formatted as dates are read as such whatever this format.",
    )
    decimal_separator = fields.Selection(
        [(",", "Comma (1 234,56)"), (".", "Point (1,234.56)")],
        help="How amounts written as text are punctuated. Numeric cells are read as such.",
    )

    @api.model
    def _mapping_defaults(self):
        return {"header_row": 1, "date_format": "%d/%m/%Y", "decimal_separator": ","}

    @api.model
    def _mapping_field_names(self):
        return [
            *KEY_COLUMN_FIELDS,
            *VALUE_COLUMN_FIELDS,
            "insurer_name",
            "header_row",
            "sheet_name",
            "date_format",
            "decimal_separator",
        ]

    def _mapping_values(self):
        """The mapping of this record, to copy onto another one."""
        self.ensure_one()
        return {fname: self[fname] for fname in self._mapping_field_names()}

    def _check_import_mapping(self):
        """Raise if this mapping cannot read a file."""
        self.ensure_one()
        if not any(self[fname] for fname in KEY_COLUMN_FIELDS):
            raise ValidationError(
                self.env._(
                    "Name at least one column identifying the customer "
                    "(VAT, company registry or internal reference)."
                )
            )
        if not any(self[fname] for fname in VALUE_COLUMN_FIELDS):
            raise ValidationError(self.env._("Name at least one column of values to import."))
        if self.header_row < 1:
            raise ValidationError(self.env._("The header row number starts at 1."))
