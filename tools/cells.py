# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The cells of a spreadsheet row read as the values they stand for: numbers
written as text with the file's punctuation, amounts and scores within their
bounds, grades, dates, customer keys.

Plain Python, no ORM: a cell that cannot be read raises ``CellError`` with a
code and the values of its message; the caller words (and translates) it.
"""

import datetime
import math
import re

import xlrd

from odoo.tools.float_utils import float_round

from . import company_ids
from .text import normalize_grade

NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]+")
NUMBER_UNITS = re.compile(r"^[€$£]|(?:[€$£%]|EUR)$", re.IGNORECASE)
NUMBER_PATTERNS = {
    ",": (re.compile(r"^-?\d{1,3}(?:[ .]\d{3})+(?:,\d+)?$"), re.compile(r"^-?\d+(?:,\d+)?$")),
    ".": (re.compile(r"^-?\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?$"), re.compile(r"^-?\d+(?:\.\d+)?$")),
}
DEFAULT_DATE_FORMAT = "%d/%m/%Y"
ISO_DATE_FORMAT = "%Y-%m-%d"

# Codes of CellError, with the values (params) their message shows.
FOREIGN_DIGITS = "foreign_digits"  # value
NOT_A_NUMBER = "not_a_number"  # value
SCORE_OUT_OF_RANGE = "score_out_of_range"  # value
NEGATIVE_AMOUNT = "negative_amount"  # value
AMOUNT_TOO_LARGE = "amount_too_large"  # value, bound
UNKNOWN_RATING = "unknown_rating"  # value
NOT_A_DATE = "not_a_date"  # value, example


class CellError(Exception):
    """A cell whose content cannot be read: ``code`` says why, ``params`` holds
    the values of the message that tells the user."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


def is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value):
    """A cell as the user reads it: an integral number without ".0", a date in
    ISO format, a text without its surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def number_text(value):
    """A cell's number as the user may read it in a message: short, even for a
    huge one."""
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e15:
        return f"{value:g}"
    return cell_text(value)


def json_value(value):
    """A cell's value as JSON can hold it (``json.dumps``' ``default``)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def parse_key(kind, value):
    """A customer key ("vat", "registry" or "ref") as compared with the customers': a VAT
    number's letters and digits, a registry number's digits (the leading zeros
    a number cell lost put back), a reference in upper case."""
    text = cell_text(value)
    if kind in ("vat", "registry") and company_ids.has_foreign_digits(text):
        raise CellError(FOREIGN_DIGITS, value=text)
    if kind == "vat":
        return company_ids.vat_key(text)
    if kind == "registry":
        return company_ids.registry_key(text, from_number=isinstance(value, int | float))
    return text.upper()


class CellReader:
    """Reads the cells of one file with its settings.

    :param str separator: decimal separator of the numbers written as text ("," or ".")
    :param str date_format: format of the dates written as text (ISO dates are read too)
    :param int datemode: the workbook's date system, for day numbers in date columns
    :param dict grades: {normalised grade: rating code} (see ``normalize_grade``)
    :param float amount_bound: amounts must be below it
    """

    def __init__(
        self, separator=",", date_format=None, datemode=0, grades=None, amount_bound=math.inf
    ):
        self.separator = separator or ","
        self.date_format = date_format or DEFAULT_DATE_FORMAT
        self.datemode = datemode
        self.grades = grades or {}
        self.amount_bound = amount_bound

    def number(self, value):
        """A finite float, from a number cell or a text written with the file's
        decimal separator."""
        if isinstance(value, bool | datetime.date):
            raise CellError(NOT_A_NUMBER, value=cell_text(value))
        if isinstance(value, int | float):
            number = float(value)
        else:
            separator = self.separator
            text = NUMBER_UNITS.sub("", str(value).strip()).strip()
            text = NUMBER_SPACES.sub(" ", text)
            grouped, plain = NUMBER_PATTERNS[separator]
            if not (text.isascii() and (grouped.match(text) or plain.match(text))):
                raise CellError(NOT_A_NUMBER, value=str(value).strip())
            thousands = " ,." if separator == "." else " ."
            for char in thousands:
                if char != separator:
                    text = text.replace(char, "")
            number = float(text.replace(separator, "."))
        if not math.isfinite(number):
            raise CellError(NOT_A_NUMBER, value=number_text(value))
        return number

    def score(self, value):
        """An integer score from 0 to 100."""
        number = self.number(value)
        if not 0 <= number <= 100:
            raise CellError(SCORE_OUT_OF_RANGE, value=number_text(value))
        return int(float_round(number, precision_digits=0))

    def amount(self, value):
        """An amount from 0 to below ``amount_bound`` (not rounded)."""
        number = self.number(value)
        if number < 0:
            raise CellError(NEGATIVE_AMOUNT, value=number_text(value))
        if number >= self.amount_bound:
            raise CellError(AMOUNT_TOO_LARGE, value=number_text(value), bound=self.amount_bound)
        return number

    def rating(self, value):
        """The rating code of a grade (case, accents and spaces ignored)."""
        code = self.grades.get(normalize_grade(cell_text(value)))
        if not code:
            raise CellError(UNKNOWN_RATING, value=cell_text(value))
        return code

    def text(self, value):
        return cell_text(value)

    def date(self, value):
        """A date, from a date cell, Excel's day number or a text written in
        the file's date format or in ISO format."""
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:  # a date cell without a date format: Excel's day number
                return xlrd.xldate.xldate_as_datetime(value, self.datemode).date()
            except (xlrd.xldate.XLDateError, ValueError, OverflowError) as error:
                raise self._not_a_date(value) from error
        text = cell_text(value)
        for date_format in (self.date_format, ISO_DATE_FORMAT):
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise self._not_a_date(value)

    def _not_a_date(self, value):
        example = datetime.date(2025, 12, 31).strftime(self.date_format)
        return CellError(NOT_A_DATE, value=cell_text(value), example=example)
