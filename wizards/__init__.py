from . import credit_block_wizard
from . import credit_decision_wizard
from . import credit_hold_wizard
from . import credit_limit_wizard
from . import credit_promise_wizard
from . import credit_solvency_import_wizard
from . import credit_solvency_import_line
from . import credit_aged_balance_wizard
