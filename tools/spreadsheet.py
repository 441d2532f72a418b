# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The rows of one sheet of an Excel workbook (.xls through xlrd, .xlsx
through openpyxl), the format told by the file's content, not its name.

Plain Python, no ORM: a file that cannot be read raises ``SpreadsheetError``
with a code and the values of its message; the caller words (and translates) it.
"""

import io

import openpyxl
import xlrd

from .text import normalize_header

XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file (BIFF .xls)
XLSX_SIGNATURE = b"PK\x03\x04"  # zip container (Office Open XML .xlsx)

# Codes of SpreadsheetError, with the values (params) their message shows.
UNREADABLE = "unreadable"  # the file is damaged or is not an Excel workbook
NO_SUCH_SHEET = "no_such_sheet"  # sheet, sheets


class SpreadsheetError(Exception):
    """A workbook that cannot be read: ``code`` says why, ``params`` holds the
    values of the message that tells the user; the reader's own error, if any,
    is the cause (``__cause__``)."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


def read_rows(content, sheet_name=None):
    """All rows of a sheet, as lists of cell values (None for an empty cell,
    a ``datetime`` for a date cell), and the workbook's date system (for the
    day numbers written in date columns).

    :param bytes content: the file
    :param str sheet_name: the sheet to read (case, accents and spaces
        ignored); the first sheet if empty
    :return: ``(rows, datemode)``
    :raise SpreadsheetError: if the file cannot be read or has no such sheet
    """
    if content.startswith(XLSX_SIGNATURE):
        return read_xlsx(content, sheet_name), 0
    if content.startswith(XLS_SIGNATURE):
        return read_xls(content, sheet_name)
    raise SpreadsheetError(UNREADABLE)


def read_xls(content, sheet_name=None):
    """``(rows, datemode)`` of a sheet of a .xls workbook."""
    try:
        book = xlrd.open_workbook(file_contents=content, on_demand=True)
        sheet = book.sheet_by_name(pick_sheet(book.sheet_names(), sheet_name))
        rows = [
            [xls_cell_value(cell, book.datemode) for cell in sheet.row(index)]
            for index in range(sheet.nrows)
        ]
    except SpreadsheetError:
        raise
    except Exception as error:  # xlrd raises many kinds of errors on bad files
        raise SpreadsheetError(UNREADABLE) from error
    return rows, book.datemode


def xls_cell_value(cell, datemode):
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


def read_xlsx(content, sheet_name=None):
    """The rows of a sheet of a .xlsx workbook."""
    book = None
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book[pick_sheet(book.sheetnames, sheet_name)]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except SpreadsheetError:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on bad files
        raise SpreadsheetError(UNREADABLE) from error
    finally:
        if book is not None:
            book.close()


def pick_sheet(names, sheet_name=None):
    """The name of the sheet to read among ``names``: the one named
    ``sheet_name`` (case, accents and spaces ignored), else the first one."""
    if not names:
        raise SpreadsheetError(UNREADABLE)
    if not sheet_name:
        return names[0]
    wanted = normalize_header(sheet_name)
    for name in names:
        if normalize_header(name) == wanted:
            return name
    raise SpreadsheetError(NO_SUCH_SHEET, sheet=sheet_name, sheets=list(names))
