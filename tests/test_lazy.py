"""flowplan.lazy's stand-ins: a standard module imported with a seldom-used dependency
loaded at its first use, the answers the same as with the real dependency."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from flowplan.lazy import import_uuid
import_uuid()
import uuid
print("platform" in sys.modules, type(uuid.platform).__name__, uuid._LINUX, uuid._AIX)
print(uuid.UUID(str(uuid.uuid4())).version, uuid.uuid1().version)
import platform
print(uuid._LINUX == (platform.system() == "Linux"), uuid._AIX == (platform.system() == "AIX"))
print(uuid.platform.node() == platform.node(), uuid.platform is platform)
"""

STANDING = """
import sys
from flowplan.lazy import import_standing_in
import_standing_in("json", "decimal", Decimal="answered")  # (json does not import decimal)
import json
print("json" in sys.modules, "decimal" in sys.modules)
"""


def test_uuid_loads_without_platform_and_answers_as_with_it() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    linux = sys.platform.startswith("linux")
    assert out.split("\n")[:4] == [
        f"False StandIn {linux} False", "4 1", "True True", "True True"
    ]


def test_a_stand_in_is_in_sys_modules_only_while_its_owner_imports() -> None:
    out = subprocess.run([sys.executable, "-c", STANDING], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.split("\n")[:1] == ["True False"]


def test_the_host_tag_of_temporary_files_names_the_host_as_platform_does() -> None:
    import platform

    from flowplan.env import host_name

    assert host_name() == platform.node()


CLOUDPICKLE = """
import sys
from flowplan.lazy import import_cloudpickle
import_cloudpickle()
import cloudpickle, pickle
print("platform" in sys.modules, pickle.loads(cloudpickle.dumps(lambda x: x + 1))(1))
import platform
print(cloudpickle.cloudpickle.PYPY == (platform.python_implementation() == "PyPy"))
"""


def test_cloudpickle_loads_without_platform_and_knows_which_python_this_is() -> None:
    out = subprocess.run([sys.executable, "-c", CLOUDPICKLE], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.split("\n")[:2] == ["False 2", "True"]
