"""Reads Rasa 3 NLU training data (YAML) without Rasa: intents with their examples, entity
annotations, synonyms, lookup tables and regexes.

The same files train Rasa (nlu/rasa/) and the embedded interpreter, so this loader follows Rasa's
format rather than inventing one. It walks PyYAML's node tree instead of loaded Python values for
two reasons: error messages can name the line of a bad example, and scalars stay the strings
written in the file (YAML 1.1 would turn an intent called `yes` or `no` into a boolean).

Annotation forms (Rasa's own):
    [Samstag](time)                                   entity, value = the text
    [Gassi gehen](category:animals)                   old form with a value
    [Tiere]{"entity": "category", "value": "animals"}  JSON form (also role/group)
    [Aachen][{"entity": "location"}, {...}]           several entities on one span
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

YAML_SUFFIXES = (".yml", ".yaml")

# `[text]` followed by `(entity)`, `(entity:value)`, `{json}` or `[json list]`. Rasa's own pattern,
# except that the bracket text may not contain brackets (nesting is an error, reported below).
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\[\]]+?)\]"
    r"(?:\((?P<entity>[^:()]+?)(?::(?P<value>[^()]+?))?\)"
    r"|(?P<dict>\{[^{}]*?\})"
    r"|(?P<list>\[\s*\{.*?\}\s*\]))"
)
# What looks like the start of an annotation but did not parse as one: `[x](`, `[x]{`, `[x][{`.
_BROKEN_ANNOTATION = re.compile(r"\][({]|\]\[\s*\{")
_LANGUAGE_SUFFIX = re.compile(r"[_.-](?P<lang>[a-z]{2})$")


class TrainingDataError(ValueError):
    """Malformed training data; the message names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


@dataclass(frozen=True, slots=True)
class AnnotatedEntity:
    start: int  # offsets into Example.text (the plain text, annotations removed)
    end: int
    entity: str
    value: str
    text: str
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    entities: tuple[AnnotatedEntity, ...] = ()
    language: str | None = None
    source: str | None = None  # "file:line", for error reports and evaluation output


@dataclass(slots=True)
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # fold(text) -> canonical value
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def intents(self) -> list[str]:
        return sorted({example.intent for example in self.examples})

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for name, values in other.lookups.items():
            self.lookups.setdefault(name, []).extend(values)
        for name, patterns in other.regexes.items():
            self.regexes.setdefault(name, []).extend(patterns)
        self.files.extend(other.files)


def fold(text: str) -> str:
    """The key synonyms are looked up by: case and spacing do not matter ("Gassi  Gehen")."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def language_of(path: Path) -> str | None:
    """`nlu_de.yml` → "de"; a file without a language suffix (synonyms.yml) → None."""
    match = _LANGUAGE_SUFFIX.search(path.stem)
    return match.group("lang") if match else None


def training_files(path_or_paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """The YAML files a path names: the file itself, or every .yml/.yaml below a directory,
    sorted so that the order (and with it the cache key of a trained model) is stable."""
    paths = [Path(path_or_paths)] if isinstance(path_or_paths, str | Path) else list(path_or_paths)
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no training data at {path}")
    return files


def load_training_data(path_or_paths: str | Path | Iterable[str | Path]) -> TrainingData:
    data = TrainingData()
    for file in training_files(path_or_paths):
        data.merge(load_file(file))
    return data


def load_file(path: Path) -> TrainingData:
    text = path.read_text(encoding="utf-8")
    return parse_yaml(text, path=path, language=language_of(path))


def parse_yaml(
    text: str, *, path: Path | str = "<string>", language: str | None = None
) -> TrainingData:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise TrainingDataError(path, line, f"not valid YAML: {error}") from error
    data = TrainingData(files=[Path(path)] if isinstance(path, Path) else [])
    if root is None:
        return data
    if not isinstance(root, yaml.MappingNode):
        raise TrainingDataError(path, _line(root), "expected a mapping at the top level")
    nlu = _get(root, "nlu")
    if nlu is None:
        return data  # a domain, stories or rules file: nothing for NLU
    if not isinstance(nlu, yaml.SequenceNode):
        raise TrainingDataError(path, _line(nlu), "`nlu:` must be a list")
    for item in nlu.value:
        if not isinstance(item, yaml.MappingNode):
            raise TrainingDataError(path, _line(item), "each `nlu:` item must be a mapping")
        _read_item(item, path, language, data)
    return data


def _read_item(
    item: yaml.MappingNode, path: Path | str, language: str | None, data: TrainingData
) -> None:
    keys = {_scalar(key, path) for key, _ in item.value}
    kind = next((k for k in ("intent", "synonym", "lookup", "regex") if k in keys), None)
    if kind is None:
        raise TrainingDataError(
            path, _line(item), f"expected intent, synonym, lookup or regex, got {sorted(keys)}"
        )
    name_node = _get(item, kind)
    assert name_node is not None
    name = _scalar(name_node, path)
    examples_node = _get(item, "examples")
    if examples_node is None:
        raise TrainingDataError(path, _line(item), f"{kind} {name!r} has no examples")
    lines = list(_example_lines(examples_node, path))
    if kind == "intent":
        for raw, line in lines:
            plain, entities = parse_annotated(raw, path=path, line=line)
            data.examples.append(Example(plain, name, entities, language, source=f"{path}:{line}"))
            # Rasa's EntitySynonymMapper learns from annotations whose value differs from the text.
            for entity in entities:
                if entity.value != entity.text:
                    data.synonyms[fold(entity.text)] = entity.value
    elif kind == "synonym":
        for raw, _line_no in lines:
            data.synonyms[fold(raw)] = name
    elif kind == "lookup":
        data.lookups.setdefault(name, []).extend(raw for raw, _ in lines)
    else:
        for raw, line in lines:
            try:
                re.compile(raw)
            except re.error as error:
                raise TrainingDataError(path, line, f"regex {name!r}: {error}") from error
        data.regexes.setdefault(name, []).extend(raw for raw, _ in lines)


def _example_lines(node: yaml.Node, path: Path | str) -> Iterator[tuple[str, int]]:
    """(example, 1-based line) from `examples: |` with `- ` items, or from Rasa's list form
    `examples: [{text: ..., metadata: ...}]`."""
    if isinstance(node, yaml.ScalarNode):
        # A literal block's content starts on the line after the `|` indicator, one line per line.
        first = node.start_mark.line + (2 if node.style == "|" else 1)
        for offset, raw in enumerate(node.value.splitlines()):
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("-"):
                raise TrainingDataError(
                    path, first + offset, f"example lines must start with '- ', got {stripped!r}"
                )
            example = stripped[1:].strip()
            if example:
                yield example, first + offset
    elif isinstance(node, yaml.SequenceNode):
        for entry in node.value:
            text_node = _get(entry, "text") if isinstance(entry, yaml.MappingNode) else entry
            if not isinstance(text_node, yaml.ScalarNode):
                raise TrainingDataError(path, _line(entry), "an example needs a `text:`")
            example = text_node.value.strip()
            if example.startswith("- "):  # `text: |\n  - ...` as Rasa writes it
                example = example[2:].strip()
            if example:
                yield example, _line(text_node)
    else:
        raise TrainingDataError(path, _line(node), "`examples:` must be a block or a list")


def parse_annotated(
    raw: str, *, path: Path | str = "<string>", line: int | None = None
) -> tuple[str, tuple[AnnotatedEntity, ...]]:
    """Removes the annotations from one example: the plain text and its entity spans."""
    plain: list[str] = []
    entities: list[AnnotatedEntity] = []
    position = 0  # in raw
    length = 0  # of the plain text so far
    for match in _ANNOTATION.finditer(raw):
        before = raw[position : match.start()]
        _check_plain(before, path, line, raw)
        plain.append(before)
        length += len(before)
        text = match.group("text")
        if text != text.strip():
            raise TrainingDataError(
                path, line, f"entity text {text!r} has surrounding spaces in {raw!r}"
            )
        start, end = length, length + len(text)
        for entity, value, role, group in _annotation_values(match, path, line, raw):
            entities.append(AnnotatedEntity(start, end, entity, value or text, text, role, group))
        plain.append(text)
        length = end
        position = match.end()
    rest = raw[position:]
    _check_plain(rest, path, line, raw)
    plain.append(rest)
    return "".join(plain), tuple(entities)


def _check_plain(segment: str, path: Path | str, line: int | None, raw: str) -> None:
    if _BROKEN_ANNOTATION.search(segment):
        raise TrainingDataError(path, line, f"malformed entity annotation in {raw!r}")


def _annotation_values(
    match: re.Match[str], path: Path | str, line: int | None, raw: str
) -> list[tuple[str, str | None, str | None, str | None]]:
    if match.group("entity") is not None:
        entity = match.group("entity").strip()
        value = match.group("value")
        if not entity:
            raise TrainingDataError(path, line, f"empty entity name in {raw!r}")
        return [(entity, value.strip() if value is not None else None, None, None)]
    source = match.group("dict") or match.group("list")
    try:
        loaded: Any = json.loads(source)
    except json.JSONDecodeError as error:
        raise TrainingDataError(
            path, line, f"entity annotation {source} is not valid JSON ({error.msg}) in {raw!r}"
        ) from error
    items: Sequence[Any] = loaded if isinstance(loaded, list) else [loaded]
    result: list[tuple[str, str | None, str | None, str | None]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            raise TrainingDataError(
                path, line, f'entity annotation {source} needs an "entity" name in {raw!r}'
            )
        value, role, group = item.get("value"), item.get("role"), item.get("group")
        result.append(
            (
                item["entity"],
                None if value is None else str(value),
                None if role is None else str(role),
                None if group is None else str(group),
            )
        )
    return result


def _get(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node  # type: ignore[no-any-return]
    return None


def _scalar(node: yaml.Node, path: Path | str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise TrainingDataError(path, _line(node), "expected a plain value")
    return str(node.value)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1
