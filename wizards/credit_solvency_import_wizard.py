# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64
import binascii
import json
import logging

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from ..models.credit_solvency_check import AMOUNT_KEYS
from ..models.credit_solvency_import_mapping import VALUE_COLUMNS
from ..models.res_partner_solvency import SOLVENCY_CHECK_FIELDS
from ..tools import cells, spreadsheet
from ..tools.bulk_insert import columns_of, insert_rows

_logger = logging.getLogger(__name__)

# files with more rows than this are imported in the background (system parameter)
BACKGROUND_ROWS_PARAM = "credit_management.solvency_import_background_rows"
BACKGROUND_ROWS_DEFAULT = 2000
# {check value key: customer field} of the values a file may hold
IMPORTED_FIELDS = {key: SOLVENCY_CHECK_FIELDS[key] for key in VALUE_COLUMNS}


class CreditSolvencyImportWizard(models.TransientModel):
    """Import ratings, scores, limits and insured amounts from the spreadsheets
    credit insurers and rating agencies send, after a preview of what changes."""

    _name = "credit.solvency.import.wizard"
    _description = "Import Solvency Ratings"
    _inherit = ["credit.solvency.import.mapping"]

    state = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview")], default="upload", required=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    preset_id = fields.Many2one(
        "credit.solvency.import.preset",
        domain="[('company_id', '=', company_id)]",
        default=lambda self: self._default_preset_id(),
        help="Layout of the files of this source; the import is logged on it.",
    )
    source_name = fields.Char(
        string="Source",
        compute="_compute_source_name",
        store=True,
        readonly=False,
        help="Insurer or agency the file comes from, recorded with each rating.",
    )
    file = fields.Binary(attachment=False)
    filename = fields.Char()
    only_valid = fields.Boolean(
        string="Import Only Valid Rows",
        help="Import the rows without errors and skip the others. Without this, a file "
        "with errors imports nothing.",
    )
    line_ids = fields.One2many("credit.solvency.import.line", "wizard_id", string="Rows")
    change_count = fields.Integer(compute="_compute_counts")
    unchanged_count = fields.Integer(compute="_compute_counts")
    error_count = fields.Integer(compute="_compute_counts")

    @api.depends("preset_id")
    def _compute_source_name(self):
        for wizard in self:
            wizard.source_name = wizard.preset_id.name or wizard.source_name

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.change_count = statuses.count("change")
            wizard.unchanged_count = statuses.count("unchanged")
            wizard.error_count = statuses.count("error")

    @api.model
    def _default_preset_id(self):
        return self.env["credit.solvency.import.preset"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )

    # The mapping comes from the preset and may be adjusted for one file. It is
    # not computed: a computed group of fields would all be kept as given as
    # soon as one of them is given.

    @api.onchange("preset_id")
    def _onchange_preset_id(self):
        if self.preset_id:
            self.update(self.preset_id._mapping_values())

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        preset = self.env["credit.solvency.import.preset"].browse(res.get("preset_id"))
        return self._complete_mapping(res, preset, fields_list)

    @api.model_create_multi
    def create(self, vals_list):
        Preset = self.env["credit.solvency.import.preset"]
        vals_list = [
            self._complete_mapping(vals, Preset.browse(vals["preset_id"]))
            if vals.get("preset_id")
            else vals
            for vals in vals_list
        ]
        return super().create(vals_list)

    @api.model
    def _complete_mapping(self, vals, preset, fnames=None):
        """``vals`` with the mapping values it lacks taken from ``preset``."""
        mapping = {**self._mapping_defaults(), **(preset._mapping_values() if preset else {})}
        vals = dict(vals)
        for fname, value in mapping.items():
            if fname not in vals and (fnames is None or fname in fnames):
                vals[fname] = value
        return vals

    # ------------------------------------------------------------------ actions

    def action_preview(self):
        self.ensure_one()
        self._load_preview()
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.write({"state": "upload", "line_ids": [Command.clear()], "only_valid": False})
        return self._reopen()

    def action_save_preset(self):
        """Save the mapping as the preset of the source (created if needed)."""
        self.ensure_one()
        self._check_import_mapping()
        values = self._mapping_values()
        if self.preset_id:
            self.preset_id.write(values)
        else:
            self.preset_id = self._find_or_create_preset()
        return self._reopen()

    def action_import(self):
        self.ensure_one()
        self._check_import_access()
        if self.state != "preview":
            self._load_preview()
        errors = self.line_ids.filtered(lambda line: line.status == "error")
        valid = self.line_ids - errors
        refusal = self._refusal_message(self._line_rows(errors), bool(valid))
        if refusal:
            raise UserError(refusal)
        preset = self.preset_id or self._find_or_create_preset()
        if len(self.line_ids) > self._import_background_threshold():
            self._queue_import(preset)
            message = self.env._(
                "%(file)s has %(count)s rows: it is imported in the background. You will be "
                "notified when it is done.",
                file=self.filename,
                count=len(self.line_ids),
            )
            kind = "info"
        else:
            rows = self._line_rows(valid)
            Writer = self.env["credit.solvency.import.writer"]
            Writer._import_rows(rows, self.company_id, self._import_source())
            changed = sum(row["status"] == "change" for row in rows)
            message = self._log_import(preset, changed, len(rows) - changed, len(errors))
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _refusal_message(self, errors, any_valid):
        """Why nothing of the file is imported, or None: rows in error (unless
        only the valid rows are imported), or no valid row.

        :param list errors: values of the preview lines in error
        :param bool any_valid: whether some rows are valid
        """
        if errors and not self.only_valid:
            return self.env._(
                "%(count)s row(s) of %(file)s cannot be imported (row %(row)s: "
                "%(message)s). Nothing was imported: correct the file, or choose to "
                "import only the valid rows.",
                count=len(errors),
                file=self.filename,
                row=errors[0]["row_number"],
                message=errors[0]["message"].splitlines()[0],
            )
        if not any_valid:
            return self.env._("No row of %(file)s can be imported.", file=self.filename)
        return None

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import Solvency Ratings"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    # --------------------------------------------------------- business methods

    def _check_import_access(self):
        if not self.env.user.has_group("credit_management.group_credit_manager"):
            raise AccessError(self.env._("Only credit managers can import solvency ratings."))

    def _find_or_create_preset(self):
        Preset = self.env["credit.solvency.import.preset"]
        name = (self.source_name or "").strip()
        if not name:
            raise UserError(self.env._("Name the source of the file."))
        preset = Preset.search(
            [("company_id", "=", self.company_id.id), ("name", "=", name)], limit=1
        )
        return preset or Preset.create(
            {**self._mapping_values(), "name": name, "company_id": self.company_id.id}
        )

    def _import_source(self):
        source = (self.source_name or self.preset_id.name or "").strip()
        return f"{source} – {self.filename}" if source else self.filename

    def _log_import(self, preset, changed, unchanged, skipped):
        """Post who imported which file, and what it did (numbers of rows), on
        the preset."""
        message = self.env._(
            "%(user)s imported %(file)s: %(changed)s customer(s) updated, %(unchanged)s "
            "confirmed without change, %(skipped)s row(s) skipped with errors.",
            user=self.env.user.name,
            file=self.filename,
            changed=changed,
            unchanged=unchanged,
            skipped=skipped,
        )
        preset.message_post(
            body=message,
            attachments=[(self.filename, base64.b64decode(self.file))],
            subtype_xmlid="mail.mt_note",
        )
        return message

    def _load_preview(self):
        self._check_import_access()
        self._check_import_mapping()
        self._write_lines(self._read_lines())
        self.state = "preview"

    def _read_lines(self):
        """Values of the preview lines of the file (see ``_line_values``)."""
        rows, datemode = self._read_file()
        return self._prepare_lines(rows, datemode)

    def _write_lines(self, lines):
        """Replace the preview lines with ``lines``, in one statement: a file has
        thousands of rows, whose values are all decided here."""
        self.ensure_one()
        Line = self.env["credit.solvency.import.line"]
        Line.check_access("create")
        self.line_ids.unlink()
        rows = [
            {
                "wizard_id": self.id,
                **{fname: None if value is False else value for fname, value in vals.items()},
            }
            for vals in lines
        ]
        insert_rows(self.env, Line._table, columns_of(Line, rows), rows)
        self.invalidate_recordset(["line_ids"])

    @api.model
    def _import_background_threshold(self):
        """Files with more rows than this are imported in the background."""
        value = self.env["ir.config_parameter"].sudo().get_param(BACKGROUND_ROWS_PARAM)
        try:
            return int(value) if value else BACKGROUND_ROWS_DEFAULT
        except ValueError:
            return BACKGROUND_ROWS_DEFAULT

    def _queue_import(self, preset):
        """Leave the import of the file to the background import (cron), which
        tells the user when it is done."""
        self.ensure_one()
        Job = self.env["credit.solvency.import.job"]
        job = Job.create(
            {**Job._import_values(self), "preset_id": preset.id, "row_count": len(self.line_ids)}
        )
        job._trigger_processing()
        return job

    @api.model
    def _line_rows(self, lines):
        """The preview lines as the rows ``credit.solvency.import.writer``
        imports."""
        return [
            {
                "row_number": line.row_number,
                "partner_id": line.partner_id.id,
                "status": line.status,
                "message": line.message,
                "values": line.values,
                "payload": line.payload,
            }
            for line in lines
        ]

    # ------------------------------------------------------------ file reading

    def _read_file(self):
        """All rows of the sheet to import, as lists of cell values, and the
        workbook's date system (for numbers written in date columns)."""
        if not self.file:
            raise UserError(self.env._("Choose the file to import."))
        name = (self.filename or "").lower()
        if not name.endswith((".xls", ".xlsx")):
            raise UserError(
                self.env._(
                    "%(file)s is not a spreadsheet: import an Excel file (.xls or .xlsx).",
                    file=self.filename or "",
                )
            )
        try:
            content = base64.b64decode(self.file, validate=True)
        except (binascii.Error, ValueError) as error:
            raise UserError(self._corrupt_message()) from error
        try:
            return spreadsheet.read_rows(content, self.sheet_name)
        except spreadsheet.SpreadsheetError as error:
            if error.code == spreadsheet.NO_SUCH_SHEET:
                raise UserError(
                    self.env._(
                        "%(file)s has no sheet named %(sheet)s (sheets: %(sheets)s).",
                        file=self.filename,
                        sheet=self.sheet_name,
                        sheets=", ".join(error.params["sheets"]),
                    )
                ) from error
            if error.__cause__:
                _logger.info("Unreadable file %s: %s", self.filename, error.__cause__)
            raise UserError(self._corrupt_message()) from error

    def _corrupt_message(self):
        return self.env._(
            "%(file)s cannot be read: it is damaged or is not an Excel workbook (a CSV, web "
            "page or PDF file renamed .xls, for instance). Open it in your spreadsheet and "
            "save it as .xlsx.",
            file=self.filename,
        )

    def _prepare_lines(self, rows, datemode):
        """Values of the preview lines of these rows (the header row included)."""
        translation = self.preset_id._rating_translation() if self.preset_id else {}
        records = self._read_records(rows, datemode, self.filename, self.company_id, translation)
        self.env["credit.solvency.import.matcher"]._match_customers(records, self.company_id)
        return self._lines_values(records)

    # ----------------------------------------------------------- preview lines

    def _lines_values(self, records):
        partners = self.env["res.partner"].browse(
            {record["partner"].id for record in records if record["partner"]}
        )
        partners.with_company(self.company_id).fetch(list(IMPORTED_FIELDS.values()))
        return [self._line_values(record) for record in records]

    def _line_values(self, record):
        partner = record["partner"].with_company(self.company_id) if record["partner"] else None
        vals = {
            "row_number": record["row"],
            "key": " / ".join(record["keys"].values()),
            "partner_id": partner.id if partner else False,
            "payload": record["payload"],
            "values": json.dumps(record["values"], default=cells.json_value),
        }
        changed = False
        for key, fname in IMPORTED_FIELDS.items():
            current = partner[fname] if partner else False
            new = record["values"].get(key, current)
            vals[f"current_{key}"] = current
            vals[f"new_{key}"] = new
            changed = changed or self._differs(key, current, new)
        if record["errors"]:
            vals.update(status="error", message="\n".join(record["errors"]))
        else:
            vals["status"] = "change" if changed else "unchanged"
        return vals

    def _differs(self, key, current, new):
        if key in AMOUNT_KEYS:
            rounding = self.company_id.currency_id.rounding
            return float_compare(current or 0.0, new or 0.0, precision_rounding=rounding) != 0
        return (current or False) != (new or False)
