# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Customer Credit Management",
    "summary": "Credit limits, live exposure, credit holds and approval of blocked orders",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/credit-management/credit_management",
    "author": "Credit Management developers",
    "license": "LGPL-3",
    "depends": ["account", "sale", "mail"],
    "data": [
        "security/credit_management_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/mail_activity_type_data.xml",
        "wizards/credit_block_wizard_views.xml",
        "wizards/credit_decision_wizard_views.xml",
        "wizards/credit_hold_wizard_views.xml",
        "wizards/credit_limit_wizard_views.xml",
        "views/credit_decision_views.xml",
        "views/credit_limit_change_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/credit_management_menus.xml",
    ],
    "demo": ["demo/credit_management_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "credit_management/static/tests/tours/*.js",
        ],
    },
}
