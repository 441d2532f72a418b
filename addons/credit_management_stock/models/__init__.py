from . import res_company
from . import res_config_settings
from . import res_partner
from . import credit_decision
from . import stock_picking
from . import stock_move
from . import sale_order
