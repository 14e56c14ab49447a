"""What every construct of the library has in common, written once for all of them.

A construct class that derives from :class:`LibraryConstruct` (or mixes in
:class:`ConstructContract`) gets, for its own ``__init__(self, scope, id, ...)``:

- checks made before anything else: ``scope`` is a construct (a stack or a construct in one),
  ``id`` a non-empty string that no other child of ``scope`` has; a mistake is one
  :class:`~constructs_lib.errors.ConstructArgumentError` naming the class, the id and the bad
  value, instead of a raw ``AttributeError`` or jsii error from deep inside;
- the real signature and documentation for ``inspect.signature``, ``help()`` and IDEs: jsii's
  metaclass would otherwise show its own ``(*args, **kwargs)`` and every ``__init__`` the
  boilerplate docstring of ``constructs.Construct``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref
from collections.abc import Callable
from typing import Any

from constructs import Construct, Node

from .errors import ConstructArgumentError

_FIRST_PARAMETERS = ("self", "scope", "id")


#: Each scope's ``node``, asked of jsii once: a construct's node is the same object for its
#: whole life, and asking for it is a round trip to Node.js. Weak keys: an entry goes with its
#: scope. The children are not cached: any code may add one to a scope at any time.
_NODES: weakref.WeakKeyDictionary[Construct, Node] = weakref.WeakKeyDictionary()


def scope_node(scope: Construct) -> Node:
    """``scope.node``, asked of jsii once per scope."""
    try:
        return _NODES[scope]
    except (KeyError, TypeError):  # TypeError: a scope that cannot be weakly referenced
        node = scope.node
        with contextlib.suppress(TypeError):
            _NODES[scope] = node
        return node


def check_scope_and_id(cls: type, scope: Any, id_: Any) -> None:
    """``scope`` is a construct and ``id`` a non-empty string no sibling has yet."""
    check_scope_and_id_shape(cls, scope, id_)
    taken = taken_id_error(scope, id_, None)
    if taken is not None:
        raise taken


def check_scope_and_id_shape(cls: type, scope: Any, id_: Any) -> None:
    """``scope`` is a construct and ``id`` a non-empty string (whether a sibling has it is
    :func:`taken_id_error`'s question)."""
    where = f"{cls.__name__}({id_!r})"
    if not isinstance(scope, Construct):
        raise ConstructArgumentError(
            where, "scope", scope, "a construct to create it in: a TerraformStack or a construct inside one"
        )
    if not isinstance(id_, str) or not id_ or id_.strip() != id_:
        raise ConstructArgumentError(
            where, "id", id_, "a non-empty string without surrounding spaces, unique among the scope's children"
        )


def taken_id_error(scope: Construct, id_: str, this: object) -> ConstructArgumentError | None:
    """The error for ``id`` if a construct of ``scope`` other than ``this`` has it, else None."""
    node = scope_node(scope)
    child = node.try_find_child(id_)
    if child is None or child is this:
        return None
    parent = node.path or "the app"
    return ConstructArgumentError(
        f"{parent}/{id_}" if node.path else id_,
        "id",
        id_,
        f"an id no other construct in {parent} has (each child of a scope needs its own id)",
    )


def _takes_scope_and_id(init: Callable[..., Any]) -> bool:
    try:
        names = list(inspect.signature(init).parameters)
    except (TypeError, ValueError):
        return False
    return tuple(names[:3]) == _FIRST_PARAMETERS


def _checked_init(cls: type, init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        scope: Any = args[0] if args else kwargs.get("scope")
        id_: Any = args[1] if len(args) > 1 else kwargs.get("id")
        check_scope_and_id_shape(cls, scope, id_)
        try:
            init(self, *args, **kwargs)
        except Exception:
            # Whether the id is taken is asked only when the construct fails: a taken id always
            # makes it fail (the constructs library refuses a second child of that id when the
            # construct itself is created in ``scope``), and asking up front was a round trip
            # to Node.js for every construct. Reported before any other mistake, as if asked
            # first; a construct that failed after it was created finds itself, not a sibling.
            try:
                taken = taken_id_error(scope, id_, self)
            except Exception:  # noqa: BLE001 - the construct's own error is the one to report
                taken = None
            if taken is not None:
                raise taken from None
            raise

    __init__.__doc__ = cls.__doc__ or init.__doc__
    return __init__


def _signature(cls: type) -> inspect.Signature | None:
    """The class's call signature: its ``__init__``'s without ``self``, annotations resolved
    where the module can resolve them."""
    init = cls.__init__  # type: ignore[misc]
    try:
        signature = inspect.signature(init, eval_str=True)
    except Exception:  # names imported only for type checking stay strings
        try:
            signature = inspect.signature(init)
        except (TypeError, ValueError):
            return None
    parameters = list(signature.parameters.values())[1:]
    return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)


class ConstructContract:
    """Mixin for construct classes (see the module's documentation); put it first among the
    bases when the construct derives from another cdktf class."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and _takes_scope_and_id(init):
            cls.__init__ = _checked_init(cls, init)  # type: ignore[method-assign]
        signature = _signature(cls)
        if signature is not None:
            cls.__signature__ = signature  # type: ignore[attr-defined]


class LibraryConstruct(ConstructContract, Construct):
    """Base of the library's constructs: a ``constructs.Construct`` with the checks and the
    documentation of :class:`ConstructContract`."""
