"""Reading scenario files: YAML, ``extends``, and error messages an analyst can act on.

``extends: other.yaml`` starts from another file (relative to this one) and deep-merges this
file over it: mappings merge key by key, anything else (numbers, lists) is replaced.
``extends: [a.yaml, b.yaml]`` merges several in order, so a *layer* (a partial file such as
a winter's demand profile and rosters) can be added to different scenarios. A mapping
that should replace the other file's instead of merging with it (another place's localities,
say) is named in ``replace: [geography.localities]``.
Each error names the file that set the offending value, the field path and what was expected.

This is the first stage of reading a scenario: each field is checked here; the whole-scenario
checks run next (``sim.compile.scenario.load_scenario`` runs both).
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, RootModel, ValidationError
from pydantic_core import ErrorDetails

from sim.config.base import Frozen
from sim.config.problems import InputProblem, Problem
from sim.config.problems import dotted as dotted_path
from sim.config.schema import Scenario

Provenance = dict[tuple[Any, ...], str]

# Limits on what a scenario file may hold (the README's "Limits on what a scenario may hold"):
# each is far above any real scenario (baseline.yaml: 16 kB, 9 levels, about 2,000 values) and
# keeps a hostile or broken file from exhausting memory or the stack before anything is said.
MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 40  # mappings and lists inside one another
MAX_VALUES = 200_000  # values counted with every alias expanded (an "alias bomb" is refused)
MAX_EXTENDS_DEPTH = 20  # files in one extends: chain


class ScenarioError(Exception):
    """An input that cannot be used: ``problems`` holds one record (file, field path,
    message) per problem; ``messages`` the lines the command line prints. A plain string is
    a problem tied to no file field (a command-line option, say)."""

    def __init__(self, problems: Sequence[InputProblem | str]):
        self.problems = [p if isinstance(p, InputProblem) else InputProblem("", (), p)
                         for p in problems]
        super().__init__("\n".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[InputProblem]]]:
        """Pickled with its records (from a worker process), not the joined text."""
        return (ScenarioError, (self.problems,))


def refused(path: Path | str, message: str, field: str | None = None) -> ScenarioError:
    """A ``ScenarioError`` of one problem of the file at ``path`` (of its top-level ``field``,
    if given)."""
    return ScenarioError([InputProblem(str(path), (field,) if field else (), message)])


def resolve(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], Provenance]:
    """The merged mapping of ``path`` and the files it extends, with who set each value."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise refused(path, f"circular chain {chain}", "extends")
    if len(_seen) >= MAX_EXTENDS_DEPTH:
        raise refused(path, f"a chain of more than {MAX_EXTENDS_DEPTH} files", "extends")
    data = read_yaml_file(path)
    names_itself = "name" in data
    provenance: Provenance = {}
    parent_names = data.pop("extends", None)
    replaced = _replaced_paths(path, data, parent_names is not None)
    if parent_names is not None:
        base: dict[str, Any] = {}
        for parent in _parents(path, parent_names):
            merged, merged_provenance = resolve(parent, (*_seen, path))
            base = deep_merge(base, merged, provenance, str(parent))
            # who set each value in that chain (not the whole file, (), which would claim
            # every path for the parent)
            provenance.update({key: source for key, source in merged_provenance.items() if key})
        for dotted in replaced:
            base = _without(base, tuple(dotted.split(".")), provenance)
        data = deep_merge(base, data, provenance, str(path))
    else:
        _record(data, (), provenance, str(path))
    if not _seen and not names_itself:
        data["name"] = path.stem
    return data, provenance


def _parents(path: Path, names: Any) -> list[Path]:
    """The files ``extends`` names: one file, or a list merged in order (later over earlier)."""
    listed = names if isinstance(names, list) else [names]
    if not listed or not all(isinstance(name, str) for name in listed):
        raise refused(path, f"expected a file name or a list of file names, "
                            f"got {names!r}", "extends")
    parents = [path.parent / name for name in listed]
    missing = [InputProblem(str(path), ("extends",), f"file not found: {p}")
               for p in parents if not p.is_file()]
    if missing:
        raise ScenarioError(missing)
    return parents


def _replaced_paths(path: Path, data: dict[str, Any], extends: bool) -> list[str]:
    """The ``replace:`` list: dotted paths this file sets in full rather than merges."""
    replaced = data.pop("replace", [])
    if not extends and replaced:
        raise refused(path, "only means something with extends:", "replace")
    if not (isinstance(replaced, list) and all(isinstance(p, str) for p in replaced)):
        raise refused(path, f"expected a list of field paths such as "
                            f"geography.localities, got {replaced!r}", "replace")
    problems = []
    for dotted in replaced:
        node: Any = data
        for key in dotted.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            problems.append(InputProblem(str(path), ("replace",), (
                f"{dotted}: expected a mapping set in this file (lists and single values "
                "always replace)")))
    if problems:
        raise ScenarioError(problems)
    return replaced


def _without(data: dict[str, Any], keys: tuple[str, ...], provenance: Provenance,
             _prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """A copy of ``data`` with the value at ``keys`` removed, and its provenance with it."""
    if keys[0] not in data:
        return data
    copy = dict(data)
    if len(keys) == 1:
        del copy[keys[0]]
        gone = (*_prefix, keys[0])
        for old in [p for p in provenance if p[: len(gone)] == gone]:
            del provenance[old]
    elif isinstance(copy[keys[0]], dict):
        copy[keys[0]] = _without(copy[keys[0]], keys[1:], provenance, (*_prefix, keys[0]))
    return copy


class _StrictSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error
    (plain YAML keeps the last silently, which hides a pasted-in duplicate)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool, type(None))):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or a mapping",
                    key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date such as 2025-02-30 that matches the pattern but does not exist is an
        error at its line, not a ``ValueError`` traceback."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' is not a date: {error}", node.start_mark) from None


_StrictSafeLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                  _StrictSafeLoader.construct_yaml_timestamp)


def read_yaml_file(path: Path) -> dict[str, Any]:
    """A YAML mapping read strictly (no duplicate keys, no custom tags); ``ScenarioError``
    naming the file, and the line where known, if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise refused(path, "file not found") from None
    except IsADirectoryError:
        raise refused(path, "is a folder; expected a YAML file") from None
    except OSError as error:
        raise refused(path, f"cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise refused(path, f"not UTF-8 text (line {line})") from None
    if len(text) > MAX_FILE_BYTES:
        raise refused(path, f"{len(text):,} characters; a scenario file may hold at "
                            f"most {MAX_FILE_BYTES:,}")
    try:
        data = _load_bounded(text, path)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text[: error.position].count("\n") + 1
        raise refused(path, f"not valid YAML (line {line}): {error.reason}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = " ".join(str(getattr(error, "problem", None) or error).split())
        raise refused(path, f"not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise refused(path, "expected a mapping of fields at the top level")
    return data


def _load_bounded(text: str, path: Path) -> Any:
    """The YAML in ``text``, composed and measured before any Python object is built."""
    loader = _StrictSafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise refused(path, f"not valid YAML: nested more than {MAX_DEPTH} "
                                "levels deep") from None
        if node is None:
            return None
        _check_size(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, path: Path) -> None:
    """Refuse a document nested deeper than ``MAX_DEPTH`` (a mapping that holds itself
    through an alias is infinitely deep) or with more than ``MAX_VALUES`` values once every
    alias is expanded. The walk stops at the first limit, so it is itself bounded."""
    pending: list[tuple[yaml.Node, int]] = [(root, 1)]
    values = 0
    while pending:
        node, depth = pending.pop()
        values += 1
        if depth > MAX_DEPTH:
            raise refused(path, f"nested more than {MAX_DEPTH} levels deep (line "
                                f"{node.start_mark.line + 1}); a mapping that contains "
                                "itself through an alias never ends")
        if values > MAX_VALUES:
            raise refused(path, f"more than {MAX_VALUES:,} values once its aliases "
                                "(*name) are expanded; a scenario needs far fewer")
        if isinstance(node, yaml.MappingNode):
            pending.extend((part, depth + 1) for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, depth + 1) for item in node.value)


def _record(value: Any, path: tuple[Any, ...], provenance: Provenance, source: str) -> None:
    provenance[path] = source
    if isinstance(value, dict):
        for key, item in value.items():
            _record(item, (*path, key), provenance, source)


def deep_merge(
    base: dict[str, Any],
    override: dict[str, Any],
    provenance: Provenance | None = None,
    source: str = "",
    _path: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """``override`` merged over ``base``: mappings recursively, other values replaced."""
    merged = dict(base)
    for key, value in override.items():
        path = (*_path, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, provenance, source, path)
        else:
            merged[key] = value
            if provenance is not None:
                for old in [p for p in provenance if p[: len(path)] == path]:
                    del provenance[old]
                _record(value, path, provenance, source)
    return merged


def apply_changes(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with each dotted path in ``changes`` set to its value.

    Setting a field fixes it: an ``uncertain`` entry for the same field (or one inside or
    around it) is dropped, so a sweep or a search over a field that was uncertain varies it.
    """
    uncertain = data.get("uncertain") or {}
    fixed = [path for path in uncertain
             if any(_overlaps(path, changed) for changed in changes
                    if not changed.startswith("uncertain"))]
    if fixed:
        data = {**data, "uncertain": {k: v for k, v in uncertain.items() if k not in fixed}}
    result = data
    for dotted, value in changes.items():
        override: dict[str, Any] = {}
        node = override
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
        result = deep_merge(result, override)
    return result


def _overlaps(a: str, b: str) -> bool:
    """One dotted path is the other or lies inside it."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def validate_fields(data: dict[str, Any], provenance: Provenance, default_file: str) -> Scenario:
    """``data`` as a scenario whose every field is valid (types, ranges, unknown keys), or
    ``ScenarioError`` naming the file that set each offending value."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_errors(error, provenance, default_file)) from None


def problem_messages(problems: list[Problem], provenance: Provenance,
                     default_file: str) -> list[InputProblem]:
    """Each whole-scenario problem with the file that set the field it concerns."""
    return [InputProblem(_file_for(problem.path, provenance, default_file), problem.path,
                         problem.message) for problem in problems]


def format_errors(error: ValidationError, provenance: Provenance,
                  default_file: str) -> list[InputProblem]:
    """Each problem pydantic found, with the file that set the field and a message an
    analyst can act on."""
    messages = []
    details = error.errors()
    typos = {  # a misspelt required key is one problem: report the unknown key, not the missing one
        (*_loc(d)[:-1], guess)
        for d in details if d["type"] == "extra_forbidden"
        for guess in [_guess(d["loc"])] if guess
    }
    for detail in details:
        loc = _loc(detail)
        if detail["type"] == "missing" and loc in typos:
            continue
        message = _describe(detail) if loc else f"(top level): {_describe(detail)}"
        if detail["type"] == "extra_forbidden" and _merged(loc[:-1], provenance):
            message += (f" (this mapping merges keys from more than one file; to set it in "
                        f"full, list '{dotted_path(loc[:-1])}' under replace:)")
        messages.append(InputProblem(_file_for(loc, provenance, default_file), loc, message))
    return messages


def _merged(loc: tuple[Any, ...], provenance: Provenance) -> bool:
    """Did more than one file set values inside the mapping at ``loc``?"""
    return len({source for path, source in provenance.items() if path[: len(loc)] == loc}) > 1


def _loc(detail: Any) -> tuple[Any, ...]:
    return tuple(part for part in detail["loc"] if not _is_tag(part))


def _guess(raw_loc: tuple[Any, ...]) -> str | None:
    """The field an unknown key at ``raw_loc`` (with tags) is probably a misspelling of."""
    names = _fields_at(raw_loc[:-1]) or _field_names()
    guess = difflib.get_close_matches(str(raw_loc[-1]), names, n=1)
    return guess[0] if guess else None


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and part.startswith("[") and part.endswith("]")


def _file_for(loc: tuple[Any, ...], provenance: Provenance, default_file: str) -> str:
    """The last file that set the value at ``loc``, a mapping holding it, or a value inside it.

    A file is recorded after the files it extends, so this is the most derived file involved:
    a child that changes one route probability is named when the routes no longer sum to one.
    """
    file = default_file
    for path, source in provenance.items():
        if path[: len(loc)] == loc or loc[: len(path)] == path:
            file = source
    return file


def _describe(detail: ErrorDetails) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        guess = _guess(detail["loc"])
        if guess:
            return f"unknown key; did you mean '{guess}'?"
        if str(detail["loc"][-1]) in _field_names():
            return "unknown key; not a field of this part of the scenario"
        return "unknown key"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_pattern_mismatch":  # only names have a pattern (base.Name)
        return f"a name may not hold control characters such as NUL, got {detail['input']!r}"
    message = detail["msg"].replace("Input should be", "expected").replace("Value error, ", "")
    value = detail.get("input")
    if isinstance(value, (int, float, str, bool)) and kind != "invalid_choice":
        message += "" if ", got" in message else f", got {value!r}"
    return message


def _fields_at(raw_loc: tuple[Any, ...]) -> list[str] | None:
    """Field names of the model at ``raw_loc`` (tags included), or None if it cannot be told."""
    annotation: Any = Scenario
    for part in raw_loc:
        annotation = _strip(annotation)
        origin = get_origin(annotation)
        if origin in (Union, types.UnionType):  # a tagged union: the tag names the member
            members = [m for m in get_args(annotation)
                       if any(getattr(meta, "tag", None) == part
                              for meta in getattr(m, "__metadata__", ()))]
            annotation = members[0] if members else None
        elif origin is dict:
            annotation = get_args(annotation)[1]
        elif origin is list:
            annotation = get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            annotation = field.annotation if field else None
        else:
            return None
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return None


def _strip(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` wrappers, without ``None`` as an alternative, and
    a root model (e.g. ``Census``, a mapping) seen as its root."""
    while True:
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, RootModel):
            annotation = annotation.model_fields["root"].annotation
        elif origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [m for m in get_args(annotation) if m is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _field_names() -> list[str]:
    """Every field name of every scenario model, for 'did you mean' hints."""
    names: set[str] = set()
    pending = list(Frozen.__subclasses__())
    while pending:
        model = pending.pop()
        names.update(model.model_fields)
        pending.extend(model.__subclasses__())
    return sorted(names)
