"""Which of Airflow's modules Updraft provides, and the Updraft object behind each name.

A target is `"updraft.module"` (the same name there), `"updraft.module:name"`, or
`"=updraft.module"` (the module itself). Airflow 3's
paths come first; Airflow 2's that Airflow 3 still accepts, or that DAG folders still use,
point at the same objects. Modules not listed fail to import with a message saying what
Updraft has instead (`UNSUPPORTED`)."""

from __future__ import annotations

from functools import cache

_AUTHORING = "updraft.authoring"
_OPS = "updraft.operators"
_SENSORS = "updraft.sensors"
_HOOKS = "updraft.hooks"
_NOTIFY = "updraft.notifications"
_EXC = "updraft.exceptions"
_TIMETABLES = "updraft.scheduling"

EXCEPTIONS = {name: _EXC for name in (
    "AirflowException", "AirflowNotFoundException", "AirflowSkipException", "AirflowFailException",
    "AirflowTaskTimeout", "AirflowRescheduleException", "AirflowSensorTimeout",
    "AirflowDagCycleException", "DuplicateTaskIdFound", "AirflowTimetableInvalid", "DagNotFound",
    "DagRunNotFound", "DagRunAlreadyExists", "TaskNotFound", "ParamValidationError",
    "AirflowBadRequest", "AirflowConfigException", "AirflowClusterPolicyViolation",
    "AirflowTaskTerminated", "DownstreamTasksSkipped", "AirflowRuntimeError",
    "TaskDeferred", "TaskDeferralError", "XComNotFound", "UnmappableXComTypePushed",
    "AirflowDagDuplicatedIdException", "AirflowDagInconsistent",
)}

TRIGGER_RULE = {"TriggerRule": "updraft.models.states"}
STATES = {name: "updraft.models.states" for name in (
    "TaskInstanceState", "DagRunState", "DagRunType", "State")}
TIMETABLES = {name: _TIMETABLES for name in (
    "CronDataIntervalTimetable", "CronTriggerTimetable", "DeltaDataIntervalTimetable",
    "DeltaTriggerTimetable", "MultipleCronTriggerTimetable")}
TIMETABLE_BASE = {name: _TIMETABLES for name in (
    "DagRunInfo", "DataInterval", "TimeRestriction", "Timetable")}

DAG_NAMES = {"DAG": f"{_AUTHORING}.dag", "dag": f"{_AUTHORING}.dag"}
CHAIN = {name: f"{_AUTHORING}.baseoperator" for name in ("chain", "chain_linear", "cross_downstream")}
BASE_OPERATOR = {"BaseOperator": f"{_AUTHORING}.baseoperator", **CHAIN}
PARAM = {"Param": f"{_AUTHORING}.params", "ParamsDict": f"{_AUTHORING}.params"}
VARIABLE = {"Variable": f"{_AUTHORING}.variable"}
CONNECTION = {"Connection": f"{_AUTHORING}.connection"}
XCOMARG = {"XComArg": f"{_AUTHORING}.xcomarg"}
TASK_GROUP = {"TaskGroup": f"{_AUTHORING}.taskgroup", "task_group": f"{_AUTHORING}.taskgroup"}
LABEL = {"Label": f"{_AUTHORING}.edges", "EdgeModifier": f"{_AUTHORING}.edges"}
DECORATORS = {
    "task": f"{_AUTHORING}.taskflow", "dag": f"{_AUTHORING}.dag",
    "task_group": f"{_AUTHORING}.taskgroup", "setup": f"{_AUTHORING}.setup_teardown",
    "teardown": f"{_AUTHORING}.setup_teardown",
}
CONTEXT = {"Context": "updraft.execution.context", "get_current_context": "updraft.execution.current"}
POKE = {"PokeReturnValue": f"{_SENSORS}.base"}
BASE_SENSOR = {"BaseSensorOperator": f"{_SENSORS}.base", **POKE}
BRANCH = {name: f"{_OPS}.branch" for name in ("BaseBranchOperator", "BranchMixIn", "SkipMixin")}
NOTIFIER = {"BaseNotifier": f"{_NOTIFY}.base"}
TIMEZONE = {name: "updraft.timezone" for name in (
    "utc", "utcnow", "datetime", "parse", "convert_to_utc", "make_aware", "make_naive",
    "is_localized", "is_naive", "coerce_datetime", "local_timezone", "TIMEZONE")}
MACROS = {name: "updraft.macros" for name in (
    "ds_add", "ds_format", "ds_format_locale", "datetime_diff_for_humans", "datetime", "timedelta",
    "dateutil", "time", "uuid", "random", "json")}

PYTHON_OPERATORS = {
    "PythonOperator": _OPS, "BranchPythonOperator": _OPS, "ShortCircuitOperator": _OPS,
    "PythonVirtualenvOperator": f"{_OPS}.virtualenv", "ExternalPythonOperator": f"{_OPS}.virtualenv",
    "BranchPythonVirtualenvOperator": f"{_OPS}.virtualenv",
    "BranchExternalPythonOperator": f"{_OPS}.virtualenv",
    "get_current_context": "updraft.execution.current",
}
STANDARD_OPERATORS = {
    "bash": {"BashOperator": _OPS},
    "python": PYTHON_OPERATORS,
    "empty": {"EmptyOperator": _OPS},
    "trigger_dagrun": {"TriggerDagRunOperator": _OPS},
    "branch": BRANCH,
    "latest_only": {"LatestOnlyOperator": f"{_OPS}.latest_only"},
    "datetime": {"BranchDateTimeOperator": f"{_OPS}.datetime", "target_times_as_dates": f"{_OPS}.datetime"},
    "weekday": {"BranchDayOfWeekOperator": f"{_OPS}.weekday"},
    "smooth": {"SmoothOperator": f"{_OPS}.empty"},
}
STANDARD_SENSORS = {
    "python": {"PythonSensor": _SENSORS, **POKE},
    "date_time": {"DateTimeSensor": _SENSORS, "DateTimeSensorAsync": f"{_SENSORS}:DateTimeSensor"},
    "time_delta": {"TimeDeltaSensor": _SENSORS, "TimeDeltaSensorAsync": f"{_SENSORS}:TimeDeltaSensor",
                   "WaitSensor": f"{_SENSORS}.date_time"},
    "time": {"TimeSensor": f"{_SENSORS}.date_time", "TimeSensorAsync": f"{_SENSORS}.date_time:TimeSensor"},
    "weekday": {"DayOfWeekSensor": f"{_SENSORS}.weekday"},
    "bash": {"BashSensor": f"{_SENSORS}.bash"},
    "filesystem": {"FileSensor": f"{_SENSORS}.filesystem"},
    "external_task": {"ExternalTaskSensor": _SENSORS, "ExternalTaskMarker": f"{_SENSORS}.external_task"},
}

_SDK = {
    **DAG_NAMES, **BASE_OPERATOR, **PARAM, **VARIABLE, **CONNECTION, **XCOMARG, **TASK_GROUP,
    **LABEL, **DECORATORS, **CONTEXT, **BASE_SENSOR, **BRANCH, **NOTIFIER, **TRIGGER_RULE,
    **TIMETABLES, "TaskInstanceState": "updraft.models.states", "DagRunState": "updraft.models.states",
    "WeightRule": "updraft.models.states", "BaseHook": _HOOKS, "literal": f"{_AUTHORING}.xcomarg",
    "macros": "=updraft.macros", "timezone": "=updraft.timezone", "conf": "updraft.configuration",
    "get_parsing_context": "updraft.configuration", "__version__": "updraft",
    **{name: f"{_AUTHORING}.retry_policy" for name in (
        "ExceptionRetryPolicy", "RetryAction", "RetryDecision", "RetryPolicy", "RetryRule")},
}

_AWS = "airflow.providers.amazon.aws"
_PROVIDERS: dict[str, dict[str, str]] = {
    f"{_AWS}.hooks.base_aws": {"AwsBaseHook": _HOOKS, "AwsGenericHook": f"{_HOOKS}:AwsBaseHook"},
    f"{_AWS}.hooks.s3": {"S3Hook": _HOOKS},
    f"{_AWS}.hooks.sns": {"SnsHook": _HOOKS},
    f"{_AWS}.hooks.ses": {"SesHook": _HOOKS},
    f"{_AWS}.hooks.lambda_function": {"LambdaHook": _HOOKS},
    f"{_AWS}.hooks.ecs": {"EcsHook": _HOOKS},
    f"{_AWS}.hooks.batch_client": {"BatchClientHook": _HOOKS},
    f"{_AWS}.hooks.logs": {"AwsLogsHook": _HOOKS},
    f"{_AWS}.operators.base_aws": {"AwsBaseOperator": _OPS},
    f"{_AWS}.operators.s3": {"S3CreateObjectOperator": _OPS, "S3CopyObjectOperator": _OPS,
                             "S3DeleteObjectsOperator": _OPS},
    f"{_AWS}.operators.lambda_function": {"LambdaInvokeFunctionOperator": _OPS},
    f"{_AWS}.operators.sns": {"SnsPublishOperator": _OPS},
    f"{_AWS}.operators.ecs": {"EcsRunTaskOperator": _OPS},
    f"{_AWS}.operators.batch": {"BatchOperator": _OPS},
    f"{_AWS}.sensors.s3": {"S3KeySensor": _SENSORS},
    f"{_AWS}.notifications.sns": {"SnsNotifier": _NOTIFY, "send_sns_notification": _NOTIFY},
    f"{_AWS}.notifications.ses": {"SesNotifier": _NOTIFY, "send_ses_notification": _NOTIFY},
    "airflow.providers.postgres.hooks.postgres": {"PostgresHook": _HOOKS},
    "airflow.providers.sqlite.hooks.sqlite": {"SqliteHook": _HOOKS},
    "airflow.providers.common.sql.hooks.sql": {
        "DbApiHook": _HOOKS, "fetch_all_handler": f"{_HOOKS}.sql", "fetch_one_handler": f"{_HOOKS}.sql",
        "return_single_query_results": f"{_HOOKS}.sql"},
    "airflow.providers.common.sql.operators.sql": {
        "SQLExecuteQueryOperator": _OPS, "BaseSQLOperator": _OPS,
        "default_output_processor": f"{_OPS}.sql"},
    "airflow.providers.common.sql.sensors.sql": {"SqlSensor": _SENSORS},
    "airflow.providers.http.hooks.http": {"HttpHook": _HOOKS},
    "airflow.providers.http.operators.http": {"HttpOperator": _OPS,
                                              "SimpleHttpOperator": f"{_OPS}:HttpOperator"},
    "airflow.providers.http.sensors.http": {"HttpSensor": _SENSORS},
    "airflow.providers.sftp.hooks.sftp": {"SFTPHook": _HOOKS},
    "airflow.providers.sftp.operators.sftp": {"SFTPOperator": _OPS, "SFTPOperation": _OPS},
    "airflow.providers.sftp.sensors.sftp": {"SFTPSensor": _SENSORS},
    "airflow.providers.ssh.hooks.ssh": {"SSHHook": _HOOKS},
    "airflow.providers.slack.hooks.slack_webhook": {"SlackWebhookHook": _HOOKS},
    "airflow.providers.slack.operators.slack_webhook": {"SlackWebhookOperator": _OPS},
    "airflow.providers.slack.notifications.slack_webhook": {
        "SlackWebhookNotifier": _NOTIFY, "send_slack_webhook_notification": _NOTIFY},
    "airflow.providers.smtp.operators.smtp": {"EmailOperator": _OPS},
    "airflow.providers.common.compat.sdk": {
        **_SDK, **EXCEPTIONS, "BaseSensorOperator": f"{_SENSORS}.base"},
}

MODULES: dict[str, dict[str, str]] = {
    # Airflow 3
    "airflow.sdk": _SDK,
    "airflow.sdk.exceptions": EXCEPTIONS,
    "airflow.sdk.bases.operator": {**BASE_OPERATOR},
    "airflow.sdk.bases.sensor": BASE_SENSOR,
    "airflow.sdk.bases.hook": {"BaseHook": _HOOKS},
    "airflow.sdk.bases.notifier": NOTIFIER,
    "airflow.sdk.bases.decorator": {},
    "airflow.sdk.definitions.dag": DAG_NAMES,
    "airflow.sdk.definitions.param": PARAM,
    "airflow.sdk.definitions.taskgroup": TASK_GROUP,
    "airflow.sdk.definitions.edges": LABEL,
    "airflow.sdk.definitions.context": CONTEXT,
    "airflow.sdk.definitions.variable": VARIABLE,
    "airflow.sdk.definitions.connection": CONNECTION,
    "airflow.sdk.definitions.xcom_arg": XCOMARG,
    "airflow.sdk.definitions.decorators": DECORATORS,
    "airflow.sdk.timezone": TIMEZONE,
    "airflow.sdk.definitions.retry_policy": {name: f"{_AUTHORING}.retry_policy" for name in (
        "ExceptionRetryPolicy", "RetryAction", "RetryDecision", "RetryPolicy", "RetryRule")},
    "airflow.sdk.execution_time.context": {
        "NEVER_EXPIRE": "updraft.execution.current",
        "context_to_airflow_vars": "updraft.execution.airflow_vars"},
    "airflow.sdk.definitions.decorators.condition": {
        "run_if": f"{_AUTHORING}.conditions", "skip_if": f"{_AUTHORING}.conditions"},
    "airflow.utils.operator_helpers": {"context_to_airflow_vars": "updraft.execution.airflow_vars"},
    **{f"airflow.providers.standard.operators.{m}": names for m, names in STANDARD_OPERATORS.items()},
    **{f"airflow.providers.standard.sensors.{m}": names for m, names in STANDARD_SENSORS.items()},
    "airflow.providers.standard.utils.weekday": {"WeekDay": f"{_SENSORS}.weekday"},
    "airflow.providers.standard.hooks.filesystem": {"FSHook": f"{_HOOKS}.filesystem"},
    "airflow.providers.standard.hooks.subprocess": {
        "SubprocessHook": f"{_HOOKS}.subprocess", "SubprocessResult": f"{_HOOKS}.subprocess",
        "working_directory": f"{_HOOKS}.subprocess"},
    **_PROVIDERS,
    # Airflow 2's paths
    "airflow": {**DAG_NAMES, **XCOMARG, "__version__": "updraft"},
    "airflow.decorators": DECORATORS,
    "airflow.models": {**DAG_NAMES, **BASE_OPERATOR, **PARAM, **VARIABLE, **CONNECTION, **XCOMARG},
    "airflow.models.dag": DAG_NAMES,
    "airflow.models.baseoperator": BASE_OPERATOR,
    "airflow.models.param": PARAM,
    "airflow.models.variable": VARIABLE,
    "airflow.models.connection": CONNECTION,
    "airflow.models.xcom_arg": XCOMARG,
    **{f"airflow.operators.{m}": names for m, names in STANDARD_OPERATORS.items()},
    "airflow.operators.email": {"EmailOperator": _OPS},
    "airflow.operators.dummy": {"DummyOperator": f"{_OPS}:EmptyOperator"},
    "airflow.sensors.base": BASE_SENSOR,
    **{f"airflow.sensors.{m}": names for m, names in STANDARD_SENSORS.items()},
    "airflow.sensors.time_sensor": STANDARD_SENSORS["time"],
    "airflow.sensors.external_task_sensor": STANDARD_SENSORS["external_task"],
    "airflow.exceptions": EXCEPTIONS,
    "airflow.utils.trigger_rule": TRIGGER_RULE,
    "airflow.utils.state": STATES,
    "airflow.utils.task_group": TASK_GROUP,
    "airflow.utils.edgemodifier": LABEL,
    "airflow.utils.helpers": CHAIN,
    "airflow.utils.context": CONTEXT,
    "airflow.utils.dates": {"days_ago": "updraft.timezone"},
    "airflow.utils.email": {"send_email": _NOTIFY},
    "airflow.utils.timezone": TIMEZONE,
    "airflow.utils.weekday": {"WeekDay": f"{_SENSORS}.weekday"},
    "airflow.timetables.base": TIMETABLE_BASE,
    "airflow.timetables.interval": {k: v for k, v in TIMETABLES.items() if "DataInterval" in k},
    "airflow.timetables.trigger": {k: v for k, v in TIMETABLES.items() if "Trigger" in k},
    "airflow.timetables.simple": {"NullTimetable": _TIMETABLES, "OnceTimetable": _TIMETABLES},
    "airflow.macros": MACROS,
    "airflow.configuration": {"conf": "updraft.configuration"},
    "airflow.hooks.base": {"BaseHook": _HOOKS},
    "airflow.hooks.filesystem": {"FSHook": f"{_HOOKS}.filesystem"},
    "airflow.hooks.subprocess": {"SubprocessHook": f"{_HOOKS}.subprocess",
                                 "SubprocessResult": f"{_HOOKS}.subprocess"},
    "airflow.notifications.basenotifier": NOTIFIER,
}

# What to use instead of a module Updraft does not have (the longest matching prefix wins).
UNSUPPORTED: dict[str, str] = {
    "airflow.providers.cncf.kubernetes": "Updraft runs tasks in Lambda; run a container with "
    "EcsRunTaskOperator (airflow.providers.amazon.aws.operators.ecs) or BatchOperator instead",
    "airflow.providers.docker": "there is no Docker daemon in Lambda; run the container with "
    "EcsRunTaskOperator (airflow.providers.amazon.aws.operators.ecs) instead",
    "airflow.providers.google": "Updraft has no Google Cloud provider; call its client library "
    "from a @task, or use the AWS operators of airflow.providers.amazon.aws",
    "airflow.providers.microsoft": "Updraft has no Microsoft provider; call its client library "
    "from a @task",
    "airflow.providers.celery": "Updraft has no executor to choose: every task runs in a worker Lambda",
    "airflow.datasets": "assets (Dataset/Asset) are not supported by Updraft yet",
    "airflow.providers.standard.operators.hitl": "human-in-the-loop operators (ApprovalOperator, "
    "HITLOperator, ...) are not supported by Updraft yet",
    "airflow.example_dags": "Airflow's own example package is not part of Updraft; copy the helper "
    "module into your DAG folder and import it from there",
    "airflow.timetables.events": "EventsTimetable is not supported by Updraft yet; use "
    "MultipleCronTriggerTimetable (airflow.timetables.trigger) or trigger runs through the API",
    "airflow.plugins_manager": "Updraft has no plugins: custom timetables, listeners and macros "
    "from plugins cannot run, since the scheduler never imports DAG code",
    "airflow.assets": "assets (Dataset/Asset) are not supported by Updraft yet",
    "airflow.sdk.definitions.asset": "assets (Asset) are not supported by Updraft yet",
    "airflow.triggers": "deferrable operators are not supported: use a sensor with "
    "mode='reschedule', which waits without holding a worker",
    "airflow.providers.standard.triggers": "deferrable operators are not supported: use a sensor "
    "with mode='reschedule', which waits without holding a worker",
    "airflow.models.taskinstance": "DAG code gets the running task instance from the context "
    "(context['ti']); the metadata database's models are not importable",
    "airflow.models.dagrun": "DAG code gets the run from the context (context['dag_run']); the "
    "metadata database's models are not importable",
    "airflow.settings": "Updraft has no metadata database session; configure it with UPDRAFT_* "
    "settings (docs/configuration.md)",
    "airflow.providers.amazon": "this part of the Amazon provider is not in Updraft; the AWS "
    "operators it has are listed in README.md#aws-operators-and-notifications",
    "airflow.providers.postgres.operators": "PostgresOperator is gone from Airflow's postgres "
    "provider; use SQLExecuteQueryOperator (airflow.providers.common.sql.operators.sql)",
    "airflow.providers.sqlite.operators": "SqliteOperator is gone from Airflow's sqlite provider; "
    "use SQLExecuteQueryOperator (airflow.providers.common.sql.operators.sql)",
    "airflow.operators.python_operator": "an Airflow 1 path; use airflow.providers.standard.operators.python",
    "airflow.operators.bash_operator": "an Airflow 1 path; use airflow.providers.standard.operators.bash",
    "airflow.operators.dummy_operator": "an Airflow 1 path; use EmptyOperator from "
    "airflow.providers.standard.operators.empty",
    "airflow.utils.session": "there is no metadata database session in Updraft",
    "airflow.providers.smtp.notifications": "Updraft sends email through Amazon SES: use "
    "SesNotifier (airflow.providers.amazon.aws.notifications.ses)",
}

# Names asked for in a provided module that Updraft does not have, and what to use.
UNSUPPORTED_NAMES: dict[str, str] = {
    "Asset": "assets are not supported by Updraft yet",
    "Dataset": "assets (Dataset) are not supported by Updraft yet",
    "AssetAlias": "assets are not supported by Updraft yet",
    "AssetWatcher": "assets are not supported by Updraft yet",
    "AssetOrTimeSchedule": "assets are not supported by Updraft yet",
    "Metadata": "assets are not supported by Updraft yet",
    "asset": "assets are not supported by Updraft yet",
    "ObjectStoragePath": "use S3Hook (airflow.providers.amazon.aws.hooks.s3) for S3 objects",
    "DeadlineAlert": "deadline alerts are not supported by Updraft yet",
    "TaskInstance": "a task gets its task instance from the context: context['ti']",
    "DagRun": "a task gets its run from the context: context['dag_run']",
    "BaseAsyncOperator": "deferrable and async operators are not supported: use a sensor with "
    "mode='reschedule'",
}

DOCS = "docs/differences.md#airflow-modules"


@cache
def _packages() -> frozenset[str]:
    parents: set[str] = set()
    for name in MODULES:
        parts = name.split(".")
        parents.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(parents)


def is_package(name: str) -> bool:
    return name in _packages()


def missing_module_message(name: str) -> str:
    # Python imports `airflow.providers.cncf` before `airflow.providers.cncf.kubernetes`:
    # a listed module below the one asked for says as much.
    hint = next((UNSUPPORTED[p] for p in sorted(UNSUPPORTED, key=len, reverse=True)
                 if name == p or name.startswith(p + ".") or p.startswith(name + ".")), None)
    if hint is None:
        hint = f"the modules it provides are listed in {DOCS}"
    return f"No module named '{name}': Updraft does not provide this Airflow module; {hint}"


def missing_name_message(module: str, name: str) -> str:
    hint = UNSUPPORTED_NAMES.get(name, f"the names it provides are listed in {DOCS}")
    return f"Updraft's '{module}' has no '{name}'; {hint}"
