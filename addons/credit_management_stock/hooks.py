# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).


def post_init_hook(env):
    """Customers already on credit hold at installation: their open
    deliveries are held from now on, as if the hold had just been set."""
    env["res.company"].search([])._credit_sync_delivery_holds()
