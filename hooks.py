# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).


def post_init_hook(env):
    """The data files give the main company the default dunning schedule; the
    other companies of the database get a copy of it, as new companies do."""
    main_company = env.ref("base.main_company", raise_if_not_found=False)
    companies = env["res.company"].search([("id", "!=", main_company.id if main_company else 0)])
    companies._dunning_create_default_levels()
