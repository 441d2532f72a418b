from . import res_company
from . import res_currency
from . import res_config_settings
from . import credit_limit_change
from . import credit_decision
from . import res_partner
from . import sale_order
from . import account_move
