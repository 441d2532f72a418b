from . import credit_statement_report
from . import credit_aged_balance_report
