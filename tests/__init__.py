from . import test_credit_exposure
from . import test_credit_blocking
from . import test_credit_security
from . import test_credit_portal
from . import test_credit_tour
from . import test_credit_dunning
from . import test_credit_dunning_tour
