# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Customer Credit Management - Deliveries",
    "summary": "Deliveries of customers on credit hold are held in the warehouse",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/credit-management/credit_management",
    "author": "Credit Management developers",
    "license": "LGPL-3",
    "depends": ["credit_management", "sale_stock"],
    "data": [
        "security/ir.model.access.csv",
        "wizards/credit_picking_release_wizard_views.xml",
        "views/stock_picking_views.xml",
        "views/sale_order_views.xml",
        "views/credit_decision_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": ["demo/credit_management_stock_demo.xml"],
    "post_init_hook": "post_init_hook",
    "auto_install": True,
    "assets": {
        "web.assets_tests": [
            "credit_management_stock/static/tests/tours/*.js",
        ],
    },
}
