"""AwsBaseHook: a boto3 session and client for any AWS service, from an `aws` connection, as
Airflow's Amazon provider makes them.

Where the credentials come from, in Airflow's order:

- the connection's login and password (access key id and secret), else the extra's
  `aws_access_key_id` / `aws_secret_access_key` (and `aws_session_token`);
- with `role_arn` in the extra, those credentials (or the function's own) assume that role
  (`assume_role_kwargs` passed to STS, refreshed before they expire);
- with no connection (`aws_conn_id=None`, or an id that is not defined), boto3's own chain:
  in Lambda the worker function's role, on a laptop the environment (the local stack's
  `AWS_ENDPOINT_URL` included).

The extra's `region_name`, `endpoint_url`, `service_config` (per-service `endpoint_url`),
`config_kwargs` (botocore `Config`) and `verify` mean what they mean in Airflow."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from updraft.exceptions import AirflowNotFoundException
from updraft.hooks.base import BaseHook

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

    from updraft.authoring.connection import Connection

ASSUME_ROLE_METHODS = ("assume_role",)


def _trim_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class AwsConnectionWrapper:
    """What one `aws` connection says about reaching AWS (Airflow's AwsConnectionWrapper)."""

    def __init__(
        self,
        conn: "Connection | None",
        region_name: str | None = None,
        botocore_config: "Config | None" = None,
        verify: bool | str | None = None,
    ) -> None:
        self.conn_id = conn.conn_id if conn is not None else None
        self.region_name = region_name
        self.botocore_config = botocore_config
        self.verify = verify
        self.extra_config: dict[str, Any] = {}
        self.aws_access_key_id: str | None = None
        self.aws_secret_access_key: str | None = None
        self.aws_session_token: str | None = None
        self.profile_name: str | None = None
        self.endpoint_url: str | None = None
        self.service_config: dict[str, dict[str, Any]] = {}
        self.role_arn: str | None = None
        self.assume_role_method: str | None = None
        self.assume_role_kwargs: dict[str, Any] = {}
        self._found = conn is not None
        if conn is not None:
            self._read(conn)

    def __bool__(self) -> bool:
        return self._found

    def _read(self, conn: "Connection") -> None:
        extra = dict(conn.extra_dejson)
        self.extra_config = extra
        self.service_config = extra.get("service_config") or {}
        if conn.login and conn.password:
            self.aws_access_key_id, self.aws_secret_access_key = conn.login, conn.password
        elif extra.get("aws_access_key_id") and extra.get("aws_secret_access_key"):
            self.aws_access_key_id = extra["aws_access_key_id"]
            self.aws_secret_access_key = extra["aws_secret_access_key"]
        self.aws_session_token = extra.get("aws_session_token")
        if not self.region_name:
            self.region_name = extra.get("region_name")
        if self.verify is None and "verify" in extra:
            self.verify = extra["verify"]
        self.profile_name = extra.get("profile_name")
        config_kwargs = extra.get("config_kwargs")
        if self.botocore_config is None and config_kwargs:
            from botocore.config import Config

            self.botocore_config = Config(**config_kwargs)
        self.endpoint_url = extra.get("endpoint_url")
        self.role_arn = extra.get("role_arn")
        if self.role_arn:
            self.assume_role_method = extra.get("assume_role_method") or "assume_role"
            if self.assume_role_method not in ASSUME_ROLE_METHODS:
                raise NotImplementedError(
                    f"Found assume_role_method={self.assume_role_method!r} in connection {self.conn_id!r} "
                    f"extra. Currently {list(ASSUME_ROLE_METHODS)} are supported."
                    ' (Exclude this setting will default to "assume_role").'
                )
            self.assume_role_kwargs = dict(extra.get("assume_role_kwargs") or {})

    @property
    def session_kwargs(self) -> dict[str, Any]:
        return _trim_none({
            "aws_access_key_id": self.aws_access_key_id,
            "aws_secret_access_key": self.aws_secret_access_key,
            "aws_session_token": self.aws_session_token,
            "region_name": self.region_name,
            "profile_name": self.profile_name,
        })

    def get_service_config(self, service_name: str) -> dict[str, Any]:
        return dict(self.service_config.get(service_name) or {})

    def get_service_endpoint_url(self, service_name: str, *, sts_connection_assume: bool = False) -> str | None:
        """The service's own endpoint_url, else the connection's (assuming a role never uses
        the connection-wide one, as in Airflow)."""
        default = None if (service_name == "sts" and sts_connection_assume) else self.endpoint_url
        return self.get_service_config(service_name).get("endpoint_url", default)


class AwsBaseHook(BaseHook):
    """Interact with AWS through boto3: `get_conn()` is the client (or resource) of
    `client_type` (or `resource_type`) made from the connection `aws_conn_id`."""

    conn_name_attr = "aws_conn_id"
    default_conn_name = "aws_default"
    conn_type = "aws"
    hook_name = "Amazon Web Services"

    def __init__(
        self,
        aws_conn_id: str | None = default_conn_name,
        verify: bool | str | None = None,
        region_name: str | None = None,
        client_type: str | None = None,
        resource_type: str | None = None,
        config: "Config | dict[str, Any] | None" = None,
    ) -> None:
        super().__init__()
        self.aws_conn_id = aws_conn_id
        self.client_type = client_type
        self.resource_type = resource_type
        self._region_name = region_name
        if isinstance(config, dict):
            from botocore.config import Config

            config = Config(**config)
        self._config = config
        self._verify = verify

    # -------------------------------------------------------------- the connection
    @functools.cached_property
    def conn_config(self) -> AwsConnectionWrapper:
        """The connection, read once; a connection id that is not defined means boto3's own
        credentials (with a warning), as in Airflow."""
        connection = None
        if self.aws_conn_id:
            try:
                connection = self.get_connection(self.aws_conn_id)
            except AirflowNotFoundException:
                self.log.warning("Unable to find AWS Connection ID '%s', switching to empty.", self.aws_conn_id)
        return AwsConnectionWrapper(connection, region_name=self._region_name,
                                    botocore_config=self._config, verify=self._verify)

    @property
    def region_name(self) -> str | None:
        return self.conn_config.region_name

    @property
    def config(self) -> "Config":
        from botocore.config import Config

        return self.conn_config.botocore_config or Config()

    @property
    def verify(self) -> bool | str | None:
        return self.conn_config.verify

    @property
    def service_name(self) -> str:
        if bool(self.client_type) == bool(self.resource_type):
            raise ValueError(
                f"Either client_type={self.client_type!r} or resource_type={self.resource_type!r} "
                "must be provided, not both."
            )
        return self.client_type or self.resource_type  # type: ignore[return-value]

    @property
    def service_config(self) -> dict[str, Any]:
        return self.conn_config.get_service_config(self.service_name)

    # -------------------------------------------------------------- sessions and clients
    def get_session(self, region_name: str | None = None) -> "boto3.session.Session":
        """A boto3 session with the connection's credentials (or an assumed role's)."""
        import boto3

        conn = self.conn_config
        region = region_name or conn.region_name
        if not conn:
            self.log.info("No connection ID provided. Fallback on boto3 credential strategy (region_name=%r).",
                          region)
            return boto3.session.Session(region_name=region)
        kwargs = conn.session_kwargs
        if region:
            kwargs["region_name"] = region
        if not conn.role_arn:
            return boto3.session.Session(**kwargs)
        return self._assumed_role_session(boto3.session.Session(**kwargs), region)

    def _assumed_role_session(self, basic: "boto3.session.Session", region: str | None) -> "boto3.session.Session":
        import boto3
        import botocore.credentials
        import botocore.session

        conn = self.conn_config
        sts = basic.client("sts", config=self.config,
                           endpoint_url=conn.get_service_endpoint_url("sts", sts_connection_assume=True))

        def refresh() -> dict[str, Any]:
            session_name = re.sub(r"[^\w+=,.@-]+", "", f"Airflow_{conn.conn_id}")
            response = sts.assume_role(**{"RoleSessionName": session_name, **conn.assume_role_kwargs,
                                          "RoleArn": conn.role_arn})
            credentials = response["Credentials"]
            return {
                "access_key": credentials["AccessKeyId"],
                "secret_key": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"],
                "expiry_time": credentials["Expiration"].isoformat(),
            }

        credentials = botocore.credentials.RefreshableCredentials.create_from_metadata(
            metadata=refresh(), refresh_using=refresh, method="sts-assume-role",
        )
        core = botocore.session.get_session()
        core._credentials = credentials
        core.set_config_variable("region", region or basic.region_name)
        return boto3.session.Session(botocore_session=core, region_name=region or basic.region_name)

    def get_client_type(self, region_name: str | None = None, config: "Config | None" = None) -> Any:
        if not self.client_type:
            raise LookupError("Requested `client_type`, but `resource_type` was set instead.")
        return self.get_session(region_name).client(
            self.client_type,
            endpoint_url=self.conn_config.get_service_endpoint_url(self.client_type),
            config=config or self.config,
            verify=self.verify,
        )

    def get_resource_type(self, region_name: str | None = None, config: "Config | None" = None) -> Any:
        if not self.resource_type:
            raise LookupError("Requested `resource_type`, but `client_type` was set instead.")
        return self.get_session(region_name).resource(
            self.resource_type,
            endpoint_url=self.conn_config.get_service_endpoint_url(self.resource_type),
            config=config or self.config,
            verify=self.verify,
        )

    @functools.cached_property
    def conn(self) -> Any:
        """The boto3 client (or resource), made once per hook."""
        _ = self.service_name  # exactly one of client_type and resource_type
        if self.client_type:
            return self.get_client_type(region_name=self.region_name)
        return self.get_resource_type(region_name=self.region_name)

    def get_conn(self) -> Any:
        return self.conn

    @property
    def _client(self) -> Any:
        conn = self.conn
        return getattr(conn.meta, "client", conn)  # a resource's meta holds its client

    @property
    def conn_region_name(self) -> str:
        return self._client.meta.region_name

    @property
    def conn_partition(self) -> str:
        return self._client.meta.partition

    @functools.cached_property
    def account_id(self) -> str:
        sts = self.get_session().client("sts", endpoint_url=self.conn_config.get_service_endpoint_url("sts"),
                                        config=self.config, verify=self.verify)
        return sts.get_caller_identity()["Account"]

    def get_credentials(self, region_name: str | None = None) -> Any:
        """The session's frozen credentials; their secret parts are masked in the task log."""
        from updraft.execution.masking import mask_secret

        credentials = self.get_session(region_name).get_credentials().get_frozen_credentials()
        mask_secret(credentials.secret_key)
        if credentials.token:
            mask_secret(credentials.token)
        return credentials

    def get_waiter(self, waiter_name: str) -> Any:
        """One of the service's botocore waiters (Updraft's own operators wait by rescheduling)."""
        return self._client.get_waiter(waiter_name)

    def test_connection(self) -> tuple[bool, str]:
        """Whether STS accepts the credentials (Airflow's test: GetCallerIdentity)."""
        try:
            session = self.get_session()
            info = session.client("sts", endpoint_url=self.conn_config.get_service_endpoint_url("sts")) \
                .get_caller_identity()
            info.pop("ResponseMetadata", None)
            info["region_name"] = session.region_name
            return True, ", ".join(f"{key}={value!r}" for key, value in info.items())
        except Exception as err:  # noqa: BLE001 - the answer is the error, as Airflow's
            return False, f"{type(err).__name__!r} error occurred while testing connection: {err}"


def trim_none_values(values: dict[str, Any]) -> dict[str, Any]:
    """Airflow's helper: the items whose value is not None."""
    return _trim_none(values)

