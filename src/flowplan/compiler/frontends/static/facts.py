"""What one module defines, read from its ``ast``: steps, pipelines, functions, imports and
module-level values -- each name bound as it is once the module has been imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flowplan.analyzer.blocks import statement_blocks
from flowplan.analyzer.imports import (
    ImportMap,
    import_map,
    import_statements,
    package_of,
)
from flowplan.analyzer.name_folding import NOT_KNOWN, fold_names
from flowplan.analyzer.names import dotted_parts
from flowplan.analyzer.spellings import canonical, spelling_of
from flowplan.compiler.frontends.static.definitions import (
    Definition,
    DefNode,
    PipelineDef,
    StepDef,
    decorated_defs,
)
from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.operations import SAFE_BUILTINS
from flowplan.compiler.frontends.static.references import configured
from flowplan.compiler.frontends.static.values import FunctionRef, PipelineRef, StepRef, Unknown

if TYPE_CHECKING:
    from flowplan.analyzer.signature import StepSignature
    from flowplan.analyzer.source import SourceFile
    from flowplan.analyzer.spellings import Spelling
    from flowplan.compiler.frontends.static.program import Program
    from flowplan.diagnostics import Diagnostic

Function = tuple[str, "ast.FunctionDef | ast.AsyncFunctionDef"]  # a step's qualname and def
SIGNATURE_BLOCK = 256  # steps whose signatures are read together, when one is first needed
STEP_DECORATORS = frozenset({"flowplan.step", "flowplan.compiler.step.step"})
PIPELINE_DECORATORS = frozenset({"flowplan.pipeline", "flowplan.compiler.pipeline.pipeline"})


@dataclass
class ModuleFacts:
    """The module-level names of one checked module, resolved lazily."""

    program: Program
    source: SourceFile
    imports: ImportMap = field(init=False)
    bindings: dict[str, ast.AST | str | None] = field(default_factory=dict)
    definitions: list[Definition] = field(default_factory=list)
    configures: dict[str, list[ast.Call]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)  # files of the modules it resolved
    types: dict[str, Any] = field(default_factory=dict)  # annotation text -> TypeExpr
    hints: dict[str, Any] = field(default_factory=dict)  # annotation text -> typing object
    defaults: dict[int, dict[str, Any]] = field(default_factory=dict)  # def -> its defaults
    _values: dict[str, Any] = field(default_factory=dict)
    _signatures: dict[int, StepSignature] = field(default_factory=dict)
    _unread: dict[int, list[Function]] | None = None  # def -> its block of steps, not yet read

    def __post_init__(self) -> None:
        tree = self.source.tree
        assert tree is not None
        package = package_of(self.source.module, self.source.path.endswith("__init__.py"))
        self.imports = import_map(import_statements(tree.body), package)
        self._bind(tree.body, certain=True)
        self._find_definitions()

    # -- what names are bound to --------------------------------------------------------------
    def _bind(self, body: list[ast.stmt], certain: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bindings[stmt.name] = stmt
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    if bound in self.imports.names:
                        self.bindings[bound] = self.imports.names[bound]
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                self._bind_assignment(stmt, certain)
            elif isinstance(stmt, ast.Expr) and certain:
                self._note_configure(stmt.value)
            elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
                for block in statement_blocks(stmt):
                    self._bind(block, certain=False)
            else:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        self.bindings[node.id] = None

    def _bind_assignment(self, stmt: ast.Assign | ast.AnnAssign, certain: bool) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                self.bindings[target.id] = stmt.value if certain and stmt.value else None
            else:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        self.bindings[node.id] = None

    def _note_configure(self, expr: ast.expr) -> None:
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "configure"
            and isinstance(expr.func.value, ast.Name)
        ):
            self.configures.setdefault(expr.func.value.id, []).append(expr)

    def _find_definitions(self) -> None:
        assert self.source.tree is not None
        # Most defs share a few decorators (``@step``): each spelling is resolved once.
        known: dict[tuple[str, ...], tuple[str | None, Spelling | None]] = {}
        for qualname, node in decorated_defs(self.source.tree.body):
            for decorator in node.decorator_list:
                head = decorator.func if isinstance(decorator, ast.Call) else decorator
                dotted = dotted_parts(head)
                if dotted is None:
                    continue
                if self.bindings.get(dotted[0]) is node:  # ``@pipeline`` on ``def pipeline``
                    name = self.decorator_name(head, node)
                    found = (name, spelling_of(name))
                else:
                    key = tuple(dotted)
                    found = known.get(key) or known.setdefault(key, self._kind(dotted))
                name, spelling = found
                if name is None or spelling is None:
                    continue
                kind = canonical(name)
                if kind in STEP_DECORATORS:
                    self.definitions.append(
                        StepDef(self, node, qualname, decorator, "step", spelling=spelling))
                elif kind in PIPELINE_DECORATORS:
                    self.definitions.append(
                        PipelineDef(self, node, qualname, decorator, "pipeline",
                                    spelling=spelling))

    def decorator_name(self, expr: ast.expr, node: DefNode) -> str | None:
        """The qualified name of a decorator as it is bound when the def runs: ``@pipeline``
        on ``def pipeline(): ...`` is the imported decorator, not the def it rebinds."""
        dotted = dotted_parts(expr)
        if dotted is None:
            return None
        head, *parts = dotted
        if self.bindings.get(head) is node:
            imported = self.imports.names.get(head)
            return None if imported is None else ".".join([imported, *parts])
        return self.qualified(expr)

    def _kind(self, dotted: list[str]) -> tuple[str | None, Spelling | None]:
        """The qualified name of a decorator written ``dotted``, and its spelling."""
        bound = self.bindings.get(dotted[0])
        name = ".".join([bound, *dotted[1:]]) if isinstance(bound, str) else None
        return name, spelling_of(name)

    def qualified(self, expr: ast.expr) -> str | None:
        """The qualified name a (dotted) name stands for through the imports, if any."""
        dotted = dotted_parts(expr)
        if dotted is None:
            return None
        head, *parts = dotted
        bound = self.bindings.get(head)
        if isinstance(bound, str):
            return ".".join([bound, *parts])
        return None

    @cached_property
    def type_names(self) -> dict[str, str]:
        """Names for ``type_expr_from_source``: imports, and this module's own classes."""
        names = dict(self.imports.names)
        for name, bound in self.bindings.items():
            if isinstance(bound, ast.ClassDef):
                names[name] = f"{self.source.module}.{name}"
        return names

    @cached_property
    def by_node(self) -> dict[int, Definition]:
        return {id(d.node): d for d in self.definitions}

    @property
    def steps(self) -> list[StepDef]:
        return [d for d in self.definitions if isinstance(d, StepDef)]

    @property
    def pipelines(self) -> list[PipelineDef]:
        return [d for d in self.definitions if isinstance(d, PipelineDef)]

    # -- values ----------------------------------------------------------------------------
    def lookup(self, name: str) -> Any:
        """What ``name`` is bound to at module level once the module has been imported."""
        if name in self._values:
            return self._values[name]
        self._values[name] = Unknown(f"`{name}` refers to itself")  # a cycle stops here
        value = self._resolve(name)
        self._values[name] = value
        return value

    def _resolve(self, name: str) -> Any:
        if name not in self.bindings:
            for module in self.imports.star:
                value = self.program.resolve(f"{module}.{name}", self)
                if not isinstance(value, Unknown):
                    return value
            return SAFE_BUILTINS.get(name, Unknown(f"`{name}` is not defined here"))
        bound = self.bindings[name]
        if isinstance(bound, str):
            return self.program.resolve(bound, self)
        if isinstance(bound, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return self._definition_value(name, bound)
        if isinstance(bound, ast.expr):
            return Evaluator(self).value(bound)
        return Unknown(f"`{name}` is bound conditionally or in a loop")

    def _definition_value(self, name: str, node: DefNode) -> Any:
        definition = self.by_node.get(id(node))
        if isinstance(definition, StepDef):
            return configured(StepRef(definition), self.configures.get(name, []), self)
        if isinstance(definition, PipelineDef):
            return configured(PipelineRef(definition), self.configures.get(name, []), self)
        return FunctionRef(self, node, name)

    def signature(self, definition: StepDef) -> StepSignature:
        found = self._signatures.get(id(definition.node))
        if found is None:
            self._read_block_of(definition)
            found = self._signatures.get(id(definition.node))
            if found is None:
                raise LookupError(definition.name)
        return found

    def _read_block_of(self, definition: StepDef) -> None:
        """Read the signatures of the block of consecutive steps that holds ``definition``:
        a check reads those it uses (a shard of a large file, :mod:`flowplan.lint.shards`,
        its own), and a block is read at once (one read of its text, one of its types)."""
        if self._unread is None:
            functions: dict[int, Function] = {}
            for step in self.steps:  # a def with two step decorators is read once
                if isinstance(step.node, ast.FunctionDef | ast.AsyncFunctionDef):
                    functions[id(step.node)] = (step.qualname, step.node)
            steps = list(functions.values())
            self._unread = {}
            for start in range(0, len(steps), SIGNATURE_BLOCK):
                block = steps[start:start + SIGNATURE_BLOCK]
                self._unread.update((id(node), block) for _, node in block)
        unread = self._unread.get(id(definition.node))
        if unread is not None:
            self._signatures.update(self._read_signatures(unread))

    def _read_signatures(self, block: list[Function]) -> dict[int, StepSignature]:
        """The signatures of ``block``: from the ast where that is certain, else from the
        analyzer's libcst reading -- which parses the whole module, so that every step not
        read yet is then read with it."""
        assert self._unread is not None
        found: dict[int, StepSignature] = {}
        unsure = self._quick(block, found)
        if unsure:
            blocks = {id(steps): steps for steps in self._unread.values()}
            unsure += self._quick([(name, node) for steps in blocks.values()
                                   for name, node in steps if id(node) in self._unread], found)
        if unsure:
            from flowplan.analyzer.step_signatures import step_signatures

            exact, error = step_signatures(self.source, unsure)
            self.source.release_cst()  # large, and not needed once the signatures are read
            found.update(exact)
            if error is not None:
                self.problems.append(error)
        return {key: fold_names(sig, self.fold) for key, sig in found.items()}

    def _quick(self, todo: list[Function], found: dict[int, StepSignature]
               ) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Read ``todo``'s signatures from the ast into ``found``; those it cannot be sure
        of are returned."""
        from flowplan.analyzer.ast_signatures import quick_signature

        assert self._unread is not None
        unsure = []
        for qualname, node in todo:
            quick = quick_signature(self.source, qualname, node)
            if quick is None:
                unsure.append(node)
            else:
                found[id(node)] = quick
            del self._unread[id(node)]
        return unsure

    def fold(self, text: str) -> object:
        """The value of an output name written as an expression (``Names.MODEL``)."""
        try:
            node = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            return NOT_KNOWN
        value = Evaluator(self).value(node)
        return NOT_KNOWN if isinstance(value, Unknown) else value
