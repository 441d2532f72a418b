from . import test_credit_stock
from . import test_credit_stock_tour
