"""The sensors users import: `from updraft.sensors import PythonSensor, DateTimeSensor`."""

from updraft.sensors.base import BaseSensorOperator, PokeReturnValue
from updraft.sensors.bash import BashSensor
from updraft.sensors.date_time import DateTimeSensor, TimeDeltaSensor, TimeSensor, WaitSensor
from updraft.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from updraft.sensors.filesystem import FileSensor
from updraft.sensors.http import HttpSensor
from updraft.sensors.python import PythonSensor
from updraft.sensors.s3 import S3KeySensor
from updraft.sensors.sftp import SFTPSensor
from updraft.sensors.sql import SqlSensor
from updraft.sensors.weekday import DayOfWeekSensor, WeekDay

__all__ = [
    "BaseSensorOperator",
    "BashSensor",
    "DateTimeSensor",
    "DayOfWeekSensor",
    "ExternalTaskMarker",
    "ExternalTaskSensor",
    "FileSensor",
    "HttpSensor",
    "PokeReturnValue",
    "PythonSensor",
    "S3KeySensor",
    "SFTPSensor",
    "SqlSensor",
    "TimeDeltaSensor",
    "TimeSensor",
    "WaitSensor",
    "WeekDay",
]
