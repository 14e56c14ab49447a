"""Load the prebuilt provider bindings without importing every resource type they hold.

Each prebuilt provider package (``cdktf_cdktf_provider_openstack`` and the like) ends its
``__init__`` with one ``from . import <submodule>`` per resource and data source of the
provider: 100 to 170 modules, tens of megabytes of Python, most of a synth's time. A stack
uses a handful of them. The import hook here executes that ``__init__`` without those trailing
lines; the skipped submodules are imported on first use, as they would be in any case by
``from cdktf_cdktf_provider_openstack.networking_network_v2 import ...``.

Why the eager lines are not needed: the jsii runtime needs a binding class only when an object
of its type crosses from JavaScript into Python. Objects created in Python are found by
reference, and a binding's getters live in the binding's own submodule, which is loaded by
then. For an object of a type never imported on the Python side, the jsii runtime (1.1xx)
imports the module named for the type's namespace in its submodule map before giving up; the
hook fills that map with the skipped submodules, so such an object still resolves.

The hook is narrow and falls back to the normal import whenever anything differs from what it
expects: only top-level ``cdktf_cdktf_provider_*`` packages, loaded from a source file whose
last statements are exactly the ``from . import`` block after jsii-pacmak's comment, with a jsii
runtime that has the submodule map. ``CONSTRUCTS_LIB_EAGER_BINDINGS=1`` turns it off.

The same hook keeps the generated code from resolving type hints on every call. Before each
constructor or method checks its arguments' types (which it still does, every call), the code
jsii-pacmak generates asks ``typing.get_type_hints`` of a module-level stub function with the
method's signature: the same answer each time, but resolved anew, which was a tenth of a
synth with many resources. In ``cdktf`` and the provider packages (and their submodules),
the name ``typing`` is pointed at a copy of the module whose ``get_type_hints`` keeps each plain
function's answer (and hands out a copy of it); everything else of ``typing`` is the same
object. A stub never changes once its module has run, so the kept answer stays right.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
import typing
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.abc import Loader

#: Set to ``1`` to import the provider packages as they are written (every submodule).
DISABLE_VARIABLE = "CONSTRUCTS_LIB_EAGER_BINDINGS"

_PACKAGE = re.compile(r"cdktf_cdktf_provider_[a-z0-9_]+")
_MARKER = "# Loading modules to ensure their types are registered with the jsii runtime library"
_SUBMODULE_IMPORT = re.compile(r"from \. import ([a-z_][a-z0-9_]*)")
#: Modules whose generated code resolves type hints on every call (``_jsii``: only the assembly).
_HINTED = re.compile(r"(cdktf|cdktf_cdktf_provider_[a-z0-9_]+)(\.(?!_jsii$)[a-z_][a-z0-9_]*)*")

#: The type hints of each stub function asked for so far.
_TYPE_HINTS: dict[FunctionType, dict[str, Any]] = {}


def cached_type_hints(
    obj: Any, globalns: dict[str, Any] | None = None, localns: Any = None, include_extras: bool = False
) -> dict[str, Any]:
    """``typing.get_type_hints``, kept per plain function asked with no other argument."""
    if type(obj) is not FunctionType or globalns is not None or localns is not None or include_extras:
        return typing.get_type_hints(obj, globalns, localns, include_extras)
    hints = _TYPE_HINTS.get(obj)
    if hints is None:
        hints = _TYPE_HINTS[obj] = typing.get_type_hints(obj)
    return dict(hints)


#: ``typing`` for the generated modules: the same names, with :func:`cached_type_hints`.
TYPING = ModuleType("typing", typing.__doc__)
TYPING.__dict__.update({k: v for k, v in vars(typing).items() if k not in ("__name__", "__doc__")})
TYPING.get_type_hints = cached_type_hints  # type: ignore[attr-defined]


def cache_type_hints(module: ModuleType) -> None:
    """Point ``module``'s name ``typing`` at :data:`TYPING` (if it is the real ``typing``)."""
    if module.__dict__.get("typing") is typing:
        module.typing = TYPING  # type: ignore[attr-defined]


def split_eager_imports(source: str) -> tuple[str, tuple[str, ...]] | None:
    """``source`` without its trailing submodule imports, and their names; None if unexpected.

    Only the block after jsii-pacmak's comment is taken, and only when every line of it is a
    ``from . import <name>`` (or blank): anything else there means a package layout this hook
    does not know, and the package is then imported unchanged.
    """
    head, marker, tail = source.rpartition(_MARKER)
    if not marker or "publication.publish()" not in head:
        return None
    names: list[str] = []
    for line in tail.splitlines():
        if not line.strip():
            continue
        match = _SUBMODULE_IMPORT.fullmatch(line.strip())
        if match is None:
            return None
        names.append(match.group(1))
    if not names:
        return None
    return head, tuple(names)


def submodule_fqn(assembly: str, submodule: str) -> str:
    """The jsii name of a submodule: jsii-pacmak names Python submodules in snake case."""
    first, *rest = submodule.split("_")
    return f"{assembly}.{first}{''.join(part[:1].upper() + part[1:] for part in rest)}"


def _submodule_map() -> Any:
    """The jsii runtime's map of submodule names to Python modules, or None if it has none."""
    try:
        from jsii import _reference_map
    except ImportError:
        return None
    fqn_map = getattr(_reference_map, "_submodule_fqn_map", None)
    if not isinstance(fqn_map, dict) or not callable(getattr(_reference_map, "_try_import_type_module", None)):
        return None
    return fqn_map


class _LazyInitLoader:
    """Runs a provider package's ``__init__`` without the eager submodule imports."""

    def __init__(self, loader: importlib.machinery.SourceFileLoader, path: str, head: str, names: Sequence[str]):
        self._loader = loader
        self._path = path
        self._head = head
        self._names = frozenset(names)

    def __getattr__(self, name: str) -> Any:
        # importlib.resources and friends ask the loader for readers: the wrapped loader answers.
        return getattr(self._loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        exec(compile(self._head, self._path, "exec"), module.__dict__)
        cache_type_hints(module)
        # publication.publish() (at the end of the head) replaced the module in sys.modules by
        # its public face: that is the module importers get, so the lazy attributes go there.
        public = sys.modules.get(module.__name__, module)
        package = module.__name__
        names = self._names

        def __getattr__(name: str) -> ModuleType:
            if name in names:
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")

        public.__getattr__ = __getattr__  # type: ignore[method-assign]
        assembly = getattr(module.__dict__.get("__jsii_assembly__"), "name", None)
        fqn_map = _submodule_map()
        if isinstance(assembly, str) and fqn_map is not None:
            for name in names:
                fqn_map.setdefault(submodule_fqn(assembly, name), f"{package}.{name}")


class _HintCachingLoader:
    """Runs a module as its own loader does, then points its ``typing`` at :data:`TYPING`."""

    def __init__(self, loader: importlib.machinery.SourceFileLoader):
        self._loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        cache_type_hints(module)


class LazyBindingsFinder:
    """Finds top-level provider packages with the next finder and swaps in the lazy loader;
    finds cdktf's and the provider packages' other modules and swaps in the hint-caching one.

    (Plain classes, not ``importlib.abc`` subclasses: that module alone costs more to import than
    the rest of the library's start.)"""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not _HINTED.fullmatch(fullname):
            return None
        try:
            if path is None and _PACKAGE.fullmatch(fullname):
                spec = self._lazy_spec(fullname, target)
                if spec is not None:
                    return spec
            return self._hint_caching_spec(fullname, path, target)
        except Exception:  # noqa: BLE001 - whatever went wrong, the normal import is the answer
            return None

    def _next_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec the finders after this one give."""
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def _hint_caching_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = self._next_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return None
        spec.loader = cast("Loader", _HintCachingLoader(spec.loader))
        return spec

    def _lazy_spec(self, fullname: str, target: ModuleType | None) -> importlib.machinery.ModuleSpec | None:
        if _submodule_map() is None:
            return None
        spec = self._next_spec(fullname, None, target)
        loader = spec.loader if spec is not None else None
        if spec is None or spec.origin is None or not spec.submodule_search_locations:
            return None
        if type(loader) is not importlib.machinery.SourceFileLoader:
            return None
        with open(spec.origin, encoding="utf-8") as file:
            split = split_eager_imports(file.read())
        if split is None:
            return None
        head, names = split
        spec.loader = cast("Loader", _LazyInitLoader(loader, spec.origin, head, names))
        return spec


def install() -> bool:
    """Put the finder first on ``sys.meta_path`` (once); False when turned off by the variable.

    Provider packages already imported keep every submodule they loaded; their type hints (and
    cdktf's) are kept from now on all the same.
    """
    if os.environ.get(DISABLE_VARIABLE, "") not in ("", "0"):
        return False
    if not any(isinstance(finder, LazyBindingsFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, LazyBindingsFinder())
    for name, module in list(sys.modules.items()):  # cdktf is often imported first
        if isinstance(module, ModuleType) and _HINTED.fullmatch(name):
            cache_type_hints(module)
    return True
