"""The plain data that flows between the pipeline's stages. Every offset is into a Document's original text."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic_core import CoreSchema, core_schema

Verdict = Literal[
    "verbatim",
    "minor_edit",
    "altered",
    "elided",
    "truncated",
    "context_omitted",
    "not_in_source",
    "other_speaker",
]
Severity = Literal["none", "low", "medium", "high"]
Speaker = Literal["source", "other"]
ClaimVerdict = Literal["supported", "partly", "unsupported", "contradicted"]
EditKind = Literal["equal", "insert", "delete", "replace"]

FLAG_VERDICTS: frozenset[str] = frozenset({"altered", "elided", "truncated", "context_omitted", "not_in_source"})
SEVERITY_ORDER: dict[str, int] = {"none": 0, "low": 1, "medium": 2, "high": 3}


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Data):
    start: int
    end: int


class Sentence(NamedTuple):
    """A sentence of a Document: where it lies, and its paragraph's index. A tuple, not a model: a long text has
    tens of thousands, and a Document keeps them in arrays (SentenceTable), making each when it is read."""

    start: int
    end: int
    paragraph: int


def offset_array(values: Iterable[int]) -> array[int]:
    """Offsets in an array: eight bytes each, where a list of ints costs some thirty-six (a model, some four hundred)."""
    try:
        return array("q", values)
    except (TypeError, OverflowError) as error:
        raise ValueError(f"offsets must be integers: {error}") from None


Item = TypeVar("Item")


class _Table(Sequence[Item]):
    """A Document's spans or sentences, kept as columns of offsets; each item is made when it is read."""

    columns: tuple[array[int], ...]

    def __len__(self) -> int:
        return len(self.columns[0])

    def make(self, k: int) -> Item:
        raise NotImplementedError

    @overload
    def __getitem__(self, k: int) -> Item: ...
    @overload
    def __getitem__(self, k: slice) -> list[Item]: ...
    def __getitem__(self, k: int | slice) -> Item | list[Item]:
        if isinstance(k, slice):
            return [self.make(i) for i in range(len(self))[k]]
        return self.make(range(len(self))[k])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Table) and type(other) is type(self):
            return self.columns == other.columns
        return isinstance(other, Sequence) and len(other) == len(self) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, as the lists it stands for

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    @property
    def starts(self) -> array[int]:
        """Each item's start, ascending in a Document: for bisect."""
        return self.columns[0]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.validate, serialization=core_schema.plain_serializer_function_ser_schema(cls.dump)
        )

    @classmethod
    def validate(cls, value: Any) -> _Table[Any]:
        raise NotImplementedError

    @classmethod
    def dump(cls, value: Any) -> list[dict[str, int]]:
        raise NotImplementedError


def _fields(item: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """An item given as a model, a mapping or a tuple, as the tuple of its fields."""
    if isinstance(item, dict):
        return tuple(item[n] for n in names)
    if isinstance(item, BaseModel):
        return tuple(getattr(item, n) for n in names)
    values = tuple(item)
    if len(values) != len(names):
        raise ValueError(f"expected {len(names)} values ({', '.join(names)}), got {len(values)}")
    return values


def _columns(values: Any, names: tuple[str, ...]) -> tuple[array[int], ...]:
    # pydantic reports a ValueError raised here as a ValidationError, as it would for a list of models
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError("expected a list")  # noqa: TRY004
    try:
        rows = [_fields(item, names) for item in values]
    except (KeyError, TypeError) as error:
        raise ValueError(f"expected items with {', '.join(names)}: {error!r}") from None
    return tuple(offset_array(column) for column in zip(*rows)) if rows else tuple(offset_array(()) for _ in names)


class SpanTable(_Table[Span]):
    """A Document's paragraphs: their starts and ends in two arrays, each Span made when it is read."""

    def __init__(self, starts: array[int], ends: array[int]) -> None:
        self.columns = (starts, ends)

    def make(self, k: int) -> Span:
        return Span(start=self.columns[0][k], end=self.columns[1][k])

    def __iter__(self) -> Iterator[Span]:
        return (Span(start=a, end=b) for a, b in zip(*self.columns))

    @classmethod
    def validate(cls, value: Any) -> SpanTable:
        return value if isinstance(value, SpanTable) else cls(*_columns(value, ("start", "end")))

    @classmethod
    def dump(cls, value: Any) -> list[dict[str, int]]:
        return [{"start": a, "end": b} for a, b in zip(*value.columns)]


class SentenceTable(_Table[Sentence]):
    """A Document's sentences: starts, ends and paragraph indices in three arrays, each Sentence made when read."""

    def __init__(self, starts: array[int], ends: array[int], paragraphs: array[int]) -> None:
        self.columns = (starts, ends, paragraphs)

    def make(self, k: int) -> Sentence:
        return Sentence(self.columns[0][k], self.columns[1][k], self.columns[2][k])

    def __iter__(self) -> Iterator[Sentence]:
        return map(Sentence, *self.columns)

    @classmethod
    def validate(cls, value: Any) -> SentenceTable:
        return value if isinstance(value, SentenceTable) else cls(*_columns(value, Sentence._fields))

    @classmethod
    def dump(cls, value: Any) -> list[dict[str, int]]:
        return [{"start": a, "end": b, "paragraph": p} for a, b, p in zip(*value.columns)]


class Document(_Data):
    """A loaded text: its original characters, and where its paragraphs and sentences lie in them (any list of
    Spans and Sentences given is kept as a table of offsets: a long text has tens of thousands)."""

    name: str
    text: str
    paragraphs: Annotated[Sequence[Span], SpanTable]
    sentences: Annotated[Sequence[Sentence], SentenceTable]

    def slice(self, start: int, end: int) -> str:
        return self.text[start:end]


class Quote(_Data):
    """A quotation found in the release. `parts` are the spans inside the marks; an interrupted quotation has
    several, and then `text` joins them with a space."""

    text: str
    start: int
    end: int
    parts: list[Span]
    kind: Literal["quote", "term", "block"] = "quote"
    speaker: Speaker = "source"
    speaker_name: str = ""
    frame: str = ""
    paragraph: int = 0
    unclosed: bool = False
    continued: bool = Field(default=False, description="a paragraph of a multi-paragraph quotation after the first")
    nested: bool = Field(default=False, description="quoted inside another quotation")
    credited: bool = Field(
        default=False,
        description="the release names its speaker: the subject of a speech verb, 'according to', a lead-in, a "
        "heading, or a pronoun carried back to one; not just a name somewhere in the sentence",
    )


class EditOp(_Data):
    """One step of an alignment. Quote offsets are into the release, source offsets into the source."""

    kind: EditKind
    quote_start: int
    quote_end: int
    source_start: int
    source_end: int
    quote_text: str = ""
    source_text: str = ""
    marked: bool = Field(default=False, description="the quotation marks this change: an ellipsis or [brackets]")
    edge: bool = Field(default=False, description="at the start or end of the quotation")
    moved: bool = Field(default=False, description="placed in another part of the source than the rest of the quotation")


class Alignment(_Data):
    """Where a quotation comes from in the source, and how it differs."""

    found: bool
    score: float = Field(description="0-100: share of the quotation's words that align to the source")
    source_start: int = -1
    source_end: int = -1
    ops: list[EditOp] = []
    case_changes: int = 0
    nearest_similarity: float | None = Field(default=None, description="cosine similarity of the nearest passage")


class ContextNote(_Data):
    source_start: int
    source_end: int
    text: str
    cues: list[str]
    topic: float


class QuoteFinding(_Data):
    """One quotation, where it comes from, and what the release did to it."""

    text: str
    start: int
    end: int
    parts: list[Span]
    kind: Literal["quote", "term", "block"]
    speaker: Speaker
    speaker_name: str
    frame: str
    verdict: Verdict
    severity: Severity
    score: float
    source_start: int
    source_end: int
    source_text: str
    omitted: list[str]
    explanation: str
    edits: list[EditOp]
    context: list[ContextNote] = []
    unclosed: bool = False
    source_name: str = Field(default="", description="which source the passage is in (its path or name)")
    accepted: bool = Field(
        default=False,
        description="matches an entry of the baseline the check was given: reviewed and accepted, so not counted "
        "in the summary's flagged, severities and worst_severity (nor by --fail-on)",
    )


class ClaimFinding(_Data):
    """A sentence of the release that reports what the source found, without quoting it."""

    text: str
    start: int
    end: int
    verdict: ClaimVerdict
    evidence: list[Span]
    evidence_text: list[str]
    reason: str
    severity: Severity = Field(
        default="none", description="none (supported or partly), low (unsupported), medium (contradicted)"
    )
    coverage: float = Field(default=0.0, description="0-1: share of the claim's content words the evidence contains, weighted by rarity")
    similarity: float | None = Field(default=None, description="cosine similarity of the claim and its nearest source passage")
    source_name: str = ""
    accepted: bool = Field(
        default=False,
        description="matches an entry of the baseline: not counted in claims_flagged or worst_severity",
    )


class SourceFinding(_Data):
    """A finding of the source (a criticism, a recommendation, a strength) and whether the release reports it."""

    text: str
    start: int
    end: int
    tone: Literal["critical", "positive"]
    section: str = Field(default="", description="the heading it sits under, e.g. 'What needs to improve'")
    status: Literal["quoted", "reflected", "contradicted", "omitted"] = Field(
        description="quoted, reflected (a release sentence carries it), contradicted (the release's nearest sentence "
        "says the opposite: not a mention) or omitted"
    )
    importance: float = Field(
        default=0.0,
        description="0-1, for ranking what the release leaves out: under an improvement heading, how strongly it "
        "criticises, and whether the release touches its subject at all",
    )
    release_start: int = -1
    release_end: int = -1
    source_name: str = ""


class Balance(_Data):
    """How evenly the release reports the source: shares of its critical and positive findings mentioned."""

    critical: int
    critical_mentioned: int
    positive: int
    positive_mentioned: int
    critical_share: float
    positive_share: float


class Summary(_Data):
    """Counts over the report. A finding a baseline accepted keeps its verdict (counted in `verdicts`) but is left
    out of every count that says what is wrong: `severities`, `flagged`, `claims_flagged` and `worst_severity`;
    `accepted` counts those findings instead."""

    quotes: int
    checked: int
    verdicts: dict[str, int] = Field(description="quotations by verdict, accepted ones included")
    severities: dict[str, int] = Field(description="quotations by severity, accepted ones left out")
    flagged: int = Field(description="quotations with a severity, not accepted")
    claims: int
    claims_flagged: int = Field(default=0, description="claims the source contradicts or does not support, not accepted")
    unclosed_quotes: int
    unreported_total: int = Field(default=0, description="source findings left out or contradicted; `unreported` lists the most important")
    worst_severity: Severity = Field(description="the worst severity of any quotation or claim not accepted")
    accepted: int = Field(default=0, description="quotations and claims a baseline accepted")


class LibraryReport(_Data):
    """A report of a library (`check --library`, `serve --library`) that the release was checked against."""

    name: str = Field(description="the path the report was first added from; its quotations' source_name")
    digest: str = Field(description="sha256 of the report's normalised text: its key in the library")
    evidence: Literal["quotations", "sentences"] = Field(description="what found it: quotations it holds, or sentences")
    quotations: int = Field(description="the release's quotations the report holds")
    sentences: int = Field(description="the release's sentences matched in the report (when no report holds a quotation)")
    score: float = Field(description="its score in `factcheck find`'s ranking")


class Report(_Data):
    """The result of checking one release against its source."""

    factcheck_version: str
    release: str
    source: str
    sources: list[str] = []
    library: list[LibraryReport] | None = Field(
        default=None,
        description="the library reports found and used as the sources, best first; absent when the sources were named",
    )
    summary: Summary
    quotes: list[QuoteFinding]
    claims: list[ClaimFinding]
    unreported: list[SourceFinding] = Field(default=[], description="source findings the release leaves out, critical first")
    findings: list[SourceFinding] = Field(default=[], description="every critical or positive source finding, with its status")
    balance: Balance | None = None
    warnings: list[str] = []

    @model_serializer(mode="wrap")
    def _library_only_when_used(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """`library` is left out when the sources were named, so such a report is what it was before libraries."""
        data: dict[str, object] = handler(self)
        if self.library is None:
            data.pop("library", None)
        return data
