from . import credit_statement_report
