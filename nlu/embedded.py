"""The embedded interpreter: intents from a linear model trained on the Rasa training data
(nlu/data/*.yml), entities from the rule-based extractors in nlu/entities. No server needed.

Training uses scikit-learn: TF-IDF over word 1–2-grams and char_wb 2–5-grams of a normalised text,
then a multinomial logistic regression (its probabilities are well calibrated, so they serve as
confidences). The fitted model is "compiled" into plain numpy arrays and vocabularies and cached
with joblib, keyed by the training files' contents, the scikit-learn version and CODE_VERSION.
Parsing runs on those arrays only, for two reasons: importing scikit-learn costs ~1 s (the cache
would then not load "at once" after a restart), and sklearn's per-call validation costs more
than the arithmetic for a single short message. tests/nlu/test_embedded.py checks that the
compiled model gives sklearn's probabilities.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import logging
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import joblib
import numpy as np
import numpy.typing as npt

from nlu.cache import DEFAULT_CACHE_DIR, prune, write_atomically
from nlu.interpreter import FALLBACK_INTENT, IntentScore, Parse, ParseContext, make_parse
from nlu.rasa_data import TrainingData, load_training_data, training_files

log = logging.getLogger(__name__)

# Bump when normalisation, features or the classifier change: the cached models then retrain.
CODE_VERSION = "embedded-2"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
HELDOUT_DIR_NAME = "heldout"
RANKING_SIZE = 10  # as Rasa's intent_ranking
MAX_CHARS = 1000  # longer messages are classified by their beginning: bounds the parse time
CACHE_FILES_KEPT = 4

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
# Words, and every other non-space character on its own: "?" and emoji (👍, 🙏) carry intent.
TOKEN_PATTERN = r"(?u)\w+|[^\w\s]"
_TOKENS = re.compile(TOKEN_PATTERN)
# Chosen on nlu/heldout (see the closing note of the change): C=10 → 0.861 accuracy, log-loss
# 0.62; C=100 → 0.881, 0.43; C=300 same accuracy; C=1000 worse. SGD/LinearSVC + calibration: lower.
LOGREG_C = 100.0

FloatArray = npt.NDArray[np.float32]


class EntityExtracting(Protocol):
    """What nlu.entities.EntityExtractor offers: Rasa-shaped entity dicts for one message."""

    def extract(self, text: str, context: ParseContext) -> list[dict[str, Any]]: ...


class NoEntities:
    """An extractor that finds nothing: for benchmarks of the intent part and for tests."""

    def extract(self, text: str, context: ParseContext) -> list[dict[str, Any]]:
        return []


def default_entity_extractor() -> EntityExtracting:
    """nlu.entities.EntityExtractor() when that package exists; otherwise no entities (and a
    warning), so intents work while the extractors are missing. Imported by name at run time
    because this module must not fail to import without it."""
    try:
        module = importlib.import_module("nlu.entities")
    except ModuleNotFoundError as error:
        if error.name not in ("nlu.entities", "nlu"):
            raise  # a missing dependency inside nlu.entities is a real error
        log.warning("nlu.entities is not available: parses will carry no entities")
        return NoEntities()
    factory = getattr(module, "EntityExtractor", None)
    if factory is None:  # the package exists but is not finished (no __init__ export yet)
        log.warning("nlu.entities has no EntityExtractor: parses will carry no entities")
        return NoEntities()
    extractor: EntityExtracting = factory()
    return extractor


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text the features see (the parse keeps the original): case, umlaut spelling ("fuer" is
    "für" typed on a foreign keyboard), accents and the exact digits ("um 10" ~ "um 9") do not
    change the intent. Emoji stay: 👍 and 🙏 do."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold().translate(_UMLAUTS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _DIGIT.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def word_terms(text: str) -> list[str]:
    """scikit-learn's word analyzer for WORD_NGRAMS with TOKEN_PATTERN, lowercase=False."""
    tokens = _TOKENS.findall(text)
    terms = list(tokens) if WORD_NGRAMS[0] == 1 else []
    for n in range(max(2, WORD_NGRAMS[0]), WORD_NGRAMS[1] + 1):
        terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return terms


def char_terms(text: str) -> list[str]:
    """scikit-learn's char_wb analyzer for CHAR_NGRAMS (each word padded with one space)."""
    terms: list[str] = []
    low, high = CHAR_NGRAMS
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:
                terms.append(padded)  # sklearn counts a short word once, then stops
                break
            terms.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return terms


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """The fitted pipeline as arrays: TF-IDF (sublinear tf, l2 per vectorizer) + linear scores."""

    labels: tuple[str, ...]
    word_vocabulary: dict[str, int]
    word_idf: FloatArray
    char_vocabulary: dict[str, int]
    char_idf: FloatArray
    weights: FloatArray  # (n_word + n_char features, n_classes), or (…, 1) for two classes
    bias: FloatArray

    def probabilities(self, normalised: str) -> FloatArray:
        scores = self.bias.astype(np.float64)
        for terms, vocabulary, idf, offset in (
            (word_terms(normalised), self.word_vocabulary, self.word_idf, 0),
            (char_terms(normalised), self.char_vocabulary, self.char_idf, len(self.word_idf)),
        ):
            counts = Counter(vocabulary[t] for t in terms if t in vocabulary)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            values = (np.log(tf) + 1.0) * idf[index]
            values /= math.sqrt(float(values @ values))
            scores = scores + values @ self.weights[index + offset]
        if len(self.labels) == 2:  # sklearn's binary logistic regression: one logit
            positive = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - positive, positive], dtype=np.float64)
        scores = scores - scores.max()
        exp = np.exp(scores)
        result: FloatArray = exp / exp.sum()
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "word_vocabulary": self.word_vocabulary,
            "word_idf": self.word_idf,
            "char_vocabulary": self.char_vocabulary,
            "char_idf": self.char_idf,
            "weights": self.weights,
            "bias": self.bias,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> CompiledModel:
        return cls(
            labels=tuple(stored["labels"]),
            word_vocabulary=stored["word_vocabulary"],
            word_idf=stored["word_idf"],
            char_vocabulary=stored["char_vocabulary"],
            char_idf=stored["char_idf"],
            weights=stored["weights"],
            bias=stored["bias"],
        )


def build_pipeline() -> Any:
    """The scikit-learn pipeline that is trained (and that CompiledModel reproduces)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    def vectorizer(analyzer: str, ngrams: tuple[int, int]) -> Any:
        return TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=ngrams,
            # sklearn warns when a char analyzer is given a token pattern.
            token_pattern=TOKEN_PATTERN if analyzer == "word" else None,
            lowercase=False,  # normalise() has done it, and more
            sublinear_tf=True,
            dtype=np.float64,
        )

    features = FeatureUnion(
        [("word", vectorizer("word", WORD_NGRAMS)), ("char", vectorizer("char_wb", CHAR_NGRAMS))]
    )
    return Pipeline(
        [("features", features), ("classifier", LogisticRegression(C=LOGREG_C, max_iter=3000))]
    )


def fit_pipeline(data: TrainingData) -> Any:
    texts = [normalise(example.text) for example in data.examples]
    labels = [example.intent for example in data.examples]
    if len(set(labels)) < 2:
        raise ValueError("training needs examples of at least two intents")
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    pipeline = build_pipeline()
    # One BLAS thread: on a busy 2-core host, threads fighting over the cores made lbfgs 3–5×
    # slower (6.8 s instead of 2.2 s); the problem is too small to gain from more.
    with threadpool_limits(limits=1):
        pipeline.fit(texts, labels)
    return pipeline


def compile_pipeline(pipeline: Any) -> CompiledModel:
    union = pipeline.named_steps["features"]
    word, char = union.transformer_list[0][1], union.transformer_list[1][1]
    classifier = pipeline.named_steps["classifier"]
    return CompiledModel(
        labels=tuple(str(label) for label in classifier.classes_),
        word_vocabulary={str(k): int(v) for k, v in word.vocabulary_.items()},
        word_idf=np.asarray(word.idf_, dtype=np.float64),
        char_vocabulary={str(k): int(v) for k, v in char.vocabulary_.items()},
        char_idf=np.asarray(char.idf_, dtype=np.float64),
        # float32 halves the memory; probabilities move by < 1e-5.
        weights=np.ascontiguousarray(classifier.coef_.T, dtype=np.float32),
        bias=np.asarray(classifier.intercept_, dtype=np.float64),
    )


def sklearn_version() -> str:
    # From the package metadata: importing sklearn only to learn its version costs ~1 s.
    try:
        return importlib.metadata.version("scikit-learn")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def cache_key(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{CODE_VERSION}\0sklearn {sklearn_version()}\0".encode())
    for file in files:
        content = file.read_bytes()
        digest.update(f"{file.name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:24]


class EmbeddedInterpreter:
    """Implements nlu.interpreter.Interpreter. Loads (or trains) the model on first use, once,
    also when several threads parse at the same time; call load() at start-up to pay it early."""

    def __init__(
        self,
        data: str | Path | Iterable[str | Path] | None = None,
        *,
        cache_dir: str | Path | None = DEFAULT_CACHE_DIR,
        entity_extractor: EntityExtracting | None = None,
        threshold: float = 0.0,
    ) -> None:
        """data: a Rasa NLU file or directory (or several); default nlu/data/. cache_dir: where
        fitted models are kept; None trains in memory every time. threshold: below it the parse
        answers nlu_fallback like Rasa's FallbackClassifier; 0 (default) leaves that to the bot."""
        paths = DEFAULT_DATA_DIR if data is None else data
        self._data: list[Path] = (
            [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
        )
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._extractor = entity_extractor
        self.threshold = threshold
        self._model: CompiledModel | None = None
        self._lock = threading.Lock()
        self._extractor_lock = threading.Lock()
        # What the last load did, for tests, `python -m nlu train` and the benchmark.
        self.load_source: Literal["cache", "fit"] | None = None
        self.load_seconds = 0.0
        self.cache_path: Path | None = None

    # -- the model ---------------------------------------------------------------------------

    def training_files(self) -> list[Path]:
        """The files training reads: never anything under a `heldout` directory, so evaluation
        data cannot leak into the model even when a parent directory is given (a file named
        explicitly is read: that is a deliberate choice)."""
        files: list[Path] = []
        for path in self._data:
            found = training_files(path)
            if path.is_dir():
                found = [f for f in found if HELDOUT_DIR_NAME not in f.relative_to(path).parts]
            files.extend(found)
        return files

    def load(self) -> CompiledModel:
        model = self._model
        if model is not None:
            return model
        with self._lock:
            if self._model is None:
                started = time.perf_counter()
                self._model = self._load_or_fit()
                self.load_seconds = time.perf_counter() - started
            return self._model

    def train(self) -> CompiledModel:
        """Fits anew even when a cached model exists, and caches the result."""
        with self._lock:
            started = time.perf_counter()
            self._model = self._load_or_fit(use_cache=False)
            self.load_seconds = time.perf_counter() - started
            return self._model

    def _load_or_fit(self, *, use_cache: bool = True) -> CompiledModel:
        files = self.training_files()
        if self._cache_dir is None:
            self.load_source = "fit"
            return compile_pipeline(fit_pipeline(load_training_data(files)))
        key = cache_key(files)
        path = self._cache_dir / f"embedded-{key}.joblib"
        self.cache_path = path
        if use_cache and path.exists():
            try:
                stored = joblib.load(path)
                if stored.get("key") == key:
                    self.load_source = "cache"
                    return CompiledModel.from_dict(stored["model"])
                log.warning("NLU cache %s belongs to another key; retraining", path)
            except Exception:  # a truncated or foreign file: retrain rather than fail
                log.warning("NLU cache %s is unreadable; retraining", path, exc_info=True)
        started = time.perf_counter()
        model = compile_pipeline(fit_pipeline(load_training_data(files)))
        log.info("NLU model trained in %.1f s", time.perf_counter() - started)
        self.load_source = "fit"
        self._store(path, key, model)
        return model

    def _store(self, path: Path, key: str, model: CompiledModel) -> None:
        stored = {"key": key, "code_version": CODE_VERSION, "model": model.to_dict()}
        write_atomically(path, lambda temporary: joblib.dump(stored, temporary))
        prune(path, "embedded-*.joblib", CACHE_FILES_KEPT)

    # -- parsing -----------------------------------------------------------------------------

    def entity_extractor(self) -> EntityExtracting:
        extractor = self._extractor
        if extractor is None:
            with self._extractor_lock:
                if self._extractor is None:
                    self._extractor = default_entity_extractor()
                extractor = self._extractor
        return extractor

    def intent_ranking(self, text: str) -> list[IntentScore]:
        cleaned = normalise(text)
        if not cleaned:
            return []
        model = self.load()
        probabilities = model.probabilities(cleaned)
        top = np.argsort(-probabilities, kind="stable")[:RANKING_SIZE]
        return [IntentScore(name=model.labels[i], confidence=float(probabilities[i])) for i in top]

    def parse(self, text: str, context: ParseContext) -> Parse:
        ranking = self.intent_ranking(text)
        if ranking and ranking[0]["confidence"] < self.threshold:
            # As Rasa's FallbackClassifier: nlu_fallback on top, the model's guesses below it.
            ranking = [IntentScore(name=FALLBACK_INTENT, confidence=self.threshold), *ranking]
        entities = self.entity_extractor().extract(text, context) if text.strip() else []
        return make_parse(text, ranking[:RANKING_SIZE], entities)
