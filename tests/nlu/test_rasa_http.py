"""The Rasa HTTP interpreter against a stand-in server on 127.0.0.1: the merge of Rasa's intents
with our entities, and NluUnavailable when the server refuses, times out or answers nonsense."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from nlu.interpreter import ParseContext
from nlu.rasa_http import NluUnavailable, RasaHttpInterpreter, merge
from tests.nlu.conftest import StubExtractor

CONTEXT = ParseContext(language="de")
TEXT = "Wir suchen 4 Helfer für Gassi gehen in Aachen"


def rasa_answer(text: str) -> dict[str, Any]:
    """What Rasa (DIET, no Duckling) answers: its own spans for everything it learnt."""
    return {
        "text": text,
        "intent": {"name": "request_help", "confidence": 0.93, "id": 1},
        "intent_ranking": [
            {"name": "request_help", "confidence": 0.93, "id": 1},
            {"name": "search", "confidence": 0.05, "id": 2},
        ],
        "entities": [
            # "4": ours has it (quantity): Rasa's dropped even though the type differs.
            {"entity": "category", "value": "4", "start": 11, "end": 12, "extractor": "DIET"},
            {"entity": "category", "value": "animals", "start": 24, "end": 35, "extractor": "DIET"},
            {"entity": "time", "value": "Aachen", "start": 39, "end": 45, "extractor": "DIET"},
        ],
    }


class StandIn(BaseHTTPRequestHandler):
    mode: ClassVar[str] = "ok"
    requests: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StandIn.requests.append((self.path, body))
        if StandIn.mode == "slow":
            time.sleep(1.0)
        if StandIn.mode == "error":
            self.send_error(500, "model not loaded")
            return
        payload = (
            b"<html>"
            if StandIn.mode == "garbage"
            else json.dumps(rasa_answer(body["text"])).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server() -> Iterator[str]:
    StandIn.mode = "ok"
    StandIn.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_parse_merges_rasa_intents_with_our_entities(server: str) -> None:
    extractor = StubExtractor()
    interpreter = RasaHttpInterpreter(server + "/", entity_extractor=extractor)
    parse = interpreter.parse(TEXT, CONTEXT)

    assert StandIn.requests == [("/model/parse", {"text": TEXT})]
    assert extractor.calls == [(TEXT, CONTEXT)]
    assert parse["text"] == TEXT
    assert parse["intent"] == {"name": "request_help", "confidence": 0.93}
    assert parse["intent_ranking"] == [
        {"name": "request_help", "confidence": 0.93},
        {"name": "search", "confidence": 0.05},
    ]
    assert [(e["entity"], e["value"], e["start"]) for e in parse["entities"]] == [
        ("quantity", 4, 11),  # ours
        ("category", "animals", 24),  # Rasa's, on a span ours left empty
        ("location", "Aachen", 39),  # ours; Rasa's "time" there is not a type it may add
    ]


def test_token_goes_into_the_query(server: str) -> None:
    RasaHttpInterpreter(server, token="s3cret", entity_extractor=StubExtractor()).parse(
        "hallo", CONTEXT
    )
    assert StandIn.requests[0][0] == "/model/parse?token=s3cret"


def test_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    interpreter = RasaHttpInterpreter(f"http://127.0.0.1:{port}", entity_extractor=StubExtractor())
    with pytest.raises(NluUnavailable, match="unavailable"):
        interpreter.parse("hallo", CONTEXT)


def test_timeout_is_unavailable(server: str) -> None:
    StandIn.mode = "slow"
    interpreter = RasaHttpInterpreter(server, timeout_s=0.2, entity_extractor=StubExtractor())
    started = time.perf_counter()
    with pytest.raises(NluUnavailable):
        interpreter.parse("hallo", CONTEXT)
    assert time.perf_counter() - started < 0.9


@pytest.mark.parametrize(("mode", "message"), [("error", "HTTP 500"), ("garbage", "no JSON")])
def test_bad_answers_are_unavailable(server: str, mode: str, message: str) -> None:
    StandIn.mode = mode
    with pytest.raises(NluUnavailable, match=message):
        RasaHttpInterpreter(server, entity_extractor=StubExtractor()).parse("hallo", CONTEXT)


def test_merge_of_an_empty_message() -> None:
    empty = {"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []}
    parse = merge("", empty, [])
    assert parse["intent"] == {"name": "nlu_fallback", "confidence": 0.0}
    assert parse["intent_ranking"] == []
    assert parse["entities"] == []
