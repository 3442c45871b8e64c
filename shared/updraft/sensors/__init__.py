"""The sensors users import: `from updraft.sensors import PythonSensor, DateTimeSensor`."""

from updraft.sensors.base import BaseSensorOperator, PokeReturnValue
from updraft.sensors.date_time import DateTimeSensor, TimeDeltaSensor
from updraft.sensors.external_task import ExternalTaskSensor
from updraft.sensors.python import PythonSensor
from updraft.sensors.s3 import S3KeySensor

__all__ = [
    "BaseSensorOperator",
    "DateTimeSensor",
    "ExternalTaskSensor",
    "PokeReturnValue",
    "PythonSensor",
    "S3KeySensor",
    "TimeDeltaSensor",
]
