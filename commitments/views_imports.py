"""Import pages: check a CSV file (dry run), import it, follow its progress, read its errors."""

import os
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import shop_for
from accounts.models import Role

from .imports import (
    ERRORS_KEPT,
    ImportUndoRefused,
    import_create,
    import_dry_run,
    import_progress,
    import_undo,
    upload_validate,
)
from .imports import (
    columns as import_columns,
)
from .models import Import, ImportStatus

EXAMPLE = Path(__file__).resolve().parent / "static" / "commitments" / "example-import.csv"
LISTED = 50
RECORDS = {
    "both": gettext_lazy("both"),
    "occasion": gettext_lazy("occasions"),
    "action": gettext_lazy("actions"),
}
STATUS_TEXT = {
    ImportStatus.QUEUED: gettext_lazy("Queued: waiting for the background worker"),
    ImportStatus.RUNNING: gettext_lazy("Running"),
    ImportStatus.DONE: gettext_lazy("Done"),
    ImportStatus.FAILED: gettext_lazy("Failed"),
    ImportStatus.UNDONE: gettext_lazy("Undone: its records were removed"),
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _state(imp: Import) -> dict:
    """Return what the progress display shows (the JSON the detail page polls)."""
    return {
        "id": imp.pk,
        "status": imp.status,
        "status_text": str(STATUS_TEXT.get(imp.status, imp.status)),
        "finished": imp.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNDONE),
        "progress": import_progress(imp),
        "percent": int(import_progress(imp) * 100),
        "counts": {
            "rows": imp.rows,
            "stored": imp.stored,
            "duplicates": imp.duplicates,
            "rejected": imp.rejected,
        },
    }


def _shop_import(shop, import_id) -> Import:
    imp = Import.objects.filter(shop=shop, pk=import_id).select_related("created_by").first()
    if imp is None:
        raise Http404("No such import.")
    return imp


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request, shop):
    """Show the upload form, the columns, and the shop's past imports; take an upload."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    form = ImportUploadForm()
    check = None
    session_key = f"import-check-{shop.pk}"
    if request.method == "POST" and request.POST.get("op") == "confirm":
        return _confirm_checked(request, shop, session_key)
    if request.method == "POST" and request.POST.get("op") == "check":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                check = _dry_run(request, shop, form.cleaned_data["file"], session_key)
            except ValidationError as error:
                form.add_error("file", error)
    elif request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                imp = import_create(
                    shop=shop,
                    upload=form.cleaned_data["file"],
                    created_by=request.user,
                    max_bytes=settings.IMPORT_MAX_BYTES,
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("commitments:import-detail", shop=shop.slug, import_id=imp.pk)
    imports = [
        {"import": imp, **_state(imp)}
        for imp in Import.objects.filter(shop=shop).order_by("-created_at", "-id")[:LISTED]
    ]
    columns = [
        {
            "name": column.name,
            "required": column.required,
            "records": RECORDS[column.records],
            "description": column.description,
        }
        for column in import_columns()
    ]
    return render(
        request,
        "commitments/import_list.html",
        {
            "shop": shop,
            "form": form,
            "imports": imports,
            "columns": columns,
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "check": check,
        },
        status=400 if request.method == "POST" and check is None else 200,
    )


def _dry_run(request, shop, upload, session_key: str) -> dict:
    """Check the whole file (nothing stored), keep the file aside for the confirmation."""
    upload_validate(upload, max_bytes=settings.IMPORT_MAX_BYTES)
    name = os.path.basename(upload.name)[:200]
    path = default_storage.save(f"import-checks/{uuid.uuid4().hex}.csv", upload)
    with default_storage.open(path, "rb") as stream:
        result = import_dry_run(
            shop=shop, stream=stream, filename=name, size=upload.size, created_by=request.user
        )
    previous = request.session.get(session_key)
    if previous:
        default_storage.delete(previous["path"])
    request.session[session_key] = {"path": path, "filename": name}
    return result


def _confirm_checked(request, shop, session_key: str):
    """Import the file checked by the last dry run; it is then removed from the side."""
    checked = request.session.pop(session_key, None)
    if not checked or not default_storage.exists(checked["path"]):
        messages.error(request, _("Check the file again: the checked file is no longer kept."))
        return redirect("commitments:import-list", shop=shop.slug)
    with default_storage.open(checked["path"], "rb") as stream:
        upload = File(stream, name=checked["filename"])
        upload.size = default_storage.size(checked["path"])
        imp = import_create(
            shop=shop, upload=upload, created_by=request.user, max_bytes=settings.IMPORT_MAX_BYTES
        )
    default_storage.delete(checked["path"])
    return redirect("commitments:import-detail", shop=shop.slug, import_id=imp.pk)


@login_required
@require_GET
def import_detail(request, shop, import_id):
    """Show an import's counts, its progress (updated without reload) and its row errors."""
    shop, role = shop_for(request.user, shop, role=Role.STAFF)
    imp = _shop_import(shop, import_id)
    truncated = next((w for w in imp.warnings if w.get("code") == "errors_truncated"), None)
    return render(
        request,
        "commitments/import_detail.html",
        {
            "shop": shop,
            "imp": imp,
            "state": _state(imp),
            "warnings": [w for w in imp.warnings if w is not truncated],
            "truncated": truncated,
            "errors_kept": ERRORS_KEPT,
            "can_undo": role == Role.MANAGER
            and imp.status in (ImportStatus.DONE, ImportStatus.FAILED),
        },
    )


@login_required
@require_POST
def import_undo_page(request, shop, import_id):
    """Undo an import (managers): delete what it stored, unless its judgements were acted on."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    imp = _shop_import(shop, import_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the confirmation box to undo the import."))
        return redirect("commitments:import-detail", shop=shop.slug, import_id=imp.pk)
    try:
        result = import_undo(imp=imp, by=request.user)
    except ImportUndoRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _(
                "Import undone: %(actions)s actions and %(occasions)s occasions removed, "
                "their customers judged again."
            )
            % {"actions": result.actions, "occasions": result.occasions},
        )
    return redirect("commitments:import-detail", shop=shop.slug, import_id=imp.pk)


@login_required
@require_GET
def import_status(request, shop, import_id):
    """Return the import's status, progress and counts as JSON (polled by the detail page)."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    return JsonResponse(_state(_shop_import(shop, import_id)))


@login_required
@require_GET
def import_example(request, shop):
    """Return the example CSV file (every kind of occasion and action, an exception)."""
    shop_for(request.user, shop, role=Role.STAFF)
    response = FileResponse(
        EXAMPLE.open("rb"), as_attachment=True, filename="tsuzuku-EXAMPLE-sample-data.csv"
    )
    response["Content-Type"] = "text/csv; charset=utf-8"
    return response
