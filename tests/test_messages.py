"""One message, one place: every FP code's message text is built in exactly one module.

A diagnostic is built where a module calls ``make("FPxxx", ...)`` or ``Diagnostic(...,
code="FPxxx")``, or writes ``{"code": "FPxxx", ...}``.  The words of every code live in one
module of ``flowplan.messages`` (the message registry), and every raise site calls its
constructor, so two paths cannot drift apart.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from flowplan.codes import CATALOG

SRC = Path(__file__).resolve().parent.parent / "src" / "flowplan"


def built_codes(source: str) -> set[str]:
    """The codes whose diagnostics ``source`` builds (not those it merely names)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ("make", "Diagnostic") and node.args:
                found.add(node.args[0])
            found.update(k.value for k in node.keywords if k.arg == "code")
        elif isinstance(node, ast.Dict):
            found.update(v for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and k.value == "code")
    return {n.value for n in found
            if isinstance(n, ast.Constant) and str(n.value).startswith("FP")}


def builders() -> dict[str, set[str]]:
    """Code -> the modules (paths relative to ``src/flowplan``) that build it."""
    where: dict[str, set[str]] = defaultdict(set)
    for path in sorted(SRC.rglob("*.py")):
        for code in built_codes(path.read_text()):
            where[code].add(str(path.relative_to(SRC)))
    return dict(where)


BUILDERS = builders()


def test_every_code_is_built_in_exactly_one_module() -> None:
    assert {code: sorted(m) for code, m in BUILDERS.items() if len(m) > 1} == {}


def test_every_built_code_is_in_the_catalog() -> None:
    assert sorted(set(BUILDERS) - set(CATALOG)) == []


def test_every_message_is_built_in_the_registry() -> None:
    outside = {code: sorted(m for m in modules if not m.startswith("messages/"))
               for code, modules in BUILDERS.items()}
    assert {code: m for code, m in outside.items() if m} == {}


def uses_make(source: str) -> bool:
    """Whether ``source`` imports or calls ``flowplan.codes.make``, the one way to give a
    diagnostic its words (a module that passes codes around in variables still needs it)."""
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.ImportFrom) and node.module == "flowplan.codes"
                and any(alias.name == "make" for alias in node.names)):
            return True
        if (isinstance(node, ast.Attribute) and node.attr == "make"
                and isinstance(node.value, ast.Name) and node.value.id == "codes"):
            return True
    return False


def test_only_the_registry_makes_diagnostics() -> None:
    users = [str(p.relative_to(SRC)) for p in sorted(SRC.rglob("*.py"))
             if uses_make(p.read_text())]
    assert [u for u in users if not u.startswith("messages/") and u != "codes.py"] == []


def test_a_make_behind_a_variable_is_caught() -> None:
    assert uses_make("from flowplan.codes import make\ndef report(code):\n    make(code, 'x')\n")
    assert uses_make("from flowplan import codes\ncodes.make(CODE, 'x')\n")
    assert not uses_make("from flowplan.codes import CATALOG\n")


def test_the_registry_builds_every_code_it_is_given() -> None:
    """The scan is not vacuous: most catalog codes are found, all of them in the registry."""
    assert len(BUILDERS) >= 0.8 * len(CATALOG)


def test_codes_the_front_ends_share_are_built_by_the_registry() -> None:
    """The codes both front ends raise (the twins of an earlier review) have their words in
    flowplan.messages, not in either front end."""
    shared = ["FP109", "FP110", "FP112", "FP114", "FP203", "FP204", "FP205", "FP212", "FP213",
              "FP214", "FP215", "FP216", "FP217"]
    assert {c: sorted(BUILDERS[c]) for c in shared
            if not all(m.startswith("messages/") for m in BUILDERS[c])} == {}


def test_the_scan_sees_every_way_of_building_a_diagnostic() -> None:
    source = (
        'from flowplan.codes import make\n'
        'def f():\n'
        '    a = make("FP203", "x")\n'
        '    b = codes.make("FP204", "x")\n'
        '    c = Diagnostic(code="FP205", message="x")\n'
        '    d = replace(c, code="FP206")\n'
        '    e = {"code": "FP207", "message": "x"}\n'
        '    CODE = "FP208"  # named, not built\n'
    )
    assert built_codes(source) == {"FP203", "FP204", "FP205", "FP206", "FP207"}


def test_a_twin_is_caught(tmp_path: Path) -> None:
    twice = {"a.py": 'make("FP203", "x")\n', "b.py": 'make("FP203", "y")\n'}
    where: dict[str, set[str]] = defaultdict(set)
    for name, text in twice.items():
        for code in built_codes(text):
            where[code].add(name)
    assert {c: m for c, m in where.items() if len(m) > 1} == {"FP203": {"a.py", "b.py"}}
