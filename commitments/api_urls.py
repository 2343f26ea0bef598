"""REST API URLs of the commitments app, under /api/v1/."""

from django.urls import path

from . import api, api_imports, api_log, api_prechecks, api_privacy

urlpatterns = [
    path("shops/<slug:shop>/occasions/", api.OccasionRecordApi.as_view(), name="occasion-record"),
    path("shops/<slug:shop>/actions/", api.ActionRecordApi.as_view(), name="action-record"),
    path("shops/<slug:shop>/log/", api_log.LogBulkRecordApi.as_view(), name="log-bulk-record"),
    path(
        "shops/<slug:shop>/prechecks/",
        api_prechecks.PrecheckRunApi.as_view(),
        name="precheck-run",
    ),
    path("shops/<slug:shop>/findings/", api.FindingListApi.as_view(), name="finding-list"),
    path(
        "shops/<slug:shop>/findings/<int:finding_id>/public/",
        api.FindingPublicApi.as_view(),
        name="finding-public",
    ),
    path(
        "shops/<slug:shop>/customers/<str:customer>/commitments/",
        api.CustomerCommitmentListApi.as_view(),
        name="customer-commitment-list",
    ),
    path(
        "shops/<slug:shop>/customers/<str:customer>/erase/",
        api_privacy.CustomerEraseApi.as_view(),
        name="customer-erase",
    ),
    path("shops/<slug:shop>/imports/", api_imports.ImportsApi.as_view(), name="imports"),
    path(
        "shops/<slug:shop>/imports/<int:import_id>/",
        api_imports.ImportDetailApi.as_view(),
        name="import-detail",
    ),
    path(
        "shops/<slug:shop>/imports/<int:import_id>/undo/",
        api_imports.ImportUndoApi.as_view(),
        name="import-undo",
    ),
]
