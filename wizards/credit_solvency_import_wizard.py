# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64
import binascii
import datetime
import io
import json
import logging
import math
import re
import unicodedata
from collections import defaultdict

import openpyxl
import xlrd

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, float_round, formatLang
from odoo.tools.mail import generate_tracking_message_id

from ..models.credit_solvency_check import AMOUNT_BOUND
from ..tools.bulk_insert import insert_rows

_logger = logging.getLogger(__name__)

XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file (BIFF .xls)
XLSX_SIGNATURE = b"PK\x03\x04"  # zip container (Office Open XML .xlsx)
# Customer keys, in the order they are tried on a row.
KEY_KINDS = (("vat", "vat_column"), ("registry", "registry_column"), ("ref", "ref_column"))
NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]+")
NUMBER_UNITS = re.compile(r"^[€$£]|(?:[€$£%]|EUR)$", re.IGNORECASE)
# files with more rows than this are imported in the background (system parameter)
BACKGROUND_ROWS_PARAM = "credit_management.solvency_import_background_rows"
BACKGROUND_ROWS_DEFAULT = 2000
NUMBER_PATTERNS = {
    ",": (re.compile(r"^-?\d{1,3}(?:[ .]\d{3})+(?:,\d+)?$"), re.compile(r"^-?\d+(?:,\d+)?$")),
    ".": (re.compile(r"^-?\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?$"), re.compile(r"^-?\d+(?:\.\d+)?$")),
}


class CellError(Exception):
    """A cell whose content cannot be read; its message tells the user why."""


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
        if errors and not self.only_valid:
            raise UserError(self._refusal_message(self._line_rows(errors)))
        valid = self.line_ids - errors
        if not valid:
            raise UserError(self.env._("No row of %(file)s can be imported.", file=self.filename))
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
            self._import_rows(rows, self._import_source())
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

    def _refusal_message(self, errors):
        """Why nothing of the file is imported, for its rows in error (values
        of preview lines)."""
        return self.env._(
            "%(count)s row(s) of %(file)s cannot be imported (row %(row)s: "
            "%(message)s). Nothing was imported: correct the file, or choose to "
            "import only the valid rows.",
            count=len(errors),
            file=self.filename,
            row=errors[0]["row_number"],
            message=errors[0]["message"].splitlines()[0],
        )

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
        insert_rows(self.env, Line._table, self._columns(Line, rows), rows)
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
        job = self.env["credit.solvency.import.job"].create(
            {
                **self._mapping_values(),
                "company_id": self.company_id.id,
                "preset_id": preset.id,
                "source_name": self.source_name,
                "file": self.file,
                "filename": self.filename,
                "only_valid": self.only_valid,
                "row_count": len(self.line_ids),
            }
        )
        job._trigger_processing()
        return job

    @api.model
    def _line_rows(self, lines):
        """The preview lines as the rows ``_import_rows`` takes."""
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

    def _import_rows(self, rows, source):
        """Record the check of each valid row on its customer.

        What ``res.partner._solvency_record_check`` does row by row, done for
        all the rows at once: the checks in one statement, the customers (and
        their contacts, as Odoo's sync would) in one write per field and value,
        and the hold rules applied (to the customers they may concern, see
        ``res.partner._solvency_hold_companies_by_partner``).

        :param list rows: values of preview lines (``_line_values``) without error
        """
        self.ensure_one()
        if not rows:
            return
        company = self.company_id
        Partner = self.env["res.partner"]
        records = [(row["partner_id"], json.loads(row["values"]), row["payload"]) for row in rows]
        self._insert_checks(records, source)
        partner_ids = [partner_id for partner_id, __, __ in records]
        by_value = defaultdict(list)
        for partner_id, values, __ in records:
            for fname, value in Partner._solvency_partner_vals(values, source).items():
                by_value[fname, value].append(partner_id)
        writer = Partner.with_company(company).sudo()
        contacts = defaultdict(list)
        for contact in writer.search_fetch(
            [("commercial_partner_id", "in", partner_ids), ("id", "not in", partner_ids)],
            ["commercial_partner_id"],
        ):
            contacts[contact.commercial_partner_id.id].append(contact.id)
        everyone = writer.browse(
            partner_ids + [contact_id for ids in contacts.values() for contact_id in ids]
        )
        tracked = sorted(Partner._track_get_fields() & {fname for fname, __ in by_value})
        initial = {partner.id: {fname: partner[fname] for fname in tracked} for partner in everyone}
        # tracked below in a few statements instead of one message per customer
        writer = writer.with_context(
            credit_solvency_checked=True, credit_no_children_sync=True, mail_notrack=True
        )
        for (fname, value), ids in by_value.items():
            synced = [contact_id for partner_id in ids for contact_id in contacts[partner_id]]
            writer.browse(ids + synced).write({fname: value})
        self._log_tracking(everyone, initial)
        Partner.with_company(company).sudo().browse(partner_ids)._solvency_apply_rules()

    def _insert_checks(self, records, source):
        """Keep the check of each row on record, in one statement: the values
        are the file's, already read and checked, and the rest is decided here.

        :param list records: ``(customer id, check values, payload)`` per row
        """
        Check = self.env["credit.solvency.check"]
        Check.check_access("create")
        now = fields.Datetime.now()
        rows = []
        for partner_id, values, payload in records:
            Check._check_solvency_values(values)
            rows.append(
                {
                    **values,
                    "state": "done",
                    "date": now,
                    "partner_id": partner_id,
                    "company_id": self.company_id.id,
                    "source": source,
                    "trigger": "import",
                    "payload": payload,
                    "user_id": self.env.user.id,
                }
            )
        insert_rows(self.env, Check._table, self._columns(Check, rows), rows)
        Check.invalidate_model()
        self.env["res.partner"].invalidate_model(["solvency_check_ids", "solvency_check_count"])

    @api.model
    def _log_tracking(self, records, initial):
        """Log the changes of tracked fields in the chatter of ``records`` as
        Odoo's tracking does (a note with the tracking values, no notification),
        for thousands of customers in two statements.

        :param dict initial: {record id: {tracked field: value before the change}}
        """
        fnames = sorted({fname for values in initial.values() for fname in values})
        if not fnames:
            return
        Tracking = self.env["mail.tracking.value"].sudo()
        infos = records.fields_get(fnames, attributes=("string", "type", "selection"))
        changes = []
        for record in records:
            tracking = [
                Tracking._create_tracking_values(
                    initial[record.id][fname], record[fname], fname, infos[fname], record
                )
                for fname in fnames
                if record[fname] != initial[record.id][fname]
            ]
            if tracking:
                changes.append((record, tracking))
        if not changes:
            return
        Message = self.env["mail.message"]
        Message.flush_model()
        author = self.env.user.partner_id
        base = {
            "model": records._name,
            "body": "",
            "message_type": "notification",
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "is_internal": True,
            "author_id": author.id,
            "email_from": author.email_formatted or None,
            "reply_to_force_new": False,
            "date": fields.Datetime.now(),
        }
        messages = [
            {**base, "res_id": record.id, "message_id": generate_tracking_message_id("tracking")}
            for record, __ in changes
        ]
        ids = insert_rows(self.env, Message._table, self._columns(Message, messages), messages)
        values = [
            {**tracking, "mail_message_id": message_id}
            for message_id, (__, trackings) in zip(ids, changes, strict=True)
            for tracking in trackings
        ]
        insert_rows(self.env, Tracking._table, self._columns(Tracking, values), values)
        Message.invalidate_model()
        Tracking.invalidate_model()
        records.invalidate_recordset(["message_ids"])

    @api.model
    def _columns(self, model, rows):
        """{column: SQL type} of the fields given in ``rows``, for ``insert_rows``."""
        fnames = sorted({fname for row in rows for fname in row})
        return {fname: model._fields[fname].column_type[0] for fname in fnames}

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
        if content.startswith(XLSX_SIGNATURE):
            return self._read_xlsx(content), 0
        if content.startswith(XLS_SIGNATURE):
            return self._read_xls(content)
        raise UserError(self._corrupt_message())

    def _corrupt_message(self):
        return self.env._(
            "%(file)s cannot be read: it is damaged or is not an Excel workbook (a CSV, web "
            "page or PDF file renamed .xls, for instance). Open it in your spreadsheet and "
            "save it as .xlsx.",
            file=self.filename,
        )

    def _read_xls(self, content):
        try:
            book = xlrd.open_workbook(file_contents=content, on_demand=True)
            sheet = book.sheet_by_name(self._pick_sheet(book.sheet_names()))
            rows = [
                [self._xls_cell_value(cell, book.datemode) for cell in sheet.row(index)]
                for index in range(sheet.nrows)
            ]
        except UserError:
            raise
        except Exception as error:  # xlrd raises many kinds of errors on bad files
            _logger.info("Unreadable .xls file %s: %s", self.filename, error)
            raise UserError(self._corrupt_message()) from error
        return rows, book.datemode

    @api.model
    def _xls_cell_value(self, cell, datemode):
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
            except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                return f"#DATE {cell.value}"
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#ERROR")
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        return cell.value

    def _read_xlsx(self, content):
        book = None
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book[self._pick_sheet(book.sheetnames)]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        except UserError:
            raise
        except Exception as error:  # openpyxl raises many kinds of errors on bad files
            _logger.info("Unreadable .xlsx file %s: %s", self.filename, error)
            raise UserError(self._corrupt_message()) from error
        finally:
            if book is not None:
                book.close()

    def _pick_sheet(self, names):
        if not names:
            raise UserError(self._corrupt_message())
        if not self.sheet_name:
            return names[0]
        wanted = self._normalize_header(self.sheet_name)
        for name in names:
            if self._normalize_header(name) == wanted:
                return name
        raise UserError(
            self.env._(
                "%(file)s has no sheet named %(sheet)s (sheets: %(sheets)s).",
                file=self.filename,
                sheet=self.sheet_name,
                sheets=", ".join(names),
            )
        )

    @api.model
    def _normalize_header(self, value):
        """Header text compared without case, accents or extra spaces."""
        text = unicodedata.normalize("NFKD", self._cell_text(value))
        text = "".join(char for char in text if not unicodedata.combining(char))
        return " ".join(text.split()).casefold()

    def _map_columns(self, headers):
        """{mapping field: column index}; raise if a named column is missing."""
        positions = {}
        for index, header in enumerate(headers):
            positions.setdefault(self._normalize_header(header), index)
        columns, missing = {}, []
        for fname in self._mapping_field_names():
            if not fname.endswith("_column") or not self[fname]:
                continue
            index = positions.get(self._normalize_header(self[fname]))
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
                    file=self.filename,
                    found=", ".join(f"“{self._cell_text(h)}”" for h in headers if h is not None)
                    or self.env._("nothing"),
                )
            )
        return columns

    # ------------------------------------------------------------ row parsing

    def _prepare_lines(self, rows, datemode):
        """Values of the preview lines of these rows (the header row included)."""
        header_index = (self.header_row or 1) - 1
        headers = rows[header_index] if header_index < len(rows) else []
        if not any(not self._is_empty(cell) for cell in headers):
            raise UserError(
                self.env._(
                    "Row %(row)s of %(file)s, which should hold the column names, is empty.",
                    row=header_index + 1,
                    file=self.filename,
                )
            )
        columns = self._map_columns(headers)
        context = self._parse_context(datemode)
        records = [
            self._parse_row(index + 1, cells, headers, columns, context)
            for index, cells in enumerate(rows)
            if index > header_index and not all(self._is_empty(cell) for cell in cells)
        ]
        if not records:
            raise UserError(self.env._("%(file)s has no row to import.", file=self.filename))
        self._match_customers(records)
        self._check_duplicates(records)
        return self._lines_values(records)

    def _parse_context(self, datemode):
        codes = self.env["credit.solvency.rating"]._selection_codes()
        Translation = self.env["credit.solvency.import.preset.rating"]
        translation = self.preset_id._rating_translation() if self.preset_id else {}
        return {
            "datemode": datemode,
            "ratings": {Translation._normalize_grade(code): code for code, _name in codes},
            "translation": translation,
        }

    @api.model
    def _value_parsers(self):
        """{mapping field: (key in the check values, parser)}"""
        return {
            "rating_column": ("rating", self._parse_rating),
            "score_column": ("score", self._parse_score),
            "recommended_limit_column": ("recommended_limit", self._parse_amount),
            "insured_limit_column": ("insured_limit", self._parse_amount),
            "insurer_column": ("insurer", self._parse_text),
            "expiry_column": ("insured_expiry", self._parse_date),
        }

    def _parse_row(self, row_number, cells, headers, columns, context):
        def cell(fname):
            index = columns[fname]
            return cells[index] if index < len(cells) else None

        record = {"row": row_number, "keys": {}, "values": {}, "errors": [], "partner": None}
        for kind, fname in KEY_KINDS:
            if fname in columns:
                try:
                    key = self._parse_key(kind, cell(fname))
                except CellError as error:
                    record["errors"].append(self._cell_error(headers[columns[fname]], error))
                    continue
                if key:
                    record["keys"][kind] = key
        if not record["keys"] and not record["errors"]:
            record["errors"].append(
                self.env._(
                    "No VAT number, company registry number or reference to find the customer."
                )
            )
        for fname, (key, parser) in self._value_parsers().items():
            if fname not in columns or self._is_empty(cell(fname)):
                continue
            try:
                record["values"][key] = parser(cell(fname), context)
            except CellError as error:
                record["errors"].append(self._cell_error(headers[columns[fname]], error))
        if "insured_limit" in record["values"] and self.insurer_name:
            record["values"].setdefault("insurer", self.insurer_name)
        if not record["values"] and not record["errors"]:
            record["errors"].append(self.env._("Nothing to import on this row."))
        record["payload"] = json.dumps(
            {
                "file": self.filename,
                "row": row_number,
                "cells": {
                    self._cell_text(header): self._json_value(value)
                    for header, value in zip(headers, cells, strict=False)
                    if not self._is_empty(header) and not self._is_empty(value)
                },
            },
            ensure_ascii=False,
        )
        return record

    @api.model
    def _cell_error(self, header, error):
        """The message of a cell that cannot be read, with its column."""
        return self.env._("%(column)s: %(error)s", column=self._cell_text(header), error=str(error))

    @api.model
    def _json_value(self, value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    @api.model
    def _is_empty(self, value):
        return value is None or (isinstance(value, str) and not value.strip())

    @api.model
    def _cell_text(self, value):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value).strip()

    def _parse_key(self, kind, value):
        text = self._cell_text(value)
        if kind in ("vat", "registry") and any(
            char.isdigit() and not char.isascii() for char in text
        ):
            # full-width, Arabic-Indic, superscript... digits are no registry number
            raise CellError(
                self.env._("“%(value)s” is not written with the digits 0-9", value=text)
            )
        if kind == "vat":
            return re.sub(r"[^0-9A-Za-z]", "", text).upper()
        if kind == "registry":
            digits = re.sub(r"[^0-9]", "", text)
            if digits and isinstance(value, int | float):
                # a number cell loses the leading zeros of a SIREN / SIRET
                digits = digits.zfill(9) if len(digits) < 9 else digits
                digits = digits.zfill(14) if 9 < len(digits) < 14 else digits
            return digits
        return text.upper()

    def _parse_number(self, value):
        """A finite float, from a number cell or a text written with the file's
        decimal separator."""
        if isinstance(value, bool | datetime.date):
            raise CellError(self.env._("“%(value)s” is not a number", value=self._cell_text(value)))
        if isinstance(value, int | float):
            number = float(value)
        else:
            separator = self.decimal_separator or ","
            text = NUMBER_UNITS.sub("", str(value).strip()).strip()
            text = NUMBER_SPACES.sub(" ", text)
            grouped, plain = NUMBER_PATTERNS[separator]
            if not (text.isascii() and (grouped.match(text) or plain.match(text))):
                raise CellError(self.env._("“%(value)s” is not a number", value=str(value).strip()))
            thousands = " ,." if separator == "." else " ."
            for char in thousands:
                if char != separator:
                    text = text.replace(char, "")
            number = float(text.replace(separator, "."))
        if not math.isfinite(number):
            raise CellError(
                self.env._("“%(value)s” is not a number", value=self._number_text(value))
            )
        return number

    @api.model
    def _number_text(self, value):
        """A cell's number as the user may read it in a message: short, even
        for a huge one."""
        if isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e15:
            return f"{value:g}"
        return self._cell_text(value)

    def _parse_score(self, value, context):
        number = self._parse_number(value)
        if not 0 <= number <= 100:
            raise CellError(
                self.env._("the score %(value)s is outside 0-100", value=self._number_text(value))
            )
        return int(float_round(number, precision_digits=0))

    def _parse_amount(self, value, context):
        number = self._parse_number(value)
        if number < 0:
            raise CellError(
                self.env._("the amount %(value)s is negative", value=self._number_text(value))
            )
        if number >= AMOUNT_BOUND:
            raise CellError(
                self.env._(
                    "the amount %(value)s is too large (amounts are below %(bound)s)",
                    value=self._number_text(value),
                    bound=formatLang(self.env, AMOUNT_BOUND, digits=0),
                )
            )
        return self.company_id.currency_id.round(number)

    def _parse_rating(self, value, context):
        Translation = self.env["credit.solvency.import.preset.rating"]
        grade = Translation._normalize_grade(self._cell_text(value))
        code = context["translation"].get(grade) or context["ratings"].get(grade)
        if not code:
            raise CellError(
                self.env._(
                    "unknown rating “%(value)s” (translate it in the preset)",
                    value=self._cell_text(value),
                )
            )
        return code

    def _parse_text(self, value, context):
        return self._cell_text(value)

    def _parse_date(self, value, context):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:  # a date cell without a date format: Excel's day number
                return xlrd.xldate.xldate_as_datetime(value, context["datemode"]).date()
            except (xlrd.xldate.XLDateError, ValueError, OverflowError) as error:
                raise CellError(self._bad_date_message(value)) from error
        text = self._cell_text(value)
        for date_format in (self.date_format or "%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise CellError(self._bad_date_message(value))

    def _bad_date_message(self, value):
        return self.env._(
            "“%(value)s” is not a date like %(example)s",
            value=self._cell_text(value),
            example=datetime.date(2025, 12, 31).strftime(self.date_format or "%d/%m/%Y"),
        )

    # -------------------------------------------------------- customer matching

    def _match_customers(self, records):
        """Find the customer of each row with one query per kind of key."""
        wanted = defaultdict(set)
        for record in records:
            for kind, key in record["keys"].items():
                wanted[kind].add(key)
        found = {kind: self._search_customers(kind, keys) for kind, keys in wanted.items()}
        Partner = self.env["res.partner"]
        for record in records:
            if not record["keys"]:
                continue
            for kind, _fname in KEY_KINDS:
                partner_ids = found.get(kind, {}).get(record["keys"].get(kind), set())
                if len(partner_ids) == 1:
                    record["partner"] = Partner.browse(partner_ids)
                    break
                if len(partner_ids) > 1:
                    names = Partner.browse(sorted(partner_ids)).mapped("display_name")
                    record["errors"].append(
                        self.env._(
                            "%(key)s matches several customers: %(names)s",
                            key=record["keys"][kind],
                            names=", ".join(names),
                        )
                    )
                    break
            else:
                record["errors"].append(
                    self.env._(
                        "Unknown customer %(keys)s", keys=" / ".join(record["keys"].values())
                    )
                )

    def _search_customers(self, kind, keys):
        """{key: {commercial partner ids}} for the keys of one kind."""
        Partner = self.env["res.partner"]
        Partner.flush_model(
            ["vat", "company_registry", "ref", "active", "company_id", "commercial_partner_id"]
        )
        expression = {
            "vat": SQL("upper(regexp_replace(p.vat, '[^0-9A-Za-z]', '', 'g'))"),
            "registry": SQL("regexp_replace(p.company_registry, '[^0-9]', '', 'g')"),
            "ref": SQL("upper(btrim(p.ref))"),
        }[kind]
        keys = sorted(keys)
        condition = SQL("%s IN %s", expression, tuple(keys))
        if kind == "registry":
            sirens = tuple(sorted({key[:9] for key in keys if len(key) in (9, 14)} or {""}))
            condition = SQL("(%s OR left(%s, 9) IN %s)", condition, expression, sirens)
        rows = self.env.execute_query(
            SQL(
                """SELECT p.commercial_partner_id, %(expression)s
                     FROM res_partner p
                    WHERE p.active
                      AND (p.company_id IS NULL OR p.company_id = %(company)s)
                      AND %(condition)s""",
                expression=expression,
                company=self.company_id.id,
                condition=condition,
            )
        )
        wanted = set(keys)
        # a SIREN (9 digits) finds the customer registered with a SIRET (14), and back
        sirets = defaultdict(list)
        for key in keys:
            if kind == "registry" and len(key) == 14:
                sirets[key[:9]].append(key)
        result = defaultdict(set)
        for partner_id, partner_key in rows:
            if partner_key in wanted:
                result[partner_key].add(partner_id)
            if kind != "registry" or not partner_key:
                continue
            if len(partner_key) == 14 and partner_key[:9] in wanted:
                result[partner_key[:9]].add(partner_id)
            elif len(partner_key) == 9:
                for key in sirets.get(partner_key, ()):
                    result[key].add(partner_id)
        return result

    def _check_duplicates(self, records):
        by_partner = defaultdict(list)
        for record in records:
            if record["partner"]:
                by_partner[record["partner"].id].append(record)
        for same in by_partner.values():
            if len(same) < 2:
                continue
            rows = ", ".join(str(record["row"]) for record in same)
            for record in same:
                record["errors"].append(
                    self.env._(
                        "%(customer)s appears on several rows (%(rows)s)",
                        customer=record["partner"].display_name,
                        rows=rows,
                    )
                )

    # ----------------------------------------------------------- preview lines

    @api.model
    def _partner_fields(self):
        """{check value key: customer field}, for the current values."""
        return {
            "rating": "solvency_rating",
            "score": "solvency_score",
            "recommended_limit": "solvency_recommended_limit",
            "insured_limit": "credit_insured_limit",
            "insurer": "credit_insurer",
            "insured_expiry": "credit_insured_expiry",
        }

    def _lines_values(self, records):
        partners = self.env["res.partner"].browse(
            {record["partner"].id for record in records if record["partner"]}
        )
        partners = partners.with_company(self.company_id)
        partners.fetch(list(self._partner_fields().values()))
        return [self._line_values(record) for record in records]

    def _line_values(self, record):
        partner = record["partner"].with_company(self.company_id) if record["partner"] else None
        vals = {
            "row_number": record["row"],
            "key": " / ".join(record["keys"].values()),
            "partner_id": partner.id if partner else False,
            "payload": record["payload"],
            "values": json.dumps(record["values"], default=self._json_value),
        }
        changed = False
        for key, fname in self._partner_fields().items():
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
        if key in ("recommended_limit", "insured_limit"):
            rounding = self.company_id.currency_id.rounding
            return float_compare(current or 0.0, new or 0.0, precision_rounding=rounding) != 0
        return (current or False) != (new or False)
