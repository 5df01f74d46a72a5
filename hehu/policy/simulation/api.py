"""Simulations over the API: request one, read its counts for one's jurisdiction, page
through the children who would move (scoped like every list of children)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.selectors import policy_version_by_ref
from hehu.policy.simulation.models import Simulation, SimulationChange
from hehu.policy.simulation.selectors import (
    SummaryView,
    reach_of,
    simulation_changes_visible_to,
    simulation_summary,
    simulations_visible_to,
    within_reach,
)
from hehu.policy.simulation.services import simulation_request
from hehu.registry.serializers import RegistryErrorOutput, flatten_errors

ERRORS: dict[int, Any] = {400: RegistryErrorOutput, 403: RegistryErrorOutput}


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    if not serializer.is_valid():
        raise ValidationFailed(flatten_errors(serializer.errors))
    return dict(serializer.validated_data)


def _visible(request: Request, pk: int) -> Simulation:
    if not has_perm(request.user, Perm.VIEW_POLICY):
        raise PermissionRefused(_("您的账号不能查看政策模拟"))
    simulation = simulations_visible_to(user=request.user).filter(pk=pk).first()
    if simulation is None:
        raise Http404
    return simulation


class SimulationInput(serializers.Serializer[Any]):
    draft = serializers.CharField(help_text="ID@VERSION of a draft, reviewed or approved version")
    as_of = serializers.DateField(required=False)
    scope = serializers.RegexField(r"^\d{0,12}$", required=False, allow_blank=True)
    baseline = serializers.CharField(required=False, help_text="ID@VERSION (default: in force)")


class SimulationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    draft = serializers.CharField(source="draft.ref")
    baseline = serializers.SerializerMethodField()
    as_of = serializers.DateField()
    scope = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    error = serializers.CharField()

    def get_baseline(self, obj: Simulation) -> list[str]:
        if obj.baseline is not None:
            return [obj.baseline.ref]
        refs: list[str] = obj.summary.get("baseline", [])
        return refs


class CellOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    current = serializers.IntegerField()
    draft = serializers.IntegerField()
    entered = serializers.IntegerField()
    left = serializers.IntegerField()


class RegionOutput(serializers.Serializer[Any]):
    prefix = serializers.CharField()
    name = serializers.CharField()
    children = serializers.IntegerField()
    categories = CellOutput(many=True, source="cells")


class SummaryOutput(serializers.Serializer[Any]):
    region = serializers.CharField()
    total = RegionOutput()
    regions = RegionOutput(many=True, source="rows")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()


class SimulationDetailOutput(SimulationOutput):
    summary = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField(
        help_text="cost effect: monthly totals under the baseline and the draft, the change, "
        "children who gain and lose and by how much, by programme and county (yuan as "
        "strings); null unless one's jurisdiction covers the whole scope"
    )

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_cost(self, obj: Simulation) -> dict[str, Any] | None:
        if not self.context.get("cost_visible") or not obj.cost:
            return None
        return dict(obj.cost)

    def get_summary(self, obj: Simulation) -> dict[str, Any] | None:
        summary: SummaryView | None = self.context.get("summary")
        return None if summary is None else dict(SummaryOutput(summary).data)


class ChangeOutput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField()
    name = serializers.CharField(source="child.name")
    region_code = serializers.CharField()
    category = serializers.CharField()
    direction = serializers.CharField()


class SummaryQuery(serializers.Serializer[Any]):
    region = serializers.RegexField(r"^\d{0,12}$", required=False, allow_blank=True)
    page = serializers.IntegerField(required=False, min_value=1)


class ChangesQuery(serializers.Serializer[Any]):
    category = serializers.RegexField(r"^[a-z0-9_]{0,40}$", required=False, allow_blank=True)
    direction = serializers.ChoiceField(
        choices=SimulationChange.Direction.choices, required=False, allow_blank=True
    )
    region = serializers.RegexField(r"^\d{0,12}$", required=False, allow_blank=True)


class SimulationListApi(APIView):
    """Simulations whose scope overlaps one's jurisdiction (GET); request one (POST): it is
    queued and runs in the background; poll its detail until `status` is `done`."""

    @extend_schema(operation_id="simulations_list", responses={200: SimulationOutput(many=True)})
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.VIEW_POLICY):
            raise PermissionRefused(_("您的账号不能查看政策模拟"))
        simulations = simulations_visible_to(user=request.user)[:100]
        return Response(SimulationOutput(simulations, many=True).data)

    @extend_schema(
        operation_id="simulations_create",
        request=SimulationInput,
        responses={202: SimulationOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.SIMULATE_POLICY):
            raise PermissionRefused(_("您的账号不能模拟政策草案"))
        data = _valid(SimulationInput(data=request.data))
        draft = policy_version_by_ref(data["draft"])
        if draft is None:
            raise ValidationFailed({"draft": [_("没有这个政策版本")]})
        baseline = None
        if data.get("baseline"):
            baseline = policy_version_by_ref(data["baseline"])
            if baseline is None:
                raise ValidationFailed({"baseline": [_("没有这个政策版本")]})
        simulation = simulation_request(
            actor=request.user,
            draft=draft,
            as_of=data.get("as_of") or timezone.localdate(),
            scope=data["scope"] if data.get("scope") is not None else None,
            baseline=baseline,
        )
        simulation.refresh_from_db()  # run already when tasks run eagerly
        return Response(SimulationOutput(simulation).data, status=202)


class SimulationDetailApi(APIView):
    """A simulation and, once done, its counts for `region` (default: one's jurisdiction)
    and the regions one level below, per category: current, draft, entered, left."""

    @extend_schema(
        operation_id="simulations_retrieve",
        parameters=[SummaryQuery],
        responses={200: SimulationDetailOutput, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        simulation = _visible(request, pk)
        query = _valid(SummaryQuery(data=request.query_params))
        summary = None
        if simulation.status == Simulation.Status.DONE:
            summary = simulation_summary(
                simulation=simulation,
                user=request.user,
                region=query.get("region", ""),
                page=query.get("page", 1),
            )
        visible = within_reach(simulation.scope, reach_of(request.user))
        return Response(
            SimulationDetailOutput(
                simulation, context={"summary": summary, "cost_visible": visible}
            ).data
        )


class SimulationChangesApi(GenericAPIView[SimulationChange]):
    """The children who would enter or leave a category, within one's jurisdiction."""

    serializer_class = ChangeOutput

    def get_queryset(self) -> QuerySet[SimulationChange]:
        simulation = _visible(self.request, int(self.kwargs["pk"]))
        if not has_perm(self.request.user, Perm.VIEW_CHILD):
            raise PermissionRefused(_("您的账号不能查看儿童名单"))
        query = _valid(ChangesQuery(data=self.request.query_params))
        return simulation_changes_visible_to(simulation=simulation, user=self.request.user, **query)

    @extend_schema(
        operation_id="simulations_changes",
        parameters=[ChangesQuery],
        responses={200: ChangeOutput(many=True), **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ChangeOutput(page, many=True).data)
