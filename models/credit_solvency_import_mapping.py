# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import functools
import json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import formatLang

from ..tools import cells
from ..tools.text import normalize_grade, normalize_header
from .credit_solvency_check import AMOUNT_BOUND, AMOUNT_KEYS

# Mapping fields naming a column of the file, in the order they are read: the
# customer keys (kind of key: field), tried in this order to find the customer,
# and the values (key of the check values: field).
KEY_COLUMNS = {"vat": "vat_column", "registry": "registry_column", "ref": "ref_column"}
VALUE_COLUMNS = {
    "rating": "rating_column",
    "score": "score_column",
    "recommended_limit": "recommended_limit_column",
    "insured_limit": "insured_limit_column",
    "insurer": "insurer_column",
    "insured_expiry": "expiry_column",
}
KEY_COLUMN_FIELDS = tuple(KEY_COLUMNS.values())
VALUE_COLUMN_FIELDS = tuple(VALUE_COLUMNS.values())


class CreditSolvencyImportMapping(models.AbstractModel):
    """Where a solvency file keeps each value, and the reading of its rows
    with it (``_read_records``): shared by the saved presets, the import
    wizard, which may adjust them for one file, and the background import.

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

    # ------------------------------------------------------------ row reading

    def _read_records(self, rows, datemode, filename, company, translation=None):
        """The rows of a file read with this mapping: for each row after the
        header row and not empty, a dict with its number (``row``), customer
        keys ({kind: key}), check values ({key: value}), ``errors`` (messages),
        ``payload`` (the row as JSON, for audit) and ``partner`` (None: see
        ``credit.solvency.import.matcher``).

        :param list rows: the rows of the sheet, lists of cell values
        :param int datemode: the workbook's date system
        :param company: the company whose currency rounds the amounts
        :param dict translation: {normalised grade of the source: rating code}
        """
        self.ensure_one()
        header_index = (self.header_row or 1) - 1
        headers = rows[header_index] if header_index < len(rows) else []
        if all(cells.is_empty(cell) for cell in headers):
            raise UserError(
                self.env._(
                    "Row %(row)s of %(file)s, which should hold the column names, is empty.",
                    row=header_index + 1,
                    file=filename,
                )
            )
        columns = self._map_columns(headers, filename)
        parsers = self._value_parsers(self._cell_reader(datemode, translation), company)
        records = [
            self._parse_row(index + 1, row, headers, columns, parsers, filename)
            for index, row in enumerate(rows)
            if index > header_index and not all(cells.is_empty(cell) for cell in row)
        ]
        if not records:
            raise UserError(self.env._("%(file)s has no row to import.", file=filename))
        return records

    def _map_columns(self, headers, filename):
        """{mapping field: column index} of the columns this mapping names in
        the header row ``headers`` of the file ``filename``; raise if one is
        missing. Headers are compared without case, accents or extra spaces."""
        self.ensure_one()
        positions = {}
        for index, header in enumerate(headers):
            positions.setdefault(normalize_header(cells.cell_text(header)), index)
        columns, missing = {}, []
        for fname in (*KEY_COLUMN_FIELDS, *VALUE_COLUMN_FIELDS):
            if not self[fname]:
                continue
            index = positions.get(normalize_header(self[fname]))
            if index is None:
                missing.append(self[fname])
            else:
                columns[fname] = index
        if missing:
            raise UserError(
                self.env._(
                    "Column(s) %(missing)s not found in row %(row)s of %(file)s, which holds: "
                    "%(found)s. Check the header row number and the column names of the "
                    "preset.",
                    missing=", ".join(f"“{name}”" for name in missing),
                    row=self.header_row,
                    file=filename,
                    found=", ".join(f"“{cells.cell_text(h)}”" for h in headers if h is not None)
                    or self.env._("nothing"),
                )
            )
        return columns

    def _cell_reader(self, datemode, translation=None):
        """The reader of the cells of a file, with the settings of this mapping,
        the rating codes and the source's grades (``translation``)."""
        Rating = self.env["credit.solvency.rating"]
        grades = {normalize_grade(code): code for code, _name in Rating._selection_codes()}
        grades.update(translation or {})
        return cells.CellReader(
            separator=self.decimal_separator,
            date_format=self.date_format,
            datemode=datemode,
            grades=grades,
            amount_bound=AMOUNT_BOUND,
        )

    @api.model
    def _value_parsers(self, reader, company):
        """{key in the check values: parser of its cells}"""

        def amount(value):
            return company.currency_id.round(reader.amount(value))

        parsers = {
            "rating": reader.rating,
            "score": reader.score,
            "insurer": reader.text,
            "insured_expiry": reader.date,
        }
        return {**parsers, **dict.fromkeys(AMOUNT_KEYS, amount)}

    def _parse_row(self, row_number, row, headers, columns, parsers, filename):
        """The keys and values of a row, and why it cannot be imported if it
        cannot (a dict completed by ``credit.solvency.import.matcher``)."""

        def cell(fname):
            index = columns[fname]
            return row[index] if index < len(row) else None

        def read(fname, parse):
            try:
                return parse(cell(fname))
            except cells.CellError as error:
                record["errors"].append(self._cell_error(headers[columns[fname]], error))
                return None

        record = {"row": row_number, "keys": {}, "values": {}, "errors": [], "partner": None}
        for kind, fname in KEY_COLUMNS.items():
            parse = functools.partial(cells.parse_key, kind)
            key = read(fname, parse) if fname in columns else None
            if key:
                record["keys"][kind] = key
        if not record["keys"] and not record["errors"]:
            record["errors"].append(
                self.env._(
                    "No VAT number, company registry number or reference to find the customer."
                )
            )
        for key, fname in VALUE_COLUMNS.items():
            if fname in columns and not cells.is_empty(cell(fname)):
                value = read(fname, parsers[key])
                if value is not None:
                    record["values"][key] = value
        if "insured_limit" in record["values"] and self.insurer_name:
            record["values"].setdefault("insurer", self.insurer_name)
        if not record["values"] and not record["errors"]:
            record["errors"].append(self.env._("Nothing to import on this row."))
        record["payload"] = json.dumps(
            {
                "file": filename,
                "row": row_number,
                "cells": {
                    cells.cell_text(header): cells.json_value(value)
                    for header, value in zip(headers, row, strict=False)
                    if not cells.is_empty(header) and not cells.is_empty(value)
                },
            },
            ensure_ascii=False,
        )
        return record

    @api.model
    def _cell_error(self, header, error):
        """The message of a cell that cannot be read (``cells.CellError``),
        with its column."""
        value = error.params.get("value")
        messages = {
            cells.FOREIGN_DIGITS: lambda: self.env._(
                "“%(value)s” is not written with the digits 0-9", value=value
            ),
            cells.NOT_A_NUMBER: lambda: self.env._("“%(value)s” is not a number", value=value),
            cells.SCORE_OUT_OF_RANGE: lambda: self.env._(
                "the score %(value)s is outside 0-100", value=value
            ),
            cells.NEGATIVE_AMOUNT: lambda: self.env._(
                "the amount %(value)s is negative", value=value
            ),
            cells.AMOUNT_TOO_LARGE: lambda: self.env._(
                "the amount %(value)s is too large (amounts are below %(bound)s)",
                value=value,
                bound=formatLang(self.env, error.params.get("bound"), digits=0),
            ),
            cells.UNKNOWN_RATING: lambda: self.env._(
                "unknown rating “%(value)s” (translate it in the preset)", value=value
            ),
            cells.NOT_A_DATE: lambda: self.env._(
                "“%(value)s” is not a date like %(example)s",
                value=value,
                example=error.params.get("example"),
            ),
        }
        return self.env._(
            "%(column)s: %(error)s", column=cells.cell_text(header), error=messages[error.code]()
        )
