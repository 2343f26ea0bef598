"""REST API of promises: kinds, create, list in force, detail, edit (a version), versions,
impact preview, retire.

Thin: every method parses input, calls one service or selector, and renders. A URL with
two methods (list and create; detail, edit and retire) is one class, each method with its
own input and output serializers. Times are read and written in the shop's timezone.
"""

from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import shop_for
from accounts.models import Role

# One error body for the whole API schema (one OpenAPI component).
from config.api_errors import ApiError, ErrorsSerializer

from . import selectors, services
from .error_codes import PromiseErrorCode
from .kinds import registry

TAGS = ["promises"]


def _errors(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorsSerializer, description=description)


NOT_FOUND = {404: _errors("No such shop or promise (or not a member of the shop): not_found.")}
FORBIDDEN = {403: _errors("The role in the shop is too low: permission_denied.")}
INVALID = {400: _errors("Invalid input: unknown_kind, invalid_param, required, ...")}
RETIRED = {409: _errors("The promise is retired: promise_retired.")}
DUPLICATE = {
    409: _errors(
        "The shop has a promise of this kind already: duplicate_kind (send "
        "confirm_duplicate_kind: true to add a second one)."
    )
}


# ------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------
def _shop(request, slug: str, *, role: str):
    """Return the shop for this request; a too-low role is 403 permission_denied."""
    try:
        shop, _role = shop_for(request.user, slug, role=role)
    except PermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied)) from None
    return shop


@contextmanager
def _shop_time(shop):
    """Read times without an offset, and write times, in the shop's timezone."""
    with timezone.override(ZoneInfo(shop.timezone)):
        yield


def _promise(shop, promise_id):
    """Return the shop's promise, or raise 404 not_found (another shop's promise too)."""
    promise = selectors.shop_promise(shop=shop, promise_id=promise_id)
    if promise is None:
        raise ApiError(
            code=PromiseErrorCode.NOT_FOUND,
            message=_("No such promise in this shop."),
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return promise


def _not_retired(promise):
    if promise.retired_at is not None:
        raise ApiError(
            code=PromiseErrorCode.PROMISE_RETIRED,
            message=_("The promise is retired; it cannot change any more."),
            status_code=status.HTTP_409_CONFLICT,
        )


def _raise_duplicate_kind(error: DjangoValidationError) -> None:
    """Turn the service's duplicate_kind refusal into 409 (other errors stay 400)."""
    for item in getattr(error, "error_dict", {}).get("kind", []):
        if item.code == PromiseErrorCode.DUPLICATE_KIND:
            raise ApiError(
                code=PromiseErrorCode.DUPLICATE_KIND,
                field="kind",
                message=" ".join(item.messages),
                status_code=status.HTTP_409_CONFLICT,
            )


def _merged(current: dict, params):
    """Return partial parameters laid over the current ones (anything else as sent)."""
    return {**current, **params} if isinstance(params, dict) else params


def _promise_data(promise, version) -> dict:
    """Return the API's view of a promise as of one of its versions."""
    return PromiseOutputSerializer(
        {
            "id": promise.pk,
            "kind": promise.kind,
            "name": promise.name,
            "version": version.number,
            "params": version.params,
            "effective_from": version.effective_from,
            "retired_at": promise.retired_at,
            "created_at": promise.created_at,
        }
    ).data


# ------------------------------------------------------------------------------
# Output serializers shared by several operations
# ------------------------------------------------------------------------------
class PromiseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="The number of the version shown.")
    params = serializers.JSONField(help_text="Every parameter, defaults filled.")
    effective_from = serializers.DateTimeField(help_text="When this version took effect.")
    retired_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class VersionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    params = serializers.JSONField()
    author = serializers.CharField(allow_null=True, source="author.username", default=None)
    reason = serializers.CharField()
    effective_from = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


# ------------------------------------------------------------------------------
# Kinds
# ------------------------------------------------------------------------------
class PromiseKindOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    label_ja = serializers.CharField()
    label_en = serializers.CharField()
    occasion_kind = serializers.CharField()
    action_kind = serializers.CharField()
    level_unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    params_schema = serializers.JSONField(help_text="JSON-schema-like, with defaults.")
    defaults = serializers.JSONField(help_text="The parameters when none are given.")


class PromiseKindListApi(APIView):
    """List every promise kind with its parameter schema and defaults."""

    @extend_schema(
        operation_id="promise_kind_list",
        responses={200: PromiseKindOutputSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        kinds = [
            {
                "id": kind.id,
                "label_ja": kind.label_ja,
                "label_en": kind.label_en,
                "occasion_kind": kind.occasion_kind,
                "action_kind": kind.action_kind,
                "level_unit": kind.level_unit,
                "higher_is_better": kind.higher_is_better,
                "params_schema": kind.params_schema(),
                "defaults": kind.validate_params({}),
            }
            for kind in registry.all()
        ]
        return Response(PromiseKindOutputSerializer(kinds, many=True).data)


# ------------------------------------------------------------------------------
# /shops/{shop}/promises/: list (in force now) and create
# ------------------------------------------------------------------------------
class PromiseCreateInputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="A promise kind id (GET /api/v1/promise-kinds/).")
    name = serializers.CharField(max_length=200)
    params = serializers.JSONField(
        required=False, default=dict, help_text="The kind's parameters; defaults fill the rest."
    )
    effective_from = serializers.DateTimeField(
        required=False, help_text="Default now; without an offset, shop time."
    )
    confirm_duplicate_kind = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Add a promise of a kind the shop already has (both judge every action).",
    )


class PromisesApi(APIView):
    """GET: the promises in force now (viewer). POST: create a promise (manager)."""

    @extend_schema(
        operation_id="promise_list",
        responses={200: PromiseOutputSerializer(many=True), **NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, shop):
        shop = _shop(request, shop, role=Role.VIEWER)
        promises = selectors.promises_in_force(shop=shop)
        with _shop_time(shop):
            data = [_promise_data(promise, promise.version) for promise in promises]
        return Response(data)

    @extend_schema(
        operation_id="promise_create",
        request=PromiseCreateInputSerializer,
        responses={
            201: PromiseOutputSerializer,
            **INVALID,
            **FORBIDDEN,
            **NOT_FOUND,
            **DUPLICATE,
        },
        tags=TAGS,
    )
    def post(self, request, shop):
        shop = _shop(request, shop, role=Role.MANAGER)
        with _shop_time(shop):
            body = PromiseCreateInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                promise = services.promise_create(
                    shop=shop, author=request.user, **body.validated_data
                )
            except DjangoValidationError as error:
                _raise_duplicate_kind(error)
                raise
            data = _promise_data(promise, promise.version)
        return Response(data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------
# /shops/{shop}/promises/{id}/: detail, edit (a new version), retire
# ------------------------------------------------------------------------------
class PromiseEditInputSerializer(serializers.Serializer):
    params = serializers.JSONField(
        required=False,
        default=dict,
        help_text="Parameters to change; laid over the newest version's parameters.",
    )
    reason = serializers.CharField(help_text="Why the promise changes; kept in its history.")
    effective_from = serializers.DateTimeField(
        required=False,
        help_text="Default now; not before the newest version's; without an offset, shop time.",
    )
    name = serializers.CharField(
        required=False,
        max_length=200,
        help_text="A new name (kept with the reason in the promise's history). With only a "
        "name, no new version is written.",
    )


class PromiseApi(APIView):
    """GET: one promise (viewer). PATCH: a new version (manager). DELETE: retire (manager)."""

    @extend_schema(
        operation_id="promise_detail",
        responses={200: PromiseOutputSerializer, **NOT_FOUND},
        tags=TAGS,
        description="The version in force now; the newest one if none is (yet, or retired).",
    )
    def get(self, request, shop, promise_id):
        shop = _shop(request, shop, role=Role.VIEWER)
        promise = _promise(shop, promise_id)
        version = selectors.promise_current_version(promise=promise)
        with _shop_time(shop):
            data = _promise_data(promise, version)
        return Response(data)

    @extend_schema(
        operation_id="promise_edit",
        request=PromiseEditInputSerializer,
        responses={
            200: OpenApiResponse(PromiseOutputSerializer, description="As of the new version."),
            **INVALID,
            **FORBIDDEN,
            **NOT_FOUND,
            **RETIRED,
        },
        tags=TAGS,
    )
    def patch(self, request, shop, promise_id):
        shop = _shop(request, shop, role=Role.MANAGER)
        promise = _promise(shop, promise_id)
        _not_retired(promise)
        with _shop_time(shop):
            body = PromiseEditInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            latest = selectors.promise_latest_version(promise=promise)
            fields = body.validated_data
            name = fields.get("name")
            renames = name is not None and name.strip() != promise.name
            with transaction.atomic():
                version = latest
                if not renames or fields["params"] or "effective_from" in fields:
                    version = services.promise_edit(
                        promise=promise,
                        params=_merged(latest.params, fields["params"]),
                        reason=fields["reason"],
                        effective_from=fields.get("effective_from"),
                        author=request.user,
                    )
                if renames:
                    services.promise_rename(
                        promise=promise, name=name, reason=fields["reason"], author=request.user
                    )
                    promise.refresh_from_db()
            data = _promise_data(promise, version)
        return Response(data)

    @extend_schema(
        operation_id="promise_retire",
        request=None,
        responses={204: None, **FORBIDDEN, **NOT_FOUND, **RETIRED},
        tags=TAGS,
        description="Retire the promise from now on; its versions stay.",
    )
    def delete(self, request, shop, promise_id):
        shop = _shop(request, shop, role=Role.MANAGER)
        promise = _promise(shop, promise_id)
        _not_retired(promise)
        services.promise_retire(promise=promise, author=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------------------
# /shops/{shop}/promises/{id}/versions/
# ------------------------------------------------------------------------------
class PromiseVersionListApi(APIView):
    """Every version of a promise, oldest first (viewer)."""

    @extend_schema(
        operation_id="promise_version_list",
        responses={200: VersionOutputSerializer(many=True), **NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, shop, promise_id):
        shop = _shop(request, shop, role=Role.VIEWER)
        promise = _promise(shop, promise_id)
        versions = selectors.promise_versions(promise=promise)
        with _shop_time(shop):
            data = VersionOutputSerializer(versions, many=True).data
        return Response(data)


# ------------------------------------------------------------------------------
# /shops/{shop}/promises/{id}/impact/
# ------------------------------------------------------------------------------
class PromiseImpactInputSerializer(serializers.Serializer):
    # Required: an impact without parameters to change asks nothing (an empty body is 400).
    params = serializers.JSONField(
        help_text="Parameters to change; laid over the newest version's parameters.",
    )


class ImpactCustomerOutputSerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="The customer's external id.")
    best_level = serializers.FloatField()
    last_level = serializers.FloatField(allow_null=True)
    orders = serializers.IntegerField()


class PromiseImpactOutputSerializer(serializers.Serializer):
    lowers = serializers.BooleanField()
    new_level = serializers.FloatField(allow_null=True)
    repeat_customers_above_new_level = serializers.IntegerField()
    customers = ImpactCustomerOutputSerializer(many=True, help_text="The first 50.")


class PromiseImpactApi(APIView):
    """What changing the promise's parameters would do; stores nothing (manager)."""

    @extend_schema(
        operation_id="promise_impact",
        request=PromiseImpactInputSerializer,
        responses={200: PromiseImpactOutputSerializer, **INVALID, **FORBIDDEN, **NOT_FOUND},
        tags=TAGS,
    )
    def post(self, request, shop, promise_id):
        shop = _shop(request, shop, role=Role.MANAGER)
        promise = _promise(shop, promise_id)
        body = PromiseImpactInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        latest = selectors.promise_latest_version(promise=promise)
        params = services.promise_params_validate(
            kind=registry.get(promise.kind),
            params=_merged(latest.params, body.validated_data["params"]),
        )
        impact = selectors.promise_impact(promise=promise, new_params=params)
        return Response(PromiseImpactOutputSerializer(impact).data)
