"""What ``import flowplan`` and a first run's imports cost beyond loading code: no annotation
text compiled by ``typing`` (a ``ForwardRef`` per field of a class-form ``NamedTuple`` or
``TypedDict`` in a module with postponed annotations), no regular expression compiled by a
flowplan module before it is used."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from flowplan.store.artifacts import is_content_hash
from flowplan.store.runref import is_id_prefix, latest_back

PROBE = """
import re, sys, typing
forward_refs = []
made = typing.ForwardRef.__init__
def counting(self, arg, *args, **kwargs):
    forward_refs.append(arg)
    made(self, arg, *args, **kwargs)
typing.ForwardRef.__init__ = counting
patterns = []
compile_pattern = re.compile
def recording(pattern, flags=0):
    module = sys._getframe(1).f_globals.get("__name__", "")
    if module.startswith("flowplan"):
        patterns.append((module, pattern))
    return compile_pattern(pattern, flags)
re.compile = recording
import flowplan
flowplan._local_runtime()  # what the first run imports
print(len([m for m in sys.modules if m.startswith("flowplan")]) > 60)
print(forward_refs)
print(patterns)
"""


def test_import_flowplan_and_the_runtime_compile_no_annotation_text_nor_pattern() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.split("\n")[:3] == ["True", "[]", "[]"]


@given(st.text(alphabet="0123456789abcdefABx-~ \n\u0660", max_size=70))
def test_content_hashes_are_told_as_the_pattern_told_them(text: str) -> None:
    assert is_content_hash(text) == bool(re.fullmatch("[0-9a-f]{64}", text))
    assert is_content_hash("0a" * 32)


@given(st.one_of(
    st.text(alphabet="latest~0123456789\u0660\u00b2x-", max_size=12),
    st.from_regex(r"latest(~\d+)?", fullmatch=True),
))
def test_run_references_are_read_as_the_patterns_read_them(reference: str) -> None:
    latest = re.fullmatch(r"latest(?:~(\d+))?", reference)
    assert latest_back(reference) == (int(latest.group(1) or 0) if latest else None)
    prefix = reference.lower()
    assert is_id_prefix(prefix) == bool(re.fullmatch(r"[0-9a-f-]{4,36}", prefix))


@given(st.text(alphabet="0123456789abcdef-g", min_size=0, max_size=40))
def test_id_prefixes_are_told_as_the_pattern_told_them(text: str) -> None:
    assert is_id_prefix(text) == bool(re.fullmatch(r"[0-9a-f-]{4,36}", text))


LAZY_MESSAGES = """
import sys
from flowplan.messages import runtime, store as store_messages
print(type(runtime).__name__, "flowplan.messages.runtime" in sys.modules)
diagnostic = runtime.run_from_worker("p")  # the first message loads its module
print(diagnostic.code, "flowplan.messages.runtime" in sys.modules)
import flowplan.messages as messages
print(messages.runtime is sys.modules["flowplan.messages.runtime"], type(store_messages).__name__)
from flowplan.messages import runtime as again
print(again is messages.runtime, hasattr(messages, "nothing"))
"""


def test_a_message_module_loads_at_its_first_message() -> None:
    out = subprocess.run([sys.executable, "-c", LAZY_MESSAGES], text=True,
                         capture_output=True, timeout=60, check=True).stdout
    assert out.split("\n")[:4] == [
        "LazyModule False", "FP502 True", "True LazyModule", "True False"
    ]


WARM_RUN = """
import sys
from flowplan import pipeline, step

@step
def inc(x: int) -> int:
    return x + 1

@pipeline(enable_cache=False)
def chain(start: int = 0) -> None:
    value = inc(x=start)
    for _ in range(3):
        value = inc(value)

chain()
chain(start=2)
print(sorted({"inspect", "ast", "dis", "tokenize", "linecache", "platform"} & set(sys.modules)))
"""

DOCLESS = """
import sys
import flowplan
from dataclasses import dataclass
print("inspect" in sys.modules)

@dataclass
class Point:
    x: int
    y: int = 0

print(Point.__doc__, "inspect" in sys.modules)
import dataclasses, inspect
print(dataclasses.inspect is inspect)
from flowplan.diagnostics import Diagnostic
print(Point.__init__.__annotations__["x"] is int, Diagnostic.__init__.__annotations__["code"])
"""


def test_a_run_whose_analysis_is_cached_loads_no_inspect_ast_dis_tokenize_nor_platform(
    tmp_path: Path,
) -> None:
    """They cost an eighth of a whole 100-step process: a warm run reads its functions'
    parameters from their code (flowplan.plain_functions) and never parses source; uuid
    asks platform only its system's name (flowplan.lazy.import_uuid)."""
    script = tmp_path / "warm.py"
    script.write_text(WARM_RUN)
    env = {**os.environ, "FLOWPLAN_HOME": str(tmp_path / "home"),
           "FLOWPLAN_CACHE_DIR": str(tmp_path / "cache"), "FLOWPLAN_QUIET": "1"}
    subprocess.run([sys.executable, str(script)], env=env, check=True, capture_output=True,
                   timeout=120)  # the first process analyses the step's source
    out = subprocess.run([sys.executable, str(script)], env=env, text=True, check=True,
                         capture_output=True, timeout=120).stdout
    assert out.split("\n")[-2] == "[]"


def test_dataclasses_made_after_import_flowplan_are_made_as_python_makes_them() -> None:
    """A class without docstring gets its signature as ``__doc__`` (loading inspect then),
    and ``__init__`` annotations are the field types, not the text of the generated code
    (which flowplan's stored code must not compile with postponed annotations)."""
    out = subprocess.run([sys.executable, "-c", DOCLESS], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.split("\n")[:4] == [
        "False", "Point(x: int, y: int = 0) True", "True", "True str"
    ]
