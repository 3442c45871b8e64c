"""The local stack: template.yaml's resources on a moto server, and its event sources
emulated around the real handlers, so that the code that runs in AWS runs on a laptop.

Needs the `local` extra (moto[server], which brings PyYAML); Lambda never imports this."""

from updraft.local.events import LambdaContext, http_api_event, s3_event, schedule_event, sqs_event
from updraft.local.functions import LocalFunction, load_handler
from updraft.local.resources import EventSpec, FunctionSpec, LocalResources, Resource, create_resources
from updraft.local.server import MotoHandle, aws_environment, start_moto
from updraft.local.sources import (
    HttpGateway,
    S3NotificationSource,
    ScheduleEventSource,
    SqsEventSource,
    parse_rate,
)
from updraft.local.stack import LocalStack
from updraft.local.template import Resolver, TemplateError, load_template

__all__ = [
    "EventSpec",
    "FunctionSpec",
    "HttpGateway",
    "LambdaContext",
    "LocalFunction",
    "LocalResources",
    "LocalStack",
    "MotoHandle",
    "Resolver",
    "Resource",
    "S3NotificationSource",
    "ScheduleEventSource",
    "SqsEventSource",
    "TemplateError",
    "aws_environment",
    "create_resources",
    "http_api_event",
    "load_handler",
    "load_template",
    "parse_rate",
    "s3_event",
    "schedule_event",
    "sqs_event",
    "start_moto",
]
