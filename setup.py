"""Everything is in pyproject.toml; this only adds `updraft_airflow.pth` to site-packages, so
that `python my_dag.py` finds Airflow's import paths (`from airflow.sdk import DAG`) as the
dag processor does. The finder it installs comes after every other: a real Airflow installed
beside Updraft is still the one imported."""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "updraft_airflow.pth"


class BuildWithPth(build_py):
    def run(self) -> None:
        super().run()
        # An editable install's wheel is laid out in `install_lib`; a normal one in build_lib.
        target = self.get_finalized_command("install").install_lib if self.editable_mode else self.build_lib
        self.copy_file(os.path.join("shared", PTH), os.path.join(target, PTH))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), os.path.join(self.build_lib, PTH)]


setup(cmdclass={"build_py": BuildWithPth})
