"""When an artifact of one type may feed a step input of another: the edge check's rules.

The rules are documented in :func:`is_compatible` and, for users, in ``docs/types.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from flowplan.compiler.plan import TypeExpr
from flowplan.compiler.typeforms import (
    ANY,
    ELLIPSIS,
    INT_EXPR,
    LITERAL,
    OBJECT,
    PARAMS,
    STR_EXPR,
    UNION,
    UNKNOWN,
    known_classes,
    literal,
    qualified,
    spell,
)

_STRUCTURAL = ("collections.abc.", "numbers.", "typing.Supports", "os.PathLike")
_ABSTRACT_BASES = frozenset({"typing.Protocol", "abc.ABC"})
_PROMOTIONS = frozenset({
    ("builtins.int", "builtins.float"), ("builtins.int", "builtins.complex"),
    ("builtins.float", "builtins.complex"), ("builtins.bool", "builtins.float"),
    ("builtins.bool", "builtins.complex"),
})

Pairs = list[tuple[TypeExpr, TypeExpr]]


def is_compatible(producer: TypeExpr | None, consumer: TypeExpr | None) -> bool:
    """Whether an artifact of type ``producer`` may feed an input of type ``consumer``.

    When in doubt the answer is yes: a wrong "no" would block a valid pipeline.

    - A missing annotation, ``Any`` or ``?`` (unknown) on either side fits; so does any
      producer into an ``object`` consumer.
    - A ``Union`` producer fits when every member fits; a producer fits a ``Union`` consumer
      when it fits at least one member (``int`` into ``Optional[int]`` yes; ``Optional[int]``
      into ``int`` no; ``None`` into ``Optional[int]`` yes).
    - A ``Literal`` producer fits a ``Literal`` consumer holding all its values, or any other
      consumer its values' types fit; only ``Literal`` producers fit ``Literal`` consumers.
    - Same class: arguments fit pairwise, covariantly; a missing argument is ``Any``;
      ``Tuple[T, ...]`` takes tuples of any length whose items fit ``T``.
    - Classes of ``builtins``, ``collections``, ``collections.abc`` and ``numbers`` relate as
      they do at run time (``list[int]`` into ``Sequence[int]``, ``dict[str, int]`` into
      ``Mapping[str, int]``, ``str`` into ``Iterable[str]``), plus the numeric tower:
      ``bool`` into ``int``, ``int`` into ``float``, ``int`` and ``float`` into ``complex``.
    - Other classes fit when the consumer is the producer's class or one of its ``bases``.
      A consumer that is an ABC or a protocol may be satisfied structurally, so it fits.
      Without complete ``bases`` (the static path cannot know subclassing) a producer fits
      unless both sides are builtins.
    """
    if producer is consumer:  # every rule below holds of a type and itself (cached types
        return True  # of one annotation text are one object)
    if producer is None or consumer is None or _is_wild(producer) or _is_wild(consumer):
        return True
    if consumer.name == OBJECT:
        return True
    if producer.name == UNION:
        return all(is_compatible(member, consumer) for member in producer.args)
    if producer.name == LITERAL and len(producer.args) > 1:
        return all(is_compatible(literal([v.name]), consumer) for v in producer.args)
    if consumer.name == UNION:
        return any(is_compatible(producer, member) for member in consumer.args)
    if producer.name == LITERAL:
        if consumer.name == LITERAL:
            return {a.name for a in producer.args} <= {a.name for a in consumer.args}
        return is_compatible(_literal_type(producer.args[0].name), consumer)
    if consumer.name == LITERAL:
        return False
    return _class_fits(producer, consumer)


def _is_wild(expr: TypeExpr) -> bool:
    if expr.name in (ANY, UNKNOWN, ELLIPSIS, PARAMS):
        return True
    return expr.name in (UNION, LITERAL) and not expr.args


def _class_fits(producer: TypeExpr, consumer: TypeExpr) -> bool:
    p, c = producer.name, consumer.name
    if p == c or _known_subtype(p, c):
        pairs = _arg_pairs(producer, consumer)
        return pairs is not None and all(is_compatible(a, b) for a, b in pairs)
    if c in producer.bases:
        return True
    known = known_classes()
    if p in known and c in known:
        return False
    if c.startswith(_STRUCTURAL) or _ABSTRACT_BASES.intersection(consumer.bases):
        return True
    if producer.bases and producer.bases[-1] == OBJECT:  # the complete MRO is known
        return False
    return not (p.startswith("builtins.") and c.startswith("builtins."))


@functools.lru_cache(maxsize=1024)
def _known_subtype(producer: str, consumer: str) -> bool:
    known = known_classes()
    p, c = known.get(producer), known.get(consumer)
    if p is None or c is None:
        return False
    return (producer, consumer) in _PROMOTIONS or issubclass(p, c)


def _arg_pairs(producer: TypeExpr, consumer: TypeExpr) -> Pairs | None:
    """The (producer item, consumer item) pairs to check; None when the shapes differ."""
    if not consumer.args or consumer.name == "collections.abc.Callable":
        return []
    if producer.name == consumer.name == "builtins.tuple":
        return _tuple_pairs(producer.args, consumer.args)
    if producer.name == consumer.name:
        return list(zip(producer.args, consumer.args, strict=False))
    if _known_subtype(consumer.name, "collections.abc.Mapping"):
        args = producer.args
        if producer.name == "collections.Counter" and args:
            args = (args[0], INT_EXPR)
        return list(zip(args, consumer.args, strict=False))
    if len(consumer.args) == 1:
        return [(item, consumer.args[0]) for item in _elements(producer)]
    return []


def _tuple_pairs(p: Sequence[TypeExpr], c: Sequence[TypeExpr]) -> Pairs | None:
    if not p:
        return []
    p_variadic = len(p) == 2 and p[1].name == ELLIPSIS
    if len(c) == 2 and c[1].name == ELLIPSIS:
        return [(item, c[0]) for item in (p[:1] if p_variadic else p)]
    if p_variadic:
        return [(p[0], item) for item in c]
    return list(zip(p, c, strict=True)) if len(p) == len(c) else None


def _elements(expr: TypeExpr) -> list[TypeExpr]:
    """The types of the items met when iterating a value of type ``expr`` (none: Any)."""
    if expr.name == "builtins.str":
        return [STR_EXPR]
    if expr.name in ("builtins.bytes", "builtins.bytearray", "builtins.range"):
        return [INT_EXPR]
    if expr.name == "builtins.tuple":
        variadic = len(expr.args) == 2 and expr.args[1].name == ELLIPSIS
        return list(expr.args[:1] if variadic else expr.args)
    return list(expr.args[:1])


def _literal_type(value: str) -> TypeExpr:
    """The type of a ``Literal`` value given as its ``repr`` (or ``module.Enum.MEMBER``)."""
    import ast

    try:
        return TypeExpr(name=qualified(type(ast.literal_eval(value))))
    except (ValueError, SyntaxError):
        return TypeExpr(name=value.rsplit(".", 1)[0])


def describe_mismatch(producer: TypeExpr | None, consumer: TypeExpr | None) -> str:
    """Why ``producer`` does not fit ``consumer``, in words for a diagnostic message."""
    message = f"`{spell(producer)}` does not fit `{spell(consumer)}`"
    reason = _reason(producer, consumer)
    return f"{message} ({reason})" if reason else message


def _reason(producer: TypeExpr | None, consumer: TypeExpr | None) -> str | None:
    if producer is None or consumer is None or is_compatible(producer, consumer):
        return None
    if producer.name == UNION:
        bad = next(m for m in producer.args if not is_compatible(m, consumer))
        return f"the value may be `{spell(bad)}`"
    if consumer.name == UNION or LITERAL in (producer.name, consumer.name):
        return None
    if producer.name != consumer.name and not _known_subtype(producer.name, consumer.name):
        return None
    pairs = _arg_pairs(producer, consumer)
    if pairs is None:
        return f"{len(producer.args)} items where {len(consumer.args)} are expected"
    for item, expected in pairs:
        if not is_compatible(item, expected):
            return f"item type `{spell(item)}` does not fit `{spell(expected)}`"
    return None
