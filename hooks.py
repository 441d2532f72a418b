# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).


def post_init_hook(env):
    """Defaults of the companies that exist at installation, as new companies get
    them: the default dunning schedule (the data files give it to the main
    company; the others get a copy) and the suspension-lifted email."""
    main_company = env.ref("base.main_company", raise_if_not_found=False)
    companies = env["res.company"].search([])
    (companies - main_company)._dunning_create_default_levels()
    template = env.ref(
        "credit_management.mail_template_dunning_suspension_lifted", raise_if_not_found=False
    )
    companies.filtered(lambda company: not company.dunning_lift_mail_template_id).write(
        {"dunning_lift_mail_template_id": template.id if template else False}
    )
