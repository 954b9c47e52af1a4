"""Small pieces every flow uses: choices, yes/no, places, the main menu."""

from __future__ import annotations

from bot.context import Turn
from bot.flows import framework as fw
from bot.messages import Choice
from domain.categories import parse_category
from domain.errors import ValidationError
from domain.municipalities import KnownPlace, nearest_municipality, nearest_place, place_label
from domain.places import GeoPoint
from domain.qualifications import Qualification

YES, NO = "yes", "no"
# a yes that publishes or consents must be meant: below this, ask again rather than guess
YES_NO_CONFIDENCE = 0.7


def yes_no(
    turn: Turn, yes_label: str | None = None, no_label: str | None = None
) -> tuple[Choice, ...]:
    t = turn.t
    return (Choice(yes_label or t._("Yes"), YES), Choice(no_label or t._("No"), NO))


def answer_yes_no(turn: Turn) -> bool | None:
    """A tapped yes/no, or affirm/deny understood from free text; None when neither."""
    if turn.incoming.choice in (YES, NO):
        return turn.incoming.choice == YES
    parse = turn.parse()
    if parse is None or parse["intent"]["confidence"] < YES_NO_CONFIDENCE:
        return None
    name = parse["intent"]["name"]
    if name == "affirm":
        return True
    if name == "deny":
        return False
    return None


def intent_name(turn: Turn) -> str | None:
    parse = turn.parse()
    return parse["intent"]["name"] if parse else None


def categories_named(turn: Turn) -> list[str]:
    """The category keys the NLU found in this turn's text, in order, each once."""
    found: list[str] = []
    for entity in turn.entities("category"):
        try:
            key = parse_category(str(entity["value"])).value
        except ValidationError:
            continue
        if key not in found:
            found.append(key)
    return found


def qualifications_named(turn: Turn) -> list[str]:
    """The qualification keys the NLU found in this turn's text, in order, each once."""
    found: list[str] = []
    for entity in turn.entities("qualification"):
        try:
            key = Qualification(str(entity["value"])).key
        except ValidationError:
            continue
        if key not in found:
            found.append(key)
    return found


def cancel_choice(turn: Turn) -> Choice:
    return Choice(turn.t._("✖ Cancel"), "nav:cancel")


def nav_choices(turn: Turn) -> tuple[Choice, ...]:
    return (Choice(turn.t._("◀ Back"), "nav:back"), cancel_choice(turn))


# a reason someone else will read: an editor's to a poster, a reporter's to the editors
REASON_MIN, REASON_MAX = 3, 500


def reason_answer(turn: Turn) -> str | None:
    """The typed reason, or None after asking again for one of the right length."""
    reason = (turn.incoming.text or "").strip()
    if REASON_MIN <= len(reason) <= REASON_MAX:
        return reason
    fw.reprompt(
        turn,
        turn.t._("Please write a reason of {low} to {high} characters.").format(
            low=REASON_MIN, high=REASON_MAX
        ),
    )
    return None


def main_menu(turn: Turn) -> tuple[Choice, ...]:
    t = turn.t
    return (
        Choice(t._("🙋 Offer help"), "cmd:offer"),
        Choice(t._("📣 Post a need"), "cmd:need"),
        Choice(t._("🔎 Search"), "cmd:search"),
        Choice(t._("⏱ I have time now"), "cmd:free"),
        Choice(t._("📋 My postings"), "cmd:mine"),
        Choice(t._("⚙️ Settings"), "cmd:settings"),
    )


def remember_place(turn: Turn, key: str) -> bool:
    """Keep the place this turn shared or named in the flow's answers under `key`; False when
    the turn names none."""
    place = place_answer(turn)
    if place is None:
        return False
    fw.data(turn)[key] = {"lat": place.point.lat, "lon": place.point.lon, "label": place.name}
    return True


def place_answer(turn: Turn) -> KnownPlace | None:
    """The place the user shared or named in this turn, if any."""
    shared = turn.incoming.location
    if shared is not None:
        near = nearest_municipality(shared.point, turn.settings.municipalities)
        label = shared.label or _nearest_label(turn, shared.point)
        return KnownPlace(label, shared.point, near.key)
    for entity in turn.entities("location"):
        if "lat" in entity and "lon" in entity:
            point = GeoPoint(float(entity["lat"]), float(entity["lon"]))
            municipality = (
                entity.get("municipality")
                or nearest_municipality(point, turn.settings.municipalities).key
            )
            name = str(entity.get("resolved") or entity["value"])
            label = place_label(name, municipality, turn.settings.municipalities)
            return KnownPlace(label, point, municipality)
    text = (turn.incoming.text or "").strip()
    return turn.settings.resolve_place(text) if text else None


def _nearest_label(turn: Turn, point: GeoPoint) -> str:
    return nearest_place(point, turn.settings.municipalities).name
