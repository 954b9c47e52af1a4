"""Flows as small state machines with named steps.

A step has a `prompt` (ask the question) and a `handle` (the answer arrived). The position —
flow, step, the answers so far and the steps behind it for "back" — lives in the conversation
state in the database, so a restart resumes at the same step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.context import Turn

HISTORY = "_history"
DATA = "data"
OFFERED = "_offered"  # the last choices shown: typing a button's text counts as tapping it


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Callable[[Turn], None]
    handle: Callable[[Turn], None]
    # a step that only offers choices (a menu, a list) lets a clear intent lead elsewhere;
    # one that asks for free text (a description, a place) keeps whatever is typed
    takes_text: bool = True


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: dict[str, Step]
    on_exit: Callable[[Turn], None] | None = None  # e.g. settings return to their menu


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def data(turn: Turn) -> dict[str, Any]:
    """The current flow's answers (JSON-serialisable, stored with the state)."""
    slots = turn.state.slots
    if DATA not in slots:
        slots[DATA] = {}
    found: dict[str, Any] = slots[DATA]
    return found


def start(turn: Turn, flow: Flow, step: str, answers: dict[str, Any] | None = None) -> None:
    turn.state.flow = flow.name
    turn.state.step = step
    offered = turn.state.slots.get(OFFERED)
    turn.state.slots = {DATA: dict(answers or {}), HISTORY: []}
    if offered:
        turn.state.slots[OFFERED] = offered
    flow.steps[step].prompt(turn)


def goto(turn: Turn, step: str, *, remember: bool = True) -> None:
    """Move on to `step` and ask its question; "back" returns to the step we leave."""
    flow = current_flow(turn)
    assert flow is not None, "goto outside a flow"
    if remember and turn.state.step and turn.state.step != step:
        history: list[str] = turn.state.slots.setdefault(HISTORY, [])
        history.append(turn.state.step)
    turn.state.step = step
    flow.steps[step].prompt(turn)


def back(turn: Turn) -> bool:
    """Return to the previous step; False when there is none."""
    history: list[str] = turn.state.slots.get(HISTORY, [])
    flow = current_flow(turn)
    if flow is None or not history:
        return False
    turn.state.step = history.pop()
    flow.steps[turn.state.step].prompt(turn)
    return True


def finish(turn: Turn) -> None:
    turn.state.flow = None
    turn.state.step = None
    turn.state.slots = {}


def remember_choices(turn: Turn) -> None:
    """Keep the labels of the last choices offered, so their text can answer them."""
    for reply in reversed(turn.replies):
        if reply.choices:
            turn.state.slots[OFFERED] = [[c.label, c.payload] for c in reply.choices]
            return


def offered_choice(turn: Turn, text: str) -> str | None:
    """The payload of the offered choice whose label the text names, if exactly one does."""
    wanted = _label_key(text)
    if not wanted:
        return None
    # in a pick-several list a typed answer is the whole answer (handled by the step), only
    # its Done / None buttons may be typed
    offered: list[list[str]] = [
        [label, payload]
        for label, payload in turn.state.slots.get(OFFERED, [])
        if not payload.startswith("pick:") or payload in ("pick:done", "pick:none")
    ]
    exact = [payload for label, payload in offered if _label_key(label) == wanted]
    if len(exact) == 1:
        return exact[0]
    # the first word(s) of a label are enough when only one label starts that way ("Anzahl")
    starts = [p for label, p in offered if _label_key(label).startswith(wanted + " ")]
    return starts[0] if len(starts) == 1 else None


def _label_key(text: str) -> str:
    # emoji, arrows and punctuation are decoration; "✏️ Anzahl Helfer*innen" ~ "anzahl helfer innen"
    cleaned = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text.casefold())
    return " ".join(cleaned.split())


def current_flow(turn: Turn) -> Flow | None:
    return FLOWS.get(turn.state.flow or "")


def current_step(turn: Turn) -> Step | None:
    flow = current_flow(turn)
    if flow is None or turn.state.step not in flow.steps:
        return None
    return flow.steps[turn.state.step]


def reprompt(turn: Turn, hint: str) -> None:
    """Say what was expected, then ask the same question again."""
    turn.say(hint)
    step = current_step(turn)
    if step is not None:
        step.prompt(turn)
