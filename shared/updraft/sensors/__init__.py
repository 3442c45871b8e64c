"""The sensors users import: `from updraft.sensors import PythonSensor, DateTimeSensor`."""

from updraft.sensors.base import BaseSensorOperator, PokeReturnValue
from updraft.sensors.date_time import DateTimeSensor, TimeDeltaSensor
from updraft.sensors.external_task import ExternalTaskSensor
from updraft.sensors.http import HttpSensor
from updraft.sensors.python import PythonSensor
from updraft.sensors.s3 import S3KeySensor
from updraft.sensors.sftp import SFTPSensor
from updraft.sensors.sql import SqlSensor

__all__ = [
    "BaseSensorOperator",
    "DateTimeSensor",
    "ExternalTaskSensor",
    "HttpSensor",
    "PokeReturnValue",
    "PythonSensor",
    "S3KeySensor",
    "SFTPSensor",
    "SqlSensor",
    "TimeDeltaSensor",
]
