"""The 16 stable category keys of DESIGN.md with their German and English labels."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import UnknownCategory


class Category(StrEnum):
    SENIORS = "seniors"
    CHILDREN_YOUTH = "children_youth"
    EDUCATION = "education"
    INTEGRATION = "integration"
    ENVIRONMENT = "environment"
    ANIMALS = "animals"
    SPORTS = "sports"
    CULTURE = "culture"
    HEALTH = "health"
    FOOD = "food"
    EMERGENCY = "emergency"
    TRANSPORT = "transport"
    CRAFTS_REPAIR = "crafts_repair"
    DIGITAL = "digital"
    NEIGHBOURHOOD_HELP = "neighbourhood_help"
    EVENTS = "events"


_LABELS: dict[Category, dict[str, str]] = {
    Category.SENIORS: {"de": "Senioren", "en": "Seniors"},
    Category.CHILDREN_YOUTH: {"de": "Kinder & Jugend", "en": "Children & youth"},
    Category.EDUCATION: {"de": "Bildung & Nachhilfe", "en": "Education & tutoring"},
    Category.INTEGRATION: {"de": "Integration & Geflüchtete", "en": "Integration & refugees"},
    Category.ENVIRONMENT: {"de": "Umwelt & Natur", "en": "Environment & nature"},
    Category.ANIMALS: {"de": "Tiere & Tierschutz", "en": "Animals & animal welfare"},
    Category.SPORTS: {"de": "Sport", "en": "Sports"},
    Category.CULTURE: {"de": "Kultur", "en": "Culture"},
    Category.HEALTH: {"de": "Gesundheit & Pflege", "en": "Health & care"},
    Category.FOOD: {"de": "Lebensmittel & Tafel", "en": "Food & food banks"},
    Category.EMERGENCY: {"de": "Notfall & Katastrophenhilfe", "en": "Emergency & disaster relief"},
    Category.TRANSPORT: {"de": "Fahrdienste & Transport", "en": "Driving & transport"},
    Category.CRAFTS_REPAIR: {"de": "Handwerk & Reparatur", "en": "Crafts & repair"},
    Category.DIGITAL: {"de": "Digitales & Technik", "en": "Digital & tech"},
    Category.NEIGHBOURHOOD_HELP: {"de": "Nachbarschaftshilfe", "en": "Neighbourhood help"},
    Category.EVENTS: {"de": "Veranstaltungen & Feste", "en": "Events & festivals"},
}

SUPPORTED_LANGUAGES = ("de", "en")


def parse_category(value: str) -> Category:
    """The category for a stable key; an unknown key is a domain error, never a silent default."""
    try:
        return Category(value.strip().lower())
    except ValueError:
        raise UnknownCategory(value) from None


def category_label(category: Category, language: str) -> str:
    labels = _LABELS[category]
    return labels.get(language, labels["de"])
