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


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Callable[[Turn], None]
    handle: Callable[[Turn], None]


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
    turn.state.slots = {DATA: dict(answers or {}), HISTORY: []}
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
