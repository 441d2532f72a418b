from . import credit_picking_release_wizard
