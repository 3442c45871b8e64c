"""Create the template's storage resources on the moto server, and name them as CloudFormation would.

Only what the code talks to at run time is created: buckets, tables, queues, topics. Functions,
layers, log groups and policies are listed as skipped; their Ref and ARN are still known, so
that whatever names them (a log group's `/aws/lambda/${Function}`) resolves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from updraft.local.template import ACCOUNT_ID, Resolver, TemplateError, as_string, references

logger = logging.getLogger(__name__)

BUCKET = "AWS::S3::Bucket"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
FUNCTION = "AWS::Serverless::Function"
CREATED_TYPES = (BUCKET, TABLE, QUEUE, TOPIC)

# Lambda's own defaults, used when neither the function nor Globals say.
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128


@dataclass(frozen=True)
class Resource:
    """One resource as it exists locally: what Ref and GetAtt give for it."""

    logical_id: str
    type: str
    name: str
    arn: str
    url: str | None = None
    created: bool = True


@dataclass(frozen=True)
class EventSpec:
    """One entry of a function's Events, properties resolved."""

    name: str
    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    """What the local stack needs to load and drive one AWS::Serverless::Function."""

    logical_id: str
    name: str
    arn: str
    code_uri: str
    handler: str
    timeout: int
    memory_size: int
    reserved_concurrency: int | None = None
    events: tuple[EventSpec, ...] = field(default=())


class LocalResources:
    """The stack's resources by logical id, and the resolver that knows them."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        stack_name: str,
        region: str,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.stack_name = stack_name
        self.region = region
        self.account_id = ACCOUNT_ID
        self.created: dict[str, Resource] = {}
        self.skipped: dict[str, str] = {}  # logical id -> type, not created locally
        self.resolver = Resolver(
            template, parameters=parameters, stack_name=stack_name, region=region, resources=self
        )

    # -------------------------------------------------------------- lookups
    def __getitem__(self, logical_id: str) -> Resource:
        if logical_id in self.created:
            return self.created[logical_id]
        if logical_id in self.skipped:
            return self._virtual(logical_id)
        raise KeyError(f"No resource '{logical_id}' in the local stack")

    def by_arn(self, arn: str) -> Resource:
        for resource in self.created.values():
            if resource.arn == arn:
                return resource
        raise KeyError(f"No local resource has the ARN {arn}")

    def ref(self, logical_id: str) -> str:
        resource = self[logical_id]
        if resource.type == TOPIC and resource.created:
            return resource.arn  # a topic's Ref is its ARN
        return resource.url if resource.type == QUEUE and resource.url else resource.name

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self[logical_id]
        attributes = {"Arn": resource.arn}
        if resource.type == QUEUE:
            attributes |= {"QueueName": resource.name, "QueueUrl": resource.url or ""}
        elif resource.type == TOPIC:
            attributes |= {"TopicName": resource.name, "TopicArn": resource.arn}
        elif resource.type == BUCKET:
            attributes |= {
                "DomainName": f"{resource.name}.s3.amazonaws.com",
                "RegionalDomainName": f"{resource.name}.s3.{self.region}.amazonaws.com",
                "WebsiteURL": f"http://{resource.name}.s3-website-{self.region}.amazonaws.com",
            }
        if attribute not in attributes:
            raise TemplateError(f"GetAtt {logical_id}.{attribute} is not known locally")
        return attributes[attribute]

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    # -------------------------------------------------------------- functions
    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals' variables overlaid with the function's own, resolved, as Lambda sees them."""
        variables = dict(_globals(self.template).get("Environment", {}).get("Variables") or {})
        props = self._properties(logical_id, FUNCTION)
        variables.update((props.get("Environment") or {}).get("Variables") or {})
        return {name: as_string(value) for name, value in self.resolve(variables).items()}

    def functions(self) -> list[FunctionSpec]:
        return [
            self.function(logical_id)
            for logical_id, body in self.template.get("Resources", {}).items()
            if body.get("Type") == FUNCTION
        ]

    def function(self, logical_id: str) -> FunctionSpec:
        props = {**_globals(self.template), **self._properties(logical_id, FUNCTION)}
        resource = self[logical_id]
        events = tuple(
            EventSpec(name, event["Type"], self.resolve(event.get("Properties") or {}))
            for name, event in (props.get("Events") or {}).items()
        )
        reserved = props.get("ReservedConcurrentExecutions")
        return FunctionSpec(
            logical_id=logical_id,
            name=resource.name,
            arn=resource.arn,
            code_uri=str(self.resolve(props.get("CodeUri", "."))),
            handler=str(self.resolve(props["Handler"])),
            timeout=int(self.resolve(props.get("Timeout", DEFAULT_TIMEOUT))),
            memory_size=int(self.resolve(props.get("MemorySize", DEFAULT_MEMORY))),
            reserved_concurrency=None if reserved is None else int(self.resolve(reserved)),
            events=events,
        )

    def _properties(self, logical_id: str, expected_type: str) -> dict[str, Any]:
        body = self.template.get("Resources", {}).get(logical_id)
        if body is None or body.get("Type") != expected_type:
            raise KeyError(f"'{logical_id}' is not an {expected_type} of the template")
        return body.get("Properties") or {}

    def _virtual(self, logical_id: str) -> Resource:
        """A resource that is not created locally still has a name and an ARN."""
        kind = self.skipped[logical_id]
        name = default_name(self.stack_name, logical_id)
        prefix = f"arn:aws:{{}}:{self.region}:{self.account_id}"
        if kind in (FUNCTION, "AWS::Lambda::Function"):
            arn = prefix.format("lambda") + f":function:{name}"
        elif kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            arn = prefix.format("lambda") + f":layer:{name}:1"
            name = arn  # a layer's Ref is its version ARN
        elif kind == "AWS::Logs::LogGroup":
            props = self.template["Resources"][logical_id].get("Properties") or {}
            name = str(self.resolve(props.get("LogGroupName", name)))
            arn = prefix.format("logs") + f":log-group:{name}:*"
        else:
            arn = prefix.format("cloudformation") + f":local/{kind}/{name}"
        return Resource(logical_id, kind, name, arn, created=False)


def _globals(template: Mapping[str, Any]) -> dict[str, Any]:
    return dict((template.get("Globals") or {}).get("Function") or {})


def default_name(stack_name: str, logical_id: str) -> str:
    """CloudFormation's `<stack>-<LogicalId>-<random>`, without the random part, so that a
    restart finds the same resources."""
    return f"{stack_name}-{logical_id}"


# ------------------------------------------------------------------ creation


def create_resources(
    template: Mapping[str, Any],
    session: Any,
    stack_name: str,
    *,
    parameters: Mapping[str, Any] | None = None,
) -> LocalResources:
    """Create every bucket, table, queue and topic of the template, dependencies first."""
    region = session.region_name or "us-east-1"
    local = LocalResources(template, stack_name=stack_name, region=region, parameters=parameters)
    declared = template.get("Resources") or {}
    for logical_id, body in declared.items():
        if body.get("Type") not in CREATED_TYPES:
            local.skipped[logical_id] = body.get("Type", "")
    creators = {BUCKET: _create_bucket, TABLE: _create_table, QUEUE: _create_queue, TOPIC: _create_topic}
    for logical_id in creation_order(template):
        body = declared[logical_id]
        if "Condition" in body and not local.resolver.condition(body["Condition"]):
            continue
        props = local.resolve(body.get("Properties") or {})
        local.created[logical_id] = creators[body["Type"]](session, local, logical_id, props)
        logger.info("Created %s %s", body["Type"], local.created[logical_id].name)
    return local


def creation_order(template: Mapping[str, Any]) -> list[str]:
    """The created resources, each after those it references (template order otherwise)."""
    declared = template.get("Resources") or {}
    wanted = [lid for lid, body in declared.items() if body.get("Type") in CREATED_TYPES]
    needs = {}
    for lid in wanted:
        depends = declared[lid].get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else depends
        needs[lid] = (references(declared[lid].get("Properties")) | set(depends)) & set(wanted) - {lid}
    order: list[str] = []
    while len(order) < len(wanted):
        ready = [lid for lid in wanted if lid not in order and needs[lid] <= set(order)]
        if not ready:
            raise TemplateError(f"Circular references among {sorted(set(wanted) - set(order))}")
        order.append(ready[0])
    return order


def _create_bucket(session: Any, local: LocalResources, logical_id: str, props: dict[str, Any]) -> Resource:
    name = props.get("BucketName") or default_name(local.stack_name, logical_id).lower()[:63]
    s3 = session.client("s3")
    args: dict[str, Any] = {"Bucket": name}
    if local.region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": local.region}
    try:
        s3.create_bucket(**args)
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    status = (props.get("VersioningConfiguration") or {}).get("Status")
    if status:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    return Resource(logical_id, BUCKET, name, f"arn:aws:s3:::{name}")


_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")


def _create_table(session: Any, local: LocalResources, logical_id: str, props: dict[str, Any]) -> Resource:
    name = props.get("TableName") or default_name(local.stack_name, logical_id)
    ddb = session.client("dynamodb")
    args: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("ProvisionedThroughput", "OnDemandThroughput"):
        if key in props:
            args[key] = props[key]
    for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if props.get(key):
            args[key] = [{k: v for k, v in index.items() if k in _INDEX_KEYS} for index in props[key]]
    stream = props.get("StreamSpecification")
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    try:
        description = ddb.create_table(**args)["TableDescription"]
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceInUseException":
            raise
        description = ddb.describe_table(TableName=name)["Table"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    return Resource(logical_id, TABLE, name, description["TableArn"])


# CloudFormation property -> SQS attribute, for those that pass through as they are.
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue",
    "FifoThroughputLimit", "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize",
    "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled",
    "VisibilityTimeout",
)  # fmt: skip


def _create_queue(session: Any, local: LocalResources, logical_id: str, props: dict[str, Any]) -> Resource:
    name = props.get("QueueName") or default_name(local.stack_name, logical_id)
    if props.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: as_string(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            value = props[key]
            attributes[key] = value if isinstance(value, str) else json.dumps(value)
    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Resource(logical_id, QUEUE, name, arn, url=url)


def _create_topic(session: Any, local: LocalResources, logical_id: str, props: dict[str, Any]) -> Resource:
    name = props.get("TopicName") or default_name(local.stack_name, logical_id)
    if props.get("FifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {"FifoTopic": "true"} if props.get("FifoTopic") else {}
    if props.get("DisplayName"):
        attributes["DisplayName"] = str(props["DisplayName"])
    arn = session.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]  # idempotent
    return Resource(logical_id, TOPIC, name, arn)
