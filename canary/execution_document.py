"""From the settings to what one execution deploys: the artifact and the execution input document.

:func:`build_input` is the one place where inputs become the state machine's input
(:class:`canary.execution_input.ExecutionInput`, the documented JSON contract): a new input that the
state machine reads is added to :class:`canary.settings.Settings`, to ``ExecutionInput`` and here.
"""

from __future__ import annotations

from canary.analysis_input import AnalysisSettings
from canary.component_input import ComponentCompute, ComponentSettings
from canary.execution_input import (
    ApprovalSettings,
    AutoScalingSettings,
    ConfigSettings,
    ContainerSpec,
    DataCapture,
    DeployNames,
    EndpointSettings,
    ErrorAlarmSettings,
    ExecutionInput,
    NotifySettings,
    VariantSettings,
)
from canary.instance_storage import has_local_storage
from canary.names import Artifact
from canary.race import START_HOLD_SECONDS
from canary.settings import Settings
from canary.settings_components import DEFAULT_COPIES, DEFAULT_CPUS, DEFAULT_MEMORY_MB
from canary.smoke_test import SmokeTestSettings
from canary.strategy_input import ALL_AT_ONCE, CapacitySize, StrategySettings, traffic_of


def artifact_of(settings: Settings) -> Artifact:
    """The artifact these settings deploy."""
    return Artifact(
        image=settings.image_uri,
        model_data=settings.model_data,
        environment=settings.model_environment,
        instance_type=settings.instance_type,
    )


def endpoint_settings(settings: Settings) -> EndpointSettings:
    """What the inputs set beside the model; whatever they leave empty is carried over unchanged."""
    capture = None
    if settings.data_capture_destination:
        capture = DataCapture(
            DestinationS3Uri=settings.data_capture_destination,
            InitialSamplingPercentage=settings.data_capture_percentage,
        )
    return EndpointSettings(
        Variant=VariantSettings(
            VolumeSizeInGB=settings.volume_size_gb,
            ModelDataDownloadTimeoutInSeconds=settings.model_download_timeout_seconds,
            ContainerStartupHealthCheckTimeoutInSeconds=settings.container_startup_timeout_seconds,
        ),
        EndpointConfig=ConfigSettings(DataCaptureConfig=capture),
    )


def analysis_settings(settings: Settings) -> AnalysisSettings:
    """The canary-vs-baseline gates and the low-traffic rule of these settings."""
    return AnalysisSettings(
        MaxErrorRateIncrease=settings.max_error_rate_increase,
        MaxLatencyIncrease=settings.max_latency_increase,
        MinSampleInvocations=settings.gate_min_invocations,
        MinCanaryInvocations=settings.min_canary_invocations,
        OnLowTraffic=settings.on_low_traffic,
        MaxExtensions=settings.max_extensions,
        MetricsDelaySeconds=settings.metrics_delay_seconds,
    )


def smoke_test(settings: Settings) -> SmokeTestSettings | None:
    """The smoke test the inputs ask for (None without ``smoke-test-payload``)."""
    if settings.smoke_test_payload is None:
        return None
    return SmokeTestSettings(
        Body=settings.smoke_test_payload,
        ContentType=settings.smoke_test_content_type,
        Accept=settings.smoke_test_accept,
        Expect=settings.smoke_test_expect,
    )


def strategy_settings(settings: Settings) -> StrategySettings | None:
    """The ``Strategy`` block of a blue-green or rolling deploy (None: the canary flow)."""
    if settings.strategy == "canary":
        return None
    traffic = traffic_of(settings.canary_weights)
    kind, step = traffic if not isinstance(traffic, str) else ("CANARY", 20)
    batch = settings.rolling_batch_size or CapacitySize(Type="CAPACITY_PERCENT", Value=5)
    return StrategySettings(
        Kind=settings.strategy,
        Traffic=kind,
        StepPercent=step,
        WaitSeconds=settings.bake_seconds,
        TerminationWaitSeconds=settings.bake_seconds,
        BatchSize=batch,
        RollbackBatchSize=settings.rolling_rollback_batch_size or batch,
        ErrorRate4xx=settings.error_alarm_4xx_threshold,
        ErrorRate5xx=settings.error_alarm_5xx_threshold,
    )


def component_settings(settings: Settings) -> ComponentSettings | None:
    """The ``Component`` block of a deploy to an inference component (None: to the variant)."""
    if not settings.inference_component_name:
        return None
    return ComponentSettings(
        Name=settings.inference_component_name,
        Compute=ComponentCompute(
            NumberOfCpuCoresRequired=settings.ic_cpus,
            NumberOfAcceleratorDevicesRequired=settings.ic_accelerators,
            MinMemoryRequiredInMb=settings.ic_memory_mb,
        ),
        NewCompute=ComponentCompute(
            NumberOfCpuCoresRequired=settings.ic_cpus or DEFAULT_CPUS,
            NumberOfAcceleratorDevicesRequired=settings.ic_accelerators,
            MinMemoryRequiredInMb=settings.ic_memory_mb or DEFAULT_MEMORY_MB,
        ),
        NewCopies=settings.ic_copies or DEFAULT_COPIES,
    )


def build_input(settings: Settings, names: DeployNames, *, hold: int = START_HOLD_SECONDS) -> ExecutionInput:
    """The execution input document for these settings (``hold``: its ``StartHoldSeconds``)."""
    return ExecutionInput(
        EndpointName=settings.endpoint_name,
        ExecutionRoleArn=settings.execution_role_arn,
        Container=ContainerSpec(
            Image=settings.image_uri,
            ModelDataUrl=settings.model_data,
            Environment=dict(settings.model_environment),
        ),
        InstanceType=settings.instance_type,
        LocalStorage=has_local_storage(settings.instance_type) or None,
        InstanceCount=settings.instance_count,
        CanaryInstanceCount=settings.canary_instance_count,
        CanaryWeights=[w for w in settings.canary_weights if w < ALL_AT_ONCE] or [20],  # 100: blue-green's
        BakeSeconds=settings.bake_seconds,
        AlarmCheckSeconds=settings.alarm_check_seconds,
        AlarmNames=list(settings.alarm_names),
        ErrorAlarms=ErrorAlarmSettings(
            Enabled=settings.error_alarms,
            Threshold4xx=settings.error_alarm_4xx_threshold,
            Threshold5xx=settings.error_alarm_5xx_threshold,
        ),
        AutoScaling=AutoScalingSettings(
            Enabled=settings.autoscaling_enabled,
            MinCapacity=settings.autoscaling_min_capacity or settings.instance_count or 1,
            MaxCapacity=settings.autoscaling_max_capacity or settings.instance_count or 1,
            TargetValue=settings.autoscaling_target or 100.0,
        ),
        Polling=settings.polling,
        Settings=endpoint_settings(settings),
        Analysis=analysis_settings(settings),
        StartHoldSeconds=hold,
        SmokeTest=smoke_test(settings),
        Approval=None
        if settings.approval == "none"
        else ApprovalSettings(
            Mode=settings.approval,
            TimeoutSeconds=settings.approval_timeout_minutes * 60,
            OnTimeout=settings.on_approval_timeout,
        ),
        Notify=NotifySettings(TopicArn=settings.notify_topic_arn) if settings.notify_topic_arn else None,
        CreateEndpoint=settings.create_endpoint,
        Strategy=strategy_settings(settings),
        Component=component_settings(settings),
        Names=names,
    )
