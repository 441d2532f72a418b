# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import io
import logging
import os
import time

import openpyxl

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import split_every

_logger = logging.getLogger(__name__)

# seconds of work per call of the cron, well within the time limit of a worker;
# the cron is called again at once for what is left
CRON_TIME_BUDGET = 60.0
# fields an import wizard passes to its background import, and back
IMPORT_FIELDS = ("company_id", "preset_id", "source_name", "file", "filename", "only_valid")


class CreditSolvencyImportJob(models.Model):
    """The import of a large solvency file, left by the import wizard to a cron
    (``_cron_process_jobs``), which reads and checks the file again, imports it
    in committed batches and tells the user who launched it.

    As in the wizard, a file with errors writes nothing unless "Import only
    valid rows" was ticked. An import stopped half-way resumes after the last
    row imported (``last_row``)."""

    _name = "credit.solvency.import.job"
    _description = "Solvency Background Import"
    _inherit = ["credit.solvency.import.mapping", "mail.thread"]
    _order = "id desc"
    _rec_name = "filename"

    filename = fields.Char(string="File Name", required=True, readonly=True)
    file = fields.Binary(attachment=True, required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Launched By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    preset_id = fields.Many2one("credit.solvency.import.preset", readonly=True)
    source_name = fields.Char(string="Source", readonly=True)
    only_valid = fields.Boolean(string="Import Only Valid Rows", readonly=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "In Progress"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
    )
    row_count = fields.Integer(string="Rows", readonly=True)
    last_row = fields.Integer(
        readonly=True, help="Row of the file up to which the customers are updated."
    )
    changed_count = fields.Integer(string="Customers Updated", readonly=True)
    unchanged_count = fields.Integer(string="Confirmed without Change", readonly=True)
    error_count = fields.Integer(string="Rows with Errors", readonly=True)
    result = fields.Text(readonly=True)
    date_done = fields.Datetime(string="Finished On", readonly=True)

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_process_jobs(self, batch_size=1000):
        """Import the queued files, oldest first, in batches of rows committed
        one by one; report the progress to the cron. After about a minute of
        work, stop and leave the rest to the next call (the cron calls again at
        once when rows remain)."""
        jobs = self.search([("state", "in", ("queued", "running"))], order="id")
        deadline = time.monotonic() + CRON_TIME_BUDGET
        progress = {"done": 0, "waiting": sum(jobs.mapped("row_count"))}
        for job in jobs:
            progress["waiting"] -= job.row_count
            if not job._process(batch_size, deadline, progress):
                return

    def _trigger_processing(self):
        cron = self.env.ref("credit_management.ir_cron_solvency_import", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _process(self, batch_size, deadline, progress):
        """Import this file (what is left of it), as the user who launched it.

        :return: False if the time is up before the end of the file
        """
        self.ensure_one()
        job = self.with_user(self.user_id).with_company(self.company_id)
        job = job.with_context(lang=self.user_id.lang)
        wizard = job.env["credit.solvency.import.wizard"]
        try:
            wizard = wizard.create(job._import_values(job))
            wizard._check_import_access()
            wizard._check_import_mapping()
            rows = wizard._read_lines()
        except (UserError, ValidationError, AccessError) as error:
            job._fail(str(error), [])
            return True
        errors = [row for row in rows if row["status"] == "error"]
        todo = [
            row for row in rows if row["status"] != "error" and row["row_number"] > job.last_row
        ]
        if job.state == "queued":
            refusal = wizard._refusal_message(errors, bool(todo))
            if refusal:
                job._fail(refusal, errors)
                return True
            job.write({"state": "running", "error_count": len(errors)})
        source = wizard._import_source()
        Writer = job.env["credit.solvency.import.writer"]
        remaining = len(todo)
        for batch in split_every(batch_size, todo):
            try:
                with self.env.cr.savepoint():
                    Writer._import_rows(batch, job.company_id, source)
            except (UserError, ValidationError, AccessError) as error:
                message = job.env._(
                    "The import of %(file)s stopped at row %(row)s: %(error)s. The rows "
                    "before it were imported.",
                    file=job.filename,
                    row=batch[0]["row_number"],
                    error=str(error),
                )
                job._fail(message, errors)
                job._commit()
                return True
            changed = sum(row["status"] == "change" for row in batch)
            job.write(
                {
                    "last_row": batch[-1]["row_number"],
                    "changed_count": job.changed_count + changed,
                    "unchanged_count": job.unchanged_count + len(batch) - changed,
                }
            )
            remaining -= len(batch)
            progress["done"] += len(batch)
            self.env["ir.cron"]._notify_progress(
                done=progress["done"], remaining=remaining + progress["waiting"]
            )
            if remaining:
                job._commit()
                if time.monotonic() > deadline:
                    return False
        job._finish(wizard, errors)
        job._commit()
        return True

    @api.model
    def _import_values(self, record):
        """What an import needs of ``record`` (an import wizard or job) to be
        made again: its file, source, option and mapping."""
        record.ensure_one()
        values = {fname: record[fname] for fname in IMPORT_FIELDS}
        return {**record._mapping_values(), **record._convert_to_write(values)}

    def _commit(self):
        if not modules.module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _finish(self, wizard, errors):
        self.ensure_one()
        preset = self.preset_id or wizard._find_or_create_preset()
        message = wizard._log_import(preset, self.changed_count, self.unchanged_count, len(errors))
        self.write(
            {
                "state": "done",
                "result": message,
                "error_count": len(errors),
                "date_done": fields.Datetime.now(),
            }
        )
        self._notify_user(message, errors, "warning" if errors else "success")

    def _fail(self, message, errors):
        self.ensure_one()
        self.write(
            {
                "state": "failed",
                "result": message,
                "error_count": len(errors),
                "date_done": fields.Datetime.now(),
            }
        )
        self._notify_user(message, errors, "danger")

    def _notify_user(self, message, errors, kind):
        """Tell the user who launched the import: in the chatter of the import
        (an inbox notification, with the report of the rows in error) and at
        once in the web client if connected."""
        self.ensure_one()
        attachments = []
        if errors:
            attachments.append(self._error_report(errors))
        self.sudo().message_post(
            body=message,
            author_id=self.env.ref("base.partner_root").id,
            partner_ids=self.user_id.partner_id.ids,
            attachments=attachments,
            subtype_xmlid="mail.mt_note",
        )
        self.user_id._bus_send(
            "simple_notification",
            {
                "title": self.env._("Import Solvency Ratings"),
                "message": message,
                "type": kind,
                "sticky": kind != "success",
            },
        )

    def _error_report(self, errors):
        """``(name, content)`` of a workbook listing the rows in error."""
        self.ensure_one()
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(self.env._("Errors"))
        sheet.append([self.env._("Row"), self.env._("Customer Key"), self.env._("Error")])
        for row in errors:
            sheet.append([row["row_number"], row.get("key") or "", row.get("message") or ""])
        buffer = io.BytesIO()
        book.save(buffer)
        stem = os.path.splitext(self.filename)[0]
        name = self.env._("%(file)s - errors.xlsx", file=stem)
        return name, buffer.getvalue()
