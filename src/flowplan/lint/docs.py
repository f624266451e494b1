"""Rule documentation from the registry: ``flow rules`` and
docs/rules.md, each with the fixed sections What it does / Why it matters / Example / Use
instead -- the examples being those the test suite runs."""

from __future__ import annotations

import textwrap

from flowplan.lint.registry import Rule, all_rules, example_files

HEADER = """\
# flow check rules

Generated from the rule registry (`src/flowplan/lint/rules/`) by
`python -m flowplan.lint.docs > docs/rules.md`; `tests/lint/test_docs.py` keeps it current.
Each rule's examples are its tests.  `flow rule FPxxx` explains any code, and
[diagnostics.md](diagnostics.md) documents every code, including those raised at run time.
"""


def rules_table() -> str:
    """One line per code, in code order: code, severity, name, rule, summary."""
    rows = []
    for rule in all_rules():
        for entry in rule.entries:
            rows.append(f"{entry.code}  {entry.severity.value:<7}  {entry.name:<30}  "
                        f"{rule.name:<28}  {entry.summary}")
    return "\n".join(sorted(rows))


def _files(example: dict[str, str], fence: str) -> str:
    parts = []
    for name, text in example.items():
        language = "yaml" if name.endswith((".yaml", ".yml")) else (
            "toml" if name.endswith(".toml") else "python")
        title = "" if name == "example.py" else f"`{name}`\n\n"
        parts.append(f"{title}{fence}{language}\n{text.rstrip()}\n{fence}")
    return "\n\n".join(parts)


def section(rule: Rule, code: str | None = None, level: str = "##") -> str:
    """A rule's documentation; with ``code``, only that code's INVALID examples."""
    invalid = rule.examples_for(code) if code else [example_files(e) for e in rule.invalid]
    module = rule.module.replace(".", "/")
    lines = [
        f"{level} {rule.name}",
        "",
        f"Rule module: `src/{module}.py`.",
        "",
        f"{level}# What it does",
        "",
        f"Reports when {rule.summary}:",
        "",
        *[f"- {e.code} `{e.name}` ({e.severity.value}): {e.summary}" for e in rule.entries],
        "",
        f"{level}# Why it matters",
        "",
        textwrap.dedent(rule.rationale).strip(),
        "",
        f"{level}# Example",
        "",
        *[_files(e, "```") + "\n" for e in invalid],
        f"{level}# Use instead",
        "",
        *[_files(example_files(e), "```") + "\n" for e in rule.valid],
    ]
    return "\n".join(lines).rstrip() + "\n"


def rules_markdown() -> str:
    sections = [section(rule) for rule in all_rules()]
    return HEADER + "\n" + "\n".join(sections)


if __name__ == "__main__":
    print(rules_markdown(), end="")
