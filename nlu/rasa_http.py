"""The Rasa interpreter: intents from a Rasa server (`rasa run --enable-api`, see nlu/rasa/),
entities mostly from our own extractors.

Rasa runs here without Duckling, so it cannot resolve "morgen früh" to a time or "5 km" to a
number; our extractors can. The merge therefore takes Rasa's intent and ranking, our entities,
and adds only Rasa's category/qualification entities on spans where ours found nothing (DIET
may know a paraphrase our synonym lists lack).

Stdlib urllib only: the bot needs no HTTP client dependency for one POST."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from nlu.embedded import RANKING_SIZE, EntityExtracting, default_entity_extractor
from nlu.interpreter import FALLBACK_INTENT, IntentScore, Parse, ParseContext

RASA_ENTITY_TYPES_KEPT = frozenset({"category", "qualification"})


class NluUnavailable(RuntimeError):
    """The NLU server did not answer usefully (refused, timed out, HTTP error, not JSON).
    The bot decides what to do: fall back to keywords, or ask the user to try again."""


class RasaHttpInterpreter:
    def __init__(
        self,
        url: str,
        timeout_s: float = 2.0,
        entity_extractor: EntityExtracting | None = None,
        *,
        token: str | None = None,
    ) -> None:
        """url: the server's base, e.g. http://127.0.0.1:5005; token: Rasa's --auth-token."""
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._extractor = entity_extractor
        query = f"?{urllib.parse.urlencode({'token': token})}" if token else ""
        self._endpoint = f"{self.url}/model/parse{query}"
        # No proxies: Rasa is an internal service, and an HTTP(S)_PROXY meant for the
        # messengers would otherwise swallow requests to 127.0.0.1.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def entity_extractor(self) -> EntityExtracting:
        if self._extractor is None:
            self._extractor = default_entity_extractor()
        return self._extractor

    def rasa_parse(self, text: str) -> dict[str, Any]:
        """Rasa's answer as it is."""
        request = urllib.request.Request(
            self._endpoint,
            data=json.dumps({"text": text}).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise NluUnavailable(f"Rasa at {self.url} answered HTTP {error.code}") from error
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            # URLError wraps refused connections; a read timeout arrives as TimeoutError (OSError).
            reason = getattr(error, "reason", error)
            raise NluUnavailable(f"Rasa at {self.url} is unavailable: {reason}") from error
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
            raise NluUnavailable(f"Rasa at {self.url} answered no JSON: {error}") from error
        if not isinstance(answer, dict):
            raise NluUnavailable(
                f"Rasa at {self.url} answered {type(answer).__name__}, not a parse"
            )
        return answer

    def parse(self, text: str, context: ParseContext) -> Parse:
        answer = self.rasa_parse(text)
        ours = self.entity_extractor().extract(text, context) if text.strip() else []
        return merge(text, answer, ours)


def merge(text: str, rasa: dict[str, Any], ours: list[dict[str, Any]]) -> Parse:
    scored = [_score(entry) for entry in rasa.get("intent_ranking") or []]
    ranking = [score for score in scored if score is not None][:RANKING_SIZE]
    intent = _score(rasa.get("intent")) or (
        ranking[0] if ranking else IntentScore(name=FALLBACK_INTENT, confidence=0.0)
    )
    entities = list(ours)
    for entity in rasa.get("entities") or []:
        if (
            isinstance(entity, dict)
            and entity.get("entity") in RASA_ENTITY_TYPES_KEPT
            and isinstance(entity.get("start"), int)
            and isinstance(entity.get("end"), int)
            and not any(_overlaps(entity, mine) for mine in ours)
        ):
            entities.append(entity)
    entities.sort(key=lambda e: (e.get("start", 0), e.get("end", 0)))
    return Parse(text=text, intent=intent, intent_ranking=ranking, entities=entities)


def _score(entry: Any) -> IntentScore | None:
    # Rasa answers {"name": null, "confidence": 0} for an empty message.
    if not isinstance(entry, dict) or not entry.get("name"):
        return None
    return IntentScore(name=str(entry["name"]), confidence=float(entry.get("confidence") or 0.0))


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Any overlap at all: where our extractors saw something, their reading wins."""
    try:
        return int(a["start"]) < int(b["end"]) and int(b["start"]) < int(a["end"])
    except (KeyError, TypeError, ValueError):
        return False
