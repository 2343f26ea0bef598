"""Web UI URLs of the commitments app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

from . import (
    views_customers,
    views_exceptions,
    views_findings,
    views_imports,
    views_packing,
    views_precheck,
    views_privacy,
    views_worklist,
)

app_name = "commitments"
urlpatterns = [
    path("today/", views_worklist.worklist_page, name="worklist"),
    path("packing/", views_packing.packing_page, name="packing"),
    path("precheck/", views_precheck.precheck_page, name="precheck"),
    path("precheck/occasions/", views_precheck.precheck_occasions, name="precheck-occasions"),
    path("customers/", views_customers.customer_list, name="customer-list"),
    # The customer's id is in the form (ids may hold "/"): manager only, POST only.
    path("privacy/erase/", views_privacy.customer_erase_view, name="customer-erase"),
    path("customers/search/", views_customers.customer_search, name="customer-search"),
    # path: a shop's customer ids may hold "/"; listed after search/ so that stays reachable.
    path("customers/<path:customer>/", views_customers.customer_detail, name="customer-detail"),
    path("findings/", views_findings.finding_list, name="finding-list"),
    path("findings/<int:pk>/", views_findings.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/status/", views_findings.finding_status, name="finding-status"),
    path("findings/<int:pk>/public/", views_findings.finding_public, name="finding-public"),
    path("findings/export.csv", views_findings.finding_export, name="finding-export"),
    path("findings/status/", views_findings.finding_status_bulk, name="finding-status-bulk"),
    path("exceptions/", views_exceptions.exception_queue, name="exception-queue"),
    path("exceptions/<int:pk>/decide/", views_exceptions.exception_decide, name="exception-decide"),
    path(
        "exceptions/decide/",
        views_exceptions.exception_decide_bulk,
        name="exception-decide-bulk",
    ),
    path("imports/", views_imports.import_list, name="import-list"),
    path("imports/example.csv", views_imports.import_example, name="import-example"),
    path("imports/<int:import_id>/", views_imports.import_detail, name="import-detail"),
    path("imports/<int:import_id>/status/", views_imports.import_status, name="import-status"),
    path("imports/<int:import_id>/undo/", views_imports.import_undo_page, name="import-undo"),
]
