"""Demo data: organisations, people and a few hundred postings around Aachen, for trying the bot.

Pure and deterministic: `build_demo_dataset(now, municipalities, seed)` does no I/O and draws every
random choice from `random.Random(seed)`, so the same `now` and seed give an equal dataset.

Nothing here has a database id. Organisations carry `id=None`, accounts carry no memberships, and
every posting's `owner` is the placeholder `Owner(account_id=0)`: the loader inserts organisations
and accounts first and then replaces the owner with the real ids named by `DemoPosting.owner_key`
(a person key) and `DemoPosting.organisation_key` (an organisation key, or None for a private
posting). The people listed in `DemoPerson.organisation_keys` act for those organisations; the
dataset has no roles, so the loader decides whether they are members or admins.

Identities cannot collide with real users: console ids are the person keys ("anna"), Telegram ids
are negative (real Telegram user ids are positive) and Matrix ids live on `demo.invalid`, a
reserved domain no homeserver can have. Names of organisations are invented or marked "(Demo)".
"""
# The tables below keep one row per line on purpose:
# ruff: noqa: E501

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.actors import Account, ActorKind, Organisation, Owner, Platform, PlatformIdentity
from domain.categories import Category
from domain.errors import ValidationError
from domain.lifecycle import PostingStatus
from domain.municipalities import Municipality, nearest_municipality
from domain.places import GeoPoint, Place, haversine_km
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.timewindow import OneOff, OpenEnded, TimeWindow, Weekly, WeeklySlot

TIME_ZONE = "Europe/Berlin"
TARGET_POSTINGS = 240
HORIZON = timedelta(days=28)  # one-off postings start within four weeks
URGENT_HORIZON = timedelta(hours=47)  # urgent needs start within two days
EARLIEST_START = timedelta(hours=1)
MAX_JITTER_KM = 0.58  # ≤ 600 m even after rounding to 4 decimals
NEARBY_KM = 12.0
PLACEHOLDER_OWNER = Owner(account_id=0)
_ZONE = ZoneInfo(TIME_ZONE)


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    organisation: Organisation  # organisation.id is None


@dataclass(frozen=True)
class DemoPerson:
    key: str
    account: Account
    organisation_keys: tuple[str, ...]
    interests: tuple[Category, ...]
    qualifications: tuple[Qualification, ...]
    editor_of: str | None  # municipality key or None


@dataclass(frozen=True)
class DemoPosting:
    owner_key: str
    organisation_key: str | None
    posting: Posting  # posting.owner is PLACEHOLDER_OWNER


@dataclass(frozen=True)
class DemoDataset:
    organisations: tuple[DemoOrganisation, ...]
    people: tuple[DemoPerson, ...]
    postings: tuple[DemoPosting, ...]


# key: (label, name for "{ort}" in texts, lat, lon) — real centres of districts and towns
_PLACES: dict[str, tuple[str, str, float, float]] = {
    "mitte": ("Aachen-Mitte", "Aachen-Mitte", 50.7762, 6.0838),
    "burtscheid": ("Aachen-Burtscheid", "Burtscheid", 50.7620, 6.0940),
    "brand": ("Aachen-Brand", "Brand", 50.7485, 6.1655),
    "eilendorf": ("Aachen-Eilendorf", "Eilendorf", 50.7810, 6.1560),
    "haaren": ("Aachen-Haaren", "Haaren", 50.7965, 6.1240),
    "kornelimuenster": ("Aachen-Kornelimünster", "Kornelimünster", 50.7275, 6.1780),
    "laurensberg": ("Aachen-Laurensberg", "Laurensberg", 50.7960, 6.0630),
    "richterich": ("Aachen-Richterich", "Richterich", 50.8160, 6.0570),
    "rothe_erde": ("Aachen-Rothe Erde", "Rothe Erde", 50.7700, 6.1160),
    "forst": ("Aachen-Forst", "Forst", 50.7590, 6.1190),
    "soers": ("Aachen-Soers", "Soers", 50.7950, 6.0930),
    "vaalserquartier": ("Aachen-Vaalserquartier", "Vaalserquartier", 50.7700, 6.0360),
    "hoern": ("Aachen-Hörn", "Hörn", 50.7815, 6.0650),
    "stolberg": ("Stolberg (Rhld.)", "Stolberg", 50.7706, 6.2278),
    "eschweiler": ("Eschweiler", "Eschweiler", 50.8180, 6.2650),
    "wuerselen": ("Würselen", "Würselen", 50.8180, 6.1300),
    "herzogenrath": ("Herzogenrath", "Herzogenrath", 50.8690, 6.0970),
    "alsdorf": ("Alsdorf", "Alsdorf", 50.8770, 6.1680),
    "baesweiler": ("Baesweiler", "Baesweiler", 50.9010, 6.1860),
    "roetgen": ("Roetgen", "Roetgen", 50.6500, 6.2010),
    "simmerath": ("Simmerath", "Simmerath", 50.6060, 6.3000),
    "monschau": ("Monschau", "Monschau", 50.5550, 6.2400),
    "vaals": ("Vaals (NL)", "Vaals", 50.7700, 6.0180),
}

# key | kind | name | place | verified | focus categories (whose needs it posts)
_ORGANISATION_ROWS = (
    "sv_brand | club | Sportverein Brand 1920 e.V. | brand | yes | sports children_youth events transport",
    "tafel_ost | club | Tafel Aachen-Ost e.V. (Demo) | rothe_erde | yes | food transport neighbourhood_help",
    "tierheim_freunde | club | Freundeskreis Tierheim Eilendorf e.V. | eilendorf | yes | animals",
    "repair_cafe | initiative | Repair-Café Burtscheid | burtscheid | no | crafts_repair environment digital",
    "nachbarn_forst | initiative | Nachbarschaftsnetz Forst | forst | no | neighbourhood_help seniors health food",
    "wald_gruppe | initiative | Naturschutzgruppe Aachener Wald | vaalserquartier | no | environment animals",
    "ehrenamt_aachen | municipal_office | Ehrenamtsbüro Aachen (Demo) | mitte | yes | events integration emergency seniors digital health",
    "ehrenamt_stolberg | municipal_office | Ehrenamtsbüro Stolberg (Demo) | stolberg | yes | events neighbourhood_help transport seniors culture",
    "gesamtschule_haaren | school | Gesamtschule Haaren (Demo) | haaren | yes | education children_youth digital culture",
    "baeckerei | company | Backstube Kaiserstadt GmbH | wuerselen | yes | food events",
    "it_service | company | Dreiländer IT-Service GmbH | herzogenrath | no | digital education environment",
    "willkommen_eschweiler | initiative | Willkommensnetz Eschweiler | eschweiler | yes | integration education children_youth transport",
    "hochwasserhilfe | club | Hochwasserhilfe Vichttal e.V. | stolberg | no | emergency crafts_repair transport",
    "kulturverein | club | Kulturkreis Kornelimünster e.V. | kornelimuenster | yes | culture events seniors",
)

# key | display name | language | home | telegram id | matrix id | organisations | interests | qualifications | editor
_PEOPLE_ROWS = (
    "anna | Anna B. | de | burtscheid | -7201 | | repair_cafe | crafts_repair environment neighbourhood_help | craft_skills | no",
    "lukas | Lukas M. | de | brand | -7202 | | sv_brand | sports children_youth events | trainer_licence first_aid police_certificate_extended | no",
    "mia | Mia K. | de | rothe_erde | | @mia:demo.invalid | tafel_ost | food transport | food_hygiene driving_licence | no",
    "jonas | Jonas W. | de | eilendorf | -7204 | | tierheim_freunde | animals | driving_licence | no",
    "sabine | Sabine H. | de | mitte | -7205 | @sabine:demo.invalid | ehrenamt_aachen | events neighbourhood_help integration | first_aid | yes",
    "thomas | Thomas J. | de | stolberg | -7206 | | ehrenamt_stolberg hochwasserhilfe | emergency transport events | driving_licence_van first_aid | yes",
    "fatma | Fatma Y. | de | eschweiler | | @fatma:demo.invalid | willkommen_eschweiler | integration education | language:tr tutoring | no",
    "priya | Priya S. | en | hoern | -7208 | | | digital education food | it_skills tutoring language:en language:hi | no",
    "james | James O. | en | vaalserquartier | | @james:demo.invalid | wald_gruppe | environment animals culture health seniors | language:en | no",
    "ursula | Ursula F. | de | forst | | | nachbarn_forst | seniors neighbourhood_help health | care_experience | no",
    "markus | Markus R. | de | herzogenrath | -7211 | | it_service | digital | it_skills | no",
    "claudia | Claudia P. | de | haaren | | @claudia:demo.invalid | gesamtschule_haaren | education children_youth | tutoring police_certificate_extended | no",
    "stefan | Stefan L. | de | wuerselen | -7213 | | baeckerei | food events | food_hygiene driving_licence | no",
    "helga | Helga S. | de | kornelimuenster | | | kulturverein | culture events seniors | | no",
    "yusuf | Yusuf A. | de | alsdorf | -7215 | | | transport integration neighbourhood_help | driving_licence language:ar | no",
    "lea | Lea N. | de | laurensberg | -7216 | | | animals health sports | first_aid | no",
    "peter | Peter G. | de | roetgen | | | wald_gruppe repair_cafe | crafts_repair environment emergency | craft_skills driving_licence | no",
    "kwame | Kwame A. | en | soers | -7218 | @kwame:demo.invalid | sv_brand | sports crafts_repair transport children_youth | first_aid driving_licence language:en language:fr | no",
    "elif | Elif D. | de | baesweiler | | | | children_youth neighbourhood_help education | police_certificate_extended | no",
    "karin | Karin M. | de | simmerath | -7220 | | | seniors culture health | care_experience | no",
)

# kind type when quantity | qualifications | owner | title | description
# when: once, urgent (a need starting within 48 h), weekly, weekly:<0=Mon…6=Sun>, open
# owner: empty (a need → an organisation with that focus; an offer → a German-speaking person),
#        p (a German-speaking person), e (an English-speaking person) or an organisation key
_TEMPLATE_ROWS: dict[Category, tuple[str, ...]] = {
    Category.SENIORS: (
        "need time weekly 1-3 | | | Besuchsdienst im Seniorenzentrum {ort} | Unsere Bewohner*innen freuen sich über Besuch: vorlesen, Karten spielen, zuhören. Einmal pro Woche für ein bis zwei Stunden, Einarbeitung durch unser Team.",
        "need time once 2-4 | | | Spaziergangs-Begleitung für Senior*innen in {ort} | Einige unserer älteren Gäste trauen sich allein nicht mehr raus. Wer begleitet sie auf eine Runde um den Block und einen Kaffee danach?",
        "need event once 3-6 | first_aid | kulturverein | Helfer*innen für den Seniorennachmittag gesucht | Kaffee, Kuchen und Musik im Pfarrsaal: Wir brauchen Hilfe beim Aufbau, Bewirten und Abräumen. Erste-Hilfe-Kenntnisse sind willkommen.",
        "need time urgent 1-1 | driving_licence | | Kurzfristig: Begleitung zum Arzttermin gesucht | Eine 84-jährige Dame aus unserem Besuchskreis braucht kurzfristig Begleitung zur Fachärztin. Fahrt mit eigenem Auto, Fahrtkosten werden erstattet.",
        "need training weekly 1-2 | it_skills | | Smartphone-Sprechstunde für Senior*innen | Wie schicke ich ein Foto per Messenger, wie funktioniert die Fahrplan-App? Wir suchen Geduldige, die einmal pro Woche Fragen rund um Handy und Tablet beantworten.",
        "offer time weekly 1-1 | driving_licence | | Biete Fahrdienst zum Arzt für Senior*innen | Ich bin Rentner, habe ein Auto und vormittags Zeit. Gerne fahre ich Sie zu Arztterminen oder zum Einkaufen im Raum {ort}.",
        "offer time open 1-1 | | | Vorlesen und Gesellschaft leisten | Ich lese gern vor – Zeitung, Romane, Briefe – und bin eine geduldige Zuhörerin. Am liebsten in einem Seniorenheim oder bei Ihnen zu Hause.",
        "offer time once 1-1 | | | Einkaufshilfe für ältere Nachbar*innen | Ich gehe sowieso jede Woche einkaufen und bringe gern etwas mit. Einfach Einkaufszettel schicken.",
        "offer event once 10-25 | | gesamtschule_haaren | Schulchor singt im Seniorenheim | Unser Schulchor (Klassen 5–7) möchte im Rahmen von Service Learning ein kleines Konzert geben. Wir suchen eine Einrichtung, die sich darüber freut.",
        "offer time open 1-1 | language:en | e | Company for elderly people (English/German) | International student, happy to visit elderly people for a chat, a game of chess or a walk. My German is okay, my English is fluent.",
    ),
    Category.CHILDREN_YOUTH: (
        "need time weekly 1-3 | police_certificate_extended | | Unterstützung im Offenen Jugendtreff {ort} | Kickern, Kochen, Quatschen: Wir suchen Ehrenamtliche, die einmal pro Woche den Nachmittagsbetrieb mitgestalten. Erweitertes Führungszeugnis ist Pflicht, die Kosten übernehmen wir.",
        "need event once 4-8 | police_certificate_extended | | Spielmobil-Nachmittag: Betreuer*innen gesucht | Das Spielmobil kommt nach {ort}! Für Stationen wie Kinderschminken, Riesen-Jenga und Slackline brauchen wir helfende Hände.",
        "need time weekly 2-3 | police_certificate_extended | | Leseclub für Grundschulkinder sucht Vorleser*innen | Jede Woche treffen sich acht bis zwölf Kinder zum Vorlesen und Malen. Wer liest mit verteilten Rollen und viel Fantasie?",
        "need training weekly 2-5 | police_certificate_extended | | Mentor*innen für Jugendliche beim Berufseinstieg | Jugendliche aus der 9. und 10. Klasse brauchen jemanden, der Bewerbungen mit ihnen schreibt und Praktika sucht. Eine Stunde pro Woche macht einen großen Unterschied.",
        "need time urgent 2-3 | police_certificate_extended | | Kurzfristig: Begleitung für Kita-Ausflug gesucht | Zwei Begleitpersonen sind krank geworden. Wer begleitet uns mit 20 Kindern in den Tierpark? Erweitertes Führungszeugnis erforderlich.",
        "offer time weekly 1-1 | police_certificate_extended | | Biete Kinderbetreuung für Alleinerziehende | Ich bin Erzieherin in Elternzeit und passe einmal pro Woche abends kostenlos auf Kinder auf, damit Mama oder Papa mal durchatmen kann.",
        "offer resource open 1-1 | | | Kinderkleidung und Spielzeug abzugeben | Gut erhaltene Kinderkleidung (Größe 98–128), Puzzles und ein Laufrad. Gern an eine Familie oder Einrichtung, die es brauchen kann.",
        "offer time once 1-1 | police_certificate_extended | | Spielenachmittag für Kinder im Stadtteil | Ich organisiere gern einen Brettspiel-Nachmittag für Kinder zwischen 6 und 10 Jahren. Führungszeugnis und viele Spiele sind vorhanden.",
        "offer training weekly 1-1 | police_certificate_extended language:en | e | Playful English for kids | I'm a student from abroad and would love to run a weekly English play group for primary school children: songs, games, picture books.",
        "offer event once 6-12 | | it_service | Azubi-Team gestaltet Spielplatz-Aktionstag | Unsere Auszubildenden möchten einen Tag lang einen Spielplatz oder Schulhof aufhübschen: streichen, Sand auffüllen, Beete anlegen.",
    ),
    Category.EDUCATION: (
        "need training weekly 2-6 | tutoring | | Hausaufgabenhilfe für Grundschulkinder | In unserer Hausaufgabenbetreuung fehlen Ehrenamtliche für Deutsch und Mathe. Einmal pro Woche nachmittags, Material ist vorhanden.",
        "need training weekly 1-3 | tutoring | | Nachhilfe Mathe 5.–7. Klasse gesucht | Für mehrere Schüler*innen aus Familien mit wenig Geld suchen wir Nachhilfe in Mathematik (Bruchrechnung, Geometrie). Ein Raum in der Schule steht zur Verfügung.",
        "need training weekly 1-2 | | | Lesepat*innen für die Schulbücherei | Wir suchen Menschen, die Kindern einmal pro Woche vorlesen und mit ihnen über Bücher sprechen.",
        "need event once 2-4 | | gesamtschule_haaren | Helfer*innen für den Bewerbungsmappen-Check | An einem Abend prüfen wir mit Schüler*innen der Abschlussklassen ihre Bewerbungen. Wer Erfahrung mit Personalauswahl hat, ist herzlich willkommen.",
        "need training once 1-2 | | | Referent*in für Workshop Finanzwissen gesucht | Girokonto, Handyvertrag, erste Steuererklärung: Für unsere Oberstufe suchen wir jemanden, der 90 Minuten lang alltagsnah erklärt.",
        "offer training weekly 1-1 | tutoring | | Nachhilfe Mathe und Physik bis Klasse 10 | Ich studiere Maschinenbau an der RWTH und gebe gern kostenlos Nachhilfe, in der Stadtbibliothek oder online.",
        "offer training weekly 1-1 | tutoring language:en | e | Free English conversation practice | Native speaker offering weekly English conversation practice for pupils preparing for exams, or adults who want to brush up their English.",
        "offer training open 1-1 | tutoring | | Deutsch-Nachhilfe für Grundschüler*innen | Pensionierte Grundschullehrerin, helfe gern beim Lesen- und Schreibenlernen. Zeitlich flexibel.",
        "offer training weekly 5-15 | | gesamtschule_haaren | Oberstufe bietet Lernpatenschaften an | Im Rahmen unseres Service-Learning-Projekts begleiten Schüler*innen der Jahrgangsstufe 11 jüngere Kinder beim Lernen. Wir suchen Partner-Grundschulen und Treffs.",
    ),
    Category.INTEGRATION: (
        "need training weekly 2-5 | | | Sprachpat*innen für Geflüchtete gesucht | Gemeinsam Deutsch üben im Alltag: beim Kaffee, beim Einkaufen, beim Spaziergang. Eine Stunde pro Woche reicht, Vorkenntnisse braucht es nicht.",
        "need time once 1-2 | language:ar | | Begleitung zu Behördenterminen (Arabisch) | Eine Familie aus Syrien hat einen Termin bei der Ausländerbehörde und braucht jemanden, der dolmetscht und begleitet.",
        "need time urgent 1-1 | language:uk | | Dringend: Dolmetscher*in Ukrainisch für Arzttermin | Für eine geflüchtete Mutter mit Kind suchen wir kurzfristig Übersetzungshilfe beim Kinderarzt.",
        "need time weekly 2-4 | food_hygiene | | Begegnungscafé sucht Gastgeber*innen | Kaffee kochen, Waffeln backen, ins Gespräch kommen: Für unser wöchentliches Begegnungscafé in {ort} suchen wir freundliche Gastgeber*innen.",
        "need resource open 5-20 | | willkommen_eschweiler | Fahrräder für Geflüchtete gesucht | Viele Neuangekommene können sich kein Busticket leisten. Wir nehmen gebrauchte Fahrräder an, unsere Werkstatt macht sie wieder fit.",
        "offer training weekly 4-8 | language:ar | | Biete Deutschkurs für Anfänger*innen | Ich bin Lehrerin im Ruhestand und biete einen kleinen Deutschkurs für Erwachsene (Niveau A1) an. Arabischkenntnisse helfen beim Erklären.",
        "offer time open 1-1 | language:tr | | Dolmetschen Türkisch–Deutsch | Ich spreche Türkisch und Deutsch muttersprachlich und begleite gern zu Terminen bei Ämtern, Schulen oder Ärzt*innen.",
        "offer time weekly 1-1 | | | Hilfe bei Formularen und Anträgen | Ob Jobcenter, Kindergeld oder Wohngeld: Ich habe lange in der Verwaltung gearbeitet und helfe beim Ausfüllen.",
        "offer time open 1-1 | language:en language:fr | e | Buddy for newcomers in Aachen | Moved here two years ago myself. Happy to show newcomers around: buses, registration at the Bürgerservice, where to find things. English and French.",
    ),
    Category.ENVIRONMENT: (
        "need event once 10-40 | | wald_gruppe | Baumpflanzaktion im Aachener Wald | Gemeinsam mit dem Forstamt pflanzen wir junge Eichen und Buchen. Handschuhe und Spaten werden gestellt, festes Schuhwerk mitbringen!",
        "need event once 5-20 | | | Müllsammelaktion in {ort} | Wir befreien Grünanlagen und Spielplätze von Müll. Greifzangen, Säcke und Handschuhe sind da – bring nur gute Laune mit.",
        "need time weekly 2-5 | | | Gemeinschaftsgarten sucht Gießpat*innen | In trockenen Wochen braucht unser Garten jeden Abend Wasser. Wer übernimmt einen festen Gießtag pro Woche?",
        "need time once 3-8 | | wald_gruppe | Heckenpflege und Nistkästen reinigen | Im Naturschutzgebiet reinigen wir Nistkästen und schneiden Hecken zurück. Keine Vorkenntnisse nötig, Arbeitsgeräte sind vorhanden.",
        "need resource open 1-1 | | | Lastenrad für Gartenprojekt gesucht | Für Transporte von Erde, Pflanzen und Werkzeug suchen wir ein Lastenrad, das wir stundenweise ausleihen können.",
        "offer time once 1-1 | | | Helfe beim Anlegen von Blühstreifen | Ich bin Hobbygärtner mit Erfahrung in naturnahen Gärten und helfe gern beim Anlegen von Blühwiesen für Insekten.",
        "offer resource open 1-1 | | | Gartengeräte zum Ausleihen | Schubkarre, Spaten, Heckenschere und Rasenmäher stehen bei mir im Schuppen. Für Gemeinschaftsaktionen gern ausleihen.",
        "offer training once 1-1 | | e | Workshop: composting at home | I'm an environmental engineering student and can give a 90-minute workshop on composting and worm bins, in English or simple German.",
        "offer time once 8-15 | | it_service | Firmenteam hilft bei Pflanzaktion | Im Rahmen unseres Social Days möchte ein Team von Kolleg*innen einen Tag lang bei einem Umweltprojekt anpacken.",
    ),
    Category.ANIMALS: (
        "need time weekly 3-8 | | tierheim_freunde | Hundeausführen im Tierheim | Unsere Hunde freuen sich über Gassigeher*innen. Nach einer kurzen Einweisung kannst du feste Zeiten übernehmen. Mindestalter 16 Jahre.",
        "need time weekly 1-3 | | tierheim_freunde | Katzenstreichler*innen gesucht | Scheue Katzen brauchen Menschen mit Geduld, die sich einfach dazusetzen, spielen und kuscheln.",
        "need resource open 10-50 | | | Sachspenden für das Tierheim: Decken und Handtücher | Wir sammeln alte Decken, Handtücher und Körbchen. Abgabe gern zu den Öffnungszeiten.",
        "need time urgent 1-1 | driving_licence | | Dringend: Fahrer*in für Tiertransport zur Tierklinik | Eine verletzte Fundkatze muss kurzfristig in die Tierklinik. Wer hat ein Auto und kann fahren? Die Transportbox stellen wir.",
        "need event once 4-8 | | tierheim_freunde | Helfer*innen für den Tag der offenen Tür im Tierheim | Kuchenverkauf, Führungen, Flohmarkt – für unser Tierheimfest brauchen wir Unterstützung.",
        "offer time open 1-1 | | | Pflegestelle für Kleintiere | Ich habe Platz und Erfahrung mit Kaninchen und Meerschweinchen und kann vorübergehend Tiere aufnehmen.",
        "offer time weekly 1-1 | | | Gassigehen für kranke oder ältere Hundehalter*innen | Sie schaffen die Runde mit Ihrem Hund gerade nicht? Ich gehe gern regelmäßig mit ihm spazieren.",
        "offer time weekly:5 1-1 | | e | Dog walking on Saturdays | Dog lover without a dog of my own – happy to walk dogs from the shelter or from neighbours on Saturdays.",
        "offer resource open 1-1 | | | Katzenfutter und Kratzbaum abzugeben | Nach dem Tod unseres Katers haben wir ungeöffnetes Futter und einen großen Kratzbaum übrig.",
    ),
    Category.SPORTS: (
        "need training weekly 1-2 | trainer_licence police_certificate_extended | sv_brand | Übungsleiter*in für Kinderturnen (4–6 Jahre) | Für unsere Kinderturngruppe suchen wir Verstärkung. Eine Übungsleiterlizenz ist wünschenswert, wir unterstützen aber auch bei der Ausbildung.",
        "need event once 6-15 | first_aid | sv_brand | Helfer*innen für unser Jugend-Fußballturnier | Am Turniertag brauchen wir Hilfe an Grill, Kuchentheke, Einlass und beim Platzaufbau. Wer Erste Hilfe kann, meldet sich bitte besonders gern.",
        "need time weekly 1-2 | | | Begleitung für inklusive Laufgruppe | Unsere Laufgruppe für Menschen mit und ohne Behinderung sucht jemanden, der einmal pro Woche mitläuft und motiviert.",
        "need event urgent 2-4 | first_aid | | Kurzfristig: Streckenposten für Spendenlauf | Für unseren Spendenlauf fehlen noch Streckenposten. Eine Warnweste bekommst du von uns, Erste-Hilfe-Kenntnisse sind von Vorteil.",
        "need time weekly 1-2 | lifeguard | | Rettungsschwimmer*innen für Schwimmkurs | Für unseren Anfänger-Schwimmkurs für Frauen suchen wir Rettungsschwimmerinnen, die am Beckenrand aufpassen.",
        "offer training weekly 1-1 | trainer_licence | | Biete Lauftreff für Anfänger*innen | Ich habe eine Übungsleiterlizenz und begleite Anfänger*innen vom Sofa bis zum ersten 5-km-Lauf. Treffpunkt in {ort}.",
        "offer training weekly 1-1 | first_aid | | Yoga im Park für alle | Ich bin Yogalehrerin und biete eine kostenlose Yogastunde im Freien an, für alle Altersgruppen und ohne Vorkenntnisse.",
        "offer resource weekly:5 1-1 | | gesamtschule_haaren | Turnhalle an Samstagen für Vereine | Unsere Schulturnhalle steht samstags leer. Vereine und Initiativen können sie nach Absprache kostenlos nutzen.",
        "offer training once 1-1 | first_aid | e | Football coach for a day | Former semi-pro footballer, now studying in Aachen. I'd love to run a training session for a youth team.",
    ),
    Category.CULTURE: (
        "need time weekly 2-4 | | kulturverein | Kassendienst und Einlass bei unseren Konzerten | Für die Konzertreihe in {ort} suchen wir Menschen, die Eintrittskarten verkaufen und Gäste begrüßen.",
        "need event once 3-6 | | | Aufbauhelfer*innen für das Sommertheater | Bühne aufbauen, Stühle stellen, Technik verkabeln: Am Premierentag brauchen wir kräftige Hände.",
        "need time weekly 1-2 | | | Hilfe beim Sortieren alter Fotos | Wir haben Kisten voller alter Fotos und Postkarten aus {ort}. Wer hilft beim Sortieren, Beschriften und Einscannen?",
        "need training once 1-1 | | | Leitung für Trommel-Workshop gesucht | Für ein Jugendprojekt suchen wir jemanden, der einen Nachmittag lang einen Trommel-Workshop gibt.",
        "need resource open 1-1 | | | Klavier für Begegnungsraum gesucht | Unser Nachbarschaftsraum wünscht sich ein gebrauchtes Klavier. Die Abholung organisieren wir selbst.",
        "offer time open 1-1 | | | Fotografieren bei Vereinsveranstaltungen | Hobbyfotograf mit eigener Ausrüstung. Ich fotografiere gern Feste, Konzerte oder Porträts für eure Website – kostenlos.",
        "offer training weekly 1-1 | | | Gitarrenunterricht für Einsteiger*innen | Ich bringe Kindern und Erwachsenen die ersten Akkorde bei. Zwei Leihgitarren habe ich.",
        "offer resource open 1-1 | | kulturverein | Proberaum für Chöre und Bands | Unser Saal kann abends von Chören und kleinen Ensembles zum Proben genutzt werden.",
        "offer event once 1-1 | | e | Storytelling evening in English | I'd like to host an evening of short stories and poems in English – for language learners and anyone curious.",
    ),
    Category.HEALTH: (
        "need event once 3-5 | food_hygiene | | Blutspendetermin: Helfer*innen für Empfang und Imbiss | Beim Blutspendetermin in {ort} begrüßen wir Spender*innen, nehmen Daten auf und verteilen Brötchen.",
        "need time weekly 1-2 | care_experience | | Besuchsdienst im Hospiz | Für unseren ambulanten Hospizdienst suchen wir Menschen, die Schwerkranken Zeit schenken. Ein Vorbereitungskurs wird angeboten.",
        "need time weekly 2-4 | | | Begleitung für Menschen mit Demenz | In unserer Betreuungsgruppe singen, spielen und spazieren wir. Wir suchen Verstärkung für einen Nachmittag pro Woche.",
        "need training once 1-1 | first_aid | | Erste-Hilfe-Auffrischung: Kursleitung gesucht | Für unsere Ehrenamtlichen suchen wir jemanden, der einen Erste-Hilfe-Auffrischungskurs leitet.",
        "need time urgent 1-2 | care_experience | | Kurzfristig: Entlastung für pflegende Angehörige | Eine pflegende Tochter muss kurzfristig selbst ins Krankenhaus. Wer bleibt ein paar Stunden bei ihrer Mutter?",
        "offer time weekly 1-1 | care_experience | | Ehemalige Pflegekraft bietet Entlastung | Ich war 30 Jahre Krankenschwester und bleibe gern stundenweise bei pflegebedürftigen Menschen, damit Angehörige Zeit für sich haben.",
        "offer training once 1-1 | first_aid | | Erste-Hilfe-Grundlagen für Vereine | Ich bin Rettungssanitäter und zeige Vereinsmitgliedern in zwei Stunden, was im Notfall wirklich zählt.",
        "offer time open 1-1 | sign_language | | Begleitung mit Gebärdensprache | Ich beherrsche die Deutsche Gebärdensprache und begleite gehörlose Menschen zu Arzt- und Behördenterminen.",
        "offer training weekly 1-1 | | e | Walking group for mental health | Weekly gentle walking group – good for body and mind. Everyone welcome, no pressure, we chat in English and German.",
    ),
    Category.FOOD: (
        "need time weekly 3-8 | food_hygiene | tafel_ost | Helfer*innen für die Tafel-Ausgabe gesucht | Bei der Lebensmittelausgabe sortieren, packen und verteilen wir an rund 150 Haushalte. Die Hygienebelehrung machen wir gemeinsam.",
        "need time weekly 1-2 | driving_licence food_hygiene | tafel_ost | Fahrer*in für die Tafel-Abholtour | Wir holen morgens Lebensmittel bei Supermärkten ab. Gefahren wird unser Kühlfahrzeug, Führerschein Klasse B reicht.",
        "need time urgent 2-4 | food_hygiene | | Dringend: Spenden sortieren nach Großlieferung | Ein Großhändler hat uns kurzfristig zwei Paletten Obst und Gemüse gespendet. Wir brauchen helfende Hände beim Sortieren, bevor etwas verdirbt.",
        "need event once 4-10 | food_hygiene | | Kochen für das Nachbarschaftsessen | Einmal im Monat kochen wir für bis zu 80 Gäste. Für den nächsten Termin fehlen noch Köch*innen und Schnippler*innen.",
        "need resource open 20-200 | | | Haltbare Lebensmittel für die Ausgabestelle | Nudeln, Reis, Konserven, Babynahrung: Wir nehmen haltbare Lebensmittel an und verteilen sie an Bedürftige.",
        "need time weekly 2-4 | food_hygiene | nachbarn_forst | Kleiderkammer und Suppenküche: Helfer*innen gesucht | Einmal pro Woche kochen wir Suppe und geben Kleidung aus. Wer schnippelt, rührt oder sortiert mit?",
        "offer resource weekly 1-3 | | baeckerei | Brot und Brötchen vom Vortag abzugeben | Unsere Filialen geben Backwaren vom Vortag an gemeinnützige Einrichtungen ab. Abholung nach Ladenschluss.",
        "offer time weekly:4 1-1 | food_hygiene driving_licence | | Fahre für Foodsharing-Abholungen | Ich habe ein Auto, eine Hygienebelehrung und freitags Zeit. Gern unterstütze ich Abholungen bei Betrieben.",
        "offer time once 1-1 | food_hygiene | | Koche für euer Vereinsfest | Gelernter Koch, jetzt im Ruhestand. Ich koche gern für Feste und Aktionen gemeinnütziger Gruppen.",
        "offer resource open 1-1 | | | Gemüse aus dem eigenen Garten | Unsere Zucchini- und Tomatenernte ist zu groß für uns. Abholung nach Absprache, gern auch durch die Tafel.",
        "offer training once 1-1 | food_hygiene | e | Cooking class: vegetarian dishes from India | Student from Pune offering a cooking evening for a community kitchen or youth club – tasty, cheap and vegetarian.",
    ),
    Category.EMERGENCY: (
        "need time urgent 10-40 | | hochwasserhilfe | Starkregen-Vorsorge: Sandsäcke füllen | Nach den Unwetterwarnungen füllen wir Sandsäcke für gefährdete Keller. Jede helfende Hand zählt, Schaufeln sind vorhanden.",
        "need event once 10-25 | | hochwasserhilfe | Katastrophenschutzübung: Statist*innen gesucht | Bei unserer Übung spielen Statist*innen Verletzte oder Betroffene. Geschminkt wird professionell – spannend und lehrreich.",
        "need training once 10-30 | | | Einweisung für Spontanhelfer*innen | Wer im Notfall helfen will, lernt bei uns die wichtigsten Abläufe: Sammelstellen, Sicherheit, Kommunikation.",
        "need resource open 1-5 | | | Pumpen und Notstromaggregate für das Vorsorgelager | Für unser Vorsorgelager suchen wir gebrauchte, funktionsfähige Tauchpumpen und Notstromaggregate.",
        "need time urgent 2-6 | | | Dringend: Helfer*innen zum Ausräumen eines vollgelaufenen Kellers | Nach dem Starkregen steht bei einer älteren Familie der Keller unter Wasser. Wir brauchen Leute zum Ausräumen – Gummistiefel mitbringen.",
        "offer time open 1-1 | driving_licence_van | | Im Notfall verfügbar: Helfer mit Anhänger | Ich habe einen Anhänger und Führerschein BE. Bei Unwetter oder Hochwasser bin ich kurzfristig einsatzbereit.",
        "offer resource open 1-1 | | | Wasserpumpe und Nasssauger zum Ausleihen | Nach eigenem Wasserschaden habe ich eine Tauchpumpe und einen Nasssauger – im Notfall leihe ich sie gern aus.",
        "offer time open 1-1 | first_aid | | Ersthelferin für Notfälle in der Nähe | Ich habe einen aktuellen Erste-Hilfe-Kurs und helfe bei Unglücksfällen oder Großlagen im Umkreis.",
        "offer resource open 1-1 | | it_service | Lagerhalle für Hilfsgüter im Katastrophenfall | Unsere Firma stellt im Katastrophenfall eine Lagerhalle mit Rampe für Sachspenden zur Verfügung.",
    ),
    Category.TRANSPORT: (
        "need time weekly 1-3 | driving_licence | | Fahrer*innen für den Bürgerbus | Der Bürgerbus verbindet die Ortsteile mit dem Zentrum. Wir suchen Fahrer*innen für einzelne Schichten, Einweisung inklusive.",
        "need time once 1-2 | driving_licence_van | | Umzugshilfe mit Transporter für geflüchtete Familie | Eine Familie zieht aus der Unterkunft in ihre erste Wohnung. Wer fährt einen Transporter und hilft beim Tragen?",
        "need time urgent 1-1 | driving_licence | | Kurzfristig: Fahrt zur Dialyse gesucht | Ein älterer Herr braucht eine Fahrt zur Dialyse, weil sein Fahrdienst ausgefallen ist. Die Rückfahrt ist nach etwa vier Stunden.",
        "need resource open 1-1 | | | Transporter für Möbelspenden gesucht | Für die Abholung gespendeter Möbel suchen wir regelmäßig einen Transporter, den wir tageweise leihen dürfen.",
        "need time once 2-4 | driving_licence | | Fahrer*innen für den Ausflug der Seniorengruppe | Wir fahren mit zwölf Senior*innen an den Rursee und suchen Fahrer*innen mit eigenem Pkw.",
        "offer resource open 1-1 | driving_licence | sv_brand | Vereinsbus am Wochenende auszuleihen | Unser 9-Sitzer steht an Wochenenden oft still. Gemeinnützige Gruppen können ihn gegen Spritkosten nutzen.",
        "offer time weekly:2 1-1 | driving_licence | | Biete Fahrten zum Einkaufen | Jeden Mittwoch fahre ich zum Großmarkt und nehme gern Nachbar*innen mit, die nicht mehr selbst fahren.",
        "offer resource open 1-1 | | | Lastenrad zu verleihen | Unser Lastenrad steht in {ort} und kann für Einkäufe oder kleine Transporte ausgeliehen werden.",
        "offer time once 1-1 | driving_licence | | Fahre Spenden zur Sammelstelle | Ich habe einen Kombi und bringe gern Kleider-, Sach- oder Lebensmittelspenden zu Sammelstellen in der Region.",
        "offer time open 1-1 | driving_licence | e | Can drive people to appointments | I have a car and free afternoons. Happy to drive people to doctor's appointments or public offices. I speak English and some German.",
    ),
    Category.CRAFTS_REPAIR: (
        "need time weekly 2-4 | craft_skills | repair_cafe | Repair-Café sucht Elektro-Tüftler*innen | Toaster, Lampen, Radios: Wer kann löten und Fehler finden? Wir reparieren gemeinsam mit den Besucher*innen.",
        "need time weekly 1-3 | craft_skills | repair_cafe | Fahrradwerkstatt sucht Schrauber*innen | In unserer Selbsthilfewerkstatt reparieren Menschen ihre Fahrräder selbst. Du kennst dich mit Schaltung und Bremsen aus? Komm vorbei!",
        "need time once 2-5 | craft_skills | | Renovierung des Jugendraums | Wände streichen, Regale aufbauen, Lampen aufhängen: Unser Jugendraum braucht eine Frischekur.",
        "need resource open 1-10 | | | Werkzeugspenden für die offene Werkstatt | Wir suchen Akkuschrauber, Schraubendreher-Sätze und Lötstationen für unsere offene Werkstatt.",
        "need training weekly 1-1 | craft_skills | | Nähcafé sucht Nähmaschinen-Profi | Im Nähcafé lernen Frauen aus aller Welt nähen. Wer kann Maschinen einstellen und Grundlagen zeigen?",
        "offer time open 1-1 | craft_skills | | Handwerker im Ruhestand hilft bei Kleinreparaturen | Tropfender Wasserhahn, klemmende Tür, wackeliges Regal: Ich repariere für Menschen, die es selbst nicht können.",
        "offer training once 1-1 | craft_skills | | Nähkurs: Kleidung flicken statt wegwerfen | Ich zeige an einem Nachmittag, wie man Knöpfe annäht, Hosen kürzt und Löcher stopft. Nähmaschinen bringe ich mit.",
        "offer resource open 1-1 | | | Werkstatt-Raum für Repair-Aktionen | Meine Garage ist als kleine Werkstatt eingerichtet (Werkbank, Standbohrmaschine). Für Repair-Aktionen stelle ich sie zur Verfügung.",
        "offer time once 1-1 | craft_skills | e | Bike repair help | Mechanical engineering student, I fix bikes as a hobby. Happy to help at a repair café or bike workshop.",
        "offer time once 3-8 | craft_skills | it_service | Azubis bauen Hochbeete für soziale Einrichtungen | Unsere Auszubildenden bauen im Rahmen eines Sozialprojekts Hochbeete oder Sitzbänke für Kitas, Schulen und Senioreneinrichtungen.",
    ),
    Category.DIGITAL: (
        "need training weekly:2 1-3 | it_skills | | Technik-Sprechstunde in der Bücherei | Jeden Mittwoch beantworten wir Fragen zu Smartphone, Laptop und Online-Banking. Wer hilft mit Geduld und Sachverstand?",
        "need time once 1-1 | it_skills | | Website für unseren Verein gesucht | Unsere Vereinsseite ist von 2009. Wer hilft uns, eine einfache, barrierearme Website aufzusetzen, und weist uns ein?",
        "need resource open 5-30 | | | Gebrauchte Laptops für Schüler*innen | Viele Kinder haben zu Hause keinen Computer. Wir nehmen funktionsfähige Laptops an, löschen die Daten sicher und geben sie weiter.",
        "need training once 1-2 | it_skills | | Workshop Datenschutz für Vereine | Wer kann Vorständen in zwei Stunden erklären, was die DSGVO für Mitgliederlisten, Fotos und Newsletter bedeutet?",
        "offer training weekly 1-1 | it_skills | | Handy-Hilfe für Senior*innen | Ich erkläre geduldig Smartphone, Tablet und Videotelefonie – bei Ihnen zu Hause oder im Café.",
        "offer time open 1-1 | it_skills | | Hilfe bei Vereinswebsite und Social Media | Ich bin Webentwicklerin und unterstütze gemeinnützige Gruppen bei Website, Newsletter und Instagram.",
        "offer resource open 2-10 | | it_service | Ausgemusterte Firmen-Laptops zu verschenken | Wir geben aufbereitete Business-Laptops mit frisch installiertem Linux an gemeinnützige Einrichtungen und Schulen ab.",
        "offer training once 1-1 | it_skills | e | Intro to programming for teens | PhD student in computer science, offering a free Scratch and Python afternoon for kids and teens. Laptops would be needed.",
        "offer training weekly 5-12 | it_skills | gesamtschule_haaren | Schüler*innen erklären Senior*innen das Internet | Service-Learning-Projekt: Unsere 9. Klasse bietet eine wöchentliche Technik-Sprechstunde für ältere Menschen an.",
    ),
    Category.NEIGHBOURHOOD_HELP: (
        "need time once 2-4 | | p | Suche Hilfe beim Umzug in den 3. Stock | Ich ziehe innerhalb von {ort} um und brauche zwei, drei kräftige Leute zum Kistentragen. Für Pizza und Getränke ist gesorgt.",
        "need time weekly 1-1 | | p | Wer geht mit meiner Mutter spazieren? | Meine Mutter (78) ist nach einer OP unsicher auf den Beinen. Ich suche jemanden, der einmal pro Woche mit ihr eine Runde dreht.",
        "need time once 1-2 | | nachbarn_forst | Gartenhilfe für ältere Nachbar*innen | Einige ältere Menschen in unserer Nachbarschaft schaffen ihren Garten nicht mehr. Wer hilft beim Rasenmähen und Heckeschneiden?",
        "need time weekly 2-6 | | | Nachbarschaftscafé sucht Helfer*innen | Unser Treff lebt vom Mitmachen: Kaffee kochen, Tische decken, Menschen zusammenbringen.",
        "need resource open 1-1 | | p | Suche Bohrmaschine zum Ausleihen | Ich muss zwei Regale aufhängen und habe keine Bohrmaschine. Gebe sie natürlich schnell und sauber zurück.",
        "offer time open 1-1 | | | Helfe bei Einkäufen und Besorgungen | Ich bin Studentin und habe nachmittags Zeit. Einkaufen, zur Post gehen, Rezepte abholen – einfach melden.",
        "offer resource open 1-1 | | | Werkzeug und Leiter zum Ausleihen | Bohrmaschine, Stichsäge, Leiter (3 m): Nachbar*innen können sich das gern bei mir ausleihen.",
        "offer time open 1-1 | | | Biete Blumengießen und Briefkasten-Leeren im Urlaub | Sie fahren weg? Ich kümmere mich um Pflanzen und Post, solange Sie unterwegs sind.",
        "offer time open 1-1 | | e | Help with small errands | I'm new in the neighbourhood and would like to help out: carrying things, errands, assembling furniture.",
        "offer time once 1-1 | craft_skills | | Helfe beim Möbelaufbau | Schrank aus dem Möbelhaus, Anleitung unverständlich? Ich baue Möbel auf und bringe mein Werkzeug mit.",
    ),
    Category.EVENTS: (
        "need event once 8-20 | first_aid | ehrenamt_aachen | Helfer*innen für den Ehrenamtstag auf dem Markt | Beim Ehrenamtstag stellen sich über 40 Vereine vor. Wir brauchen Hilfe bei Aufbau, Infostand, Bühne und Abbau.",
        "need event once 6-12 | | ehrenamt_stolberg | Stadtteilfest in {ort}: Helfer*innen gesucht | Für Kinderprogramm, Getränkestand und Aufräumen suchen wir Unterstützung, in Schichten à zwei bis drei Stunden.",
        "need event once 4-10 | food_hygiene | | Kuchenbäcker*innen und Standdienst für das Straßenfest | Wer backt einen Kuchen oder übernimmt eine Schicht am Kuchenstand? Der Erlös geht an die Jugendarbeit.",
        "need event once 2-4 | first_aid | | Ordner*innen für das Open-Air-Kino | Für unser Open-Air-Kino im Park suchen wir Ordner*innen für Einlass und Sicherheit. Ein Erste-Hilfe-Kurs ist erwünscht.",
        "need event urgent 2-5 | | | Kurzfristig: Abbau-Team nach dem Stadtfest gesucht | Nach dem Fest müssen Bänke, Zelte und Bühne abgebaut werden. Uns sind Helfer*innen abgesprungen – wer packt mit an?",
        "offer time once 1-1 | | | DJ für Vereinsfeste | Ich lege ehrenamtlich bei Festen gemeinnütziger Vereine auf – Anlage und Licht bringe ich mit.",
        "offer resource open 1-1 | | sv_brand | Festzeltgarnituren und Pavillons zu verleihen | Wir verleihen Bierzeltgarnituren und zwei Pavillons (3×6 m) an Vereine und Initiativen – Abholung in {ort}.",
        "offer time once 1-1 | | | Moderation bei Veranstaltungen | Ich habe Erfahrung als Moderatorin und führe gern durch Vereinsfeste, Jubiläen oder Benefizabende.",
        "offer time once 5-20 | | gesamtschule_haaren | Schulklasse hilft beim Stadtfest | Unsere Schüler*innen unterstützen im Rahmen von Service Learning gern bei Auf- und Abbau oder am Infostand.",
        "offer event once 1-1 | | baeckerei | Kuchenspende für Benefizveranstaltungen | Für Benefizfeste gemeinnütziger Vereine spenden wir Blechkuchen und Brezeln – bitte zwei Wochen vorher anfragen.",
        "offer event once 1-1 | | e | Live music for community events | Acoustic duo (guitar and violin) – we play for free at community events, cafés and care homes.",
    ),
}


@dataclass(frozen=True)
class _Org:
    key: str
    kind: ActorKind
    name: str
    place: str
    verified: bool
    focus: frozenset[Category]


@dataclass(frozen=True)
class _Person:
    key: str
    name: str
    language: str
    place: str
    telegram: str
    matrix: str
    organisations: tuple[str, ...]
    interests: tuple[Category, ...]
    qualifications: tuple[Qualification, ...]
    editor: bool


@dataclass(frozen=True)
class _Template:
    category: Category
    kind: PostingKind
    type: PostingType
    when: str  # once, urgent, weekly, open
    weekday: int | None
    low: int
    high: int
    qualifications: frozenset[Qualification]
    owner: str
    title: str
    description: str


def _split(row: str, count: int) -> list[str]:
    fields = [field.strip() for field in row.split("|")]
    if len(fields) != count:
        raise ValueError(f"demo data row needs {count} fields: {row!r}")
    return fields


def _parse_org(row: str) -> _Org:
    key, kind, name, place, verified, focus = _split(row, 6)
    categories = frozenset(Category(c) for c in focus.split())
    return _Org(key, ActorKind(kind), name, place, verified == "yes", categories)


def _parse_person(row: str) -> _Person:
    key, name, language, place, telegram, matrix, orgs, interests, quals, editor = _split(row, 10)
    return _Person(
        key=key,
        name=name,
        language=language,
        place=place,
        telegram=telegram,
        matrix=matrix,
        organisations=tuple(orgs.split()),
        interests=tuple(Category(c) for c in interests.split()),
        qualifications=tuple(Qualification(q) for q in quals.split()),
        editor=editor == "yes",
    )


def _parse_template(category: Category, row: str) -> _Template:
    head, quals, owner, title, description = _split(row, 5)
    kind, type_, when, quantity = head.split()
    when, _, weekday = when.partition(":")
    low, high = (int(n) for n in quantity.split("-"))
    return _Template(
        category=category,
        kind=PostingKind(kind),
        type=PostingType(type_),
        when=when,
        weekday=int(weekday) if weekday else None,
        low=low,
        high=high,
        qualifications=frozenset(Qualification(q) for q in quals.split()),
        owner=owner,
        title=title,
        description=description,
    )


_ORGS = tuple(_parse_org(row) for row in _ORGANISATION_ROWS)
_ORG_BY_KEY = {org.key: org for org in _ORGS}
_PEOPLE = tuple(_parse_person(row) for row in _PEOPLE_ROWS)
_TEMPLATES = tuple(
    _parse_template(category, row) for category, rows in _TEMPLATE_ROWS.items() for row in rows
)
_NEARBY = {
    key: tuple(
        other
        for other, (_, _, lat, lon) in _PLACES.items()
        if other != key and haversine_km(here[2], here[3], lat, lon) <= NEARBY_KM
    )
    or (key,)
    for key, here in _PLACES.items()
}
_RADIUS_KM = {
    PostingType.TIME: (2.0, 8.0),
    PostingType.RESOURCE: (5.0, 15.0),
    PostingType.TRAINING: (3.0, 10.0),
    PostingType.EVENT: (1.0, 5.0),
}
_DURATION_HOURS = {  # one-off postings: how long, by type
    PostingType.TIME: (1.0, 1.5, 2.0, 3.0),
    PostingType.RESOURCE: (1.0, 2.0),
    PostingType.TRAINING: (1.5, 2.0, 3.0),
    PostingType.EVENT: (2.0, 3.0, 4.0, 5.0),
}
_WEEKDAY_POOL = (0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6)  # weekdays twice as likely as weekends


def _need_posters(category: Category) -> list[_Org]:
    """Organisations that post needs of a category by default (companies only post offers)."""
    return [org for org in _ORGS if category in org.focus and org.kind is not ActorKind.COMPANY]


def _check_tables() -> None:
    """Fail at import, not in a demo, if the tables refer to something that does not exist."""
    places = [org.place for org in _ORGS] + [person.place for person in _PEOPLE]
    assert all(place in _PLACES for place in places), "unknown place key"
    for org in _ORGS:
        assert any(org.key in person.organisations for person in _PEOPLE), f"{org.key}: no member"
    for person in _PEOPLE:
        assert all(key in _ORG_BY_KEY for key in person.organisations), person.key
    for template in _TEMPLATES:
        assert template.owner in ("", "p", "e") or template.owner in _ORG_BY_KEY, template.title
        assert template.when in ("once", "urgent", "weekly", "open"), template.title
        assert template.when != "urgent" or template.kind is PostingKind.NEED, template.title
        if template.owner == "" and template.kind is PostingKind.NEED:
            assert _need_posters(template.category), template.title


_check_tables()


class _Builder:
    def __init__(self, now: datetime, municipalities: Sequence[Municipality], seed: int) -> None:
        self.now = now.astimezone(UTC)  # exact arithmetic across the change to summer time
        # `now + 28 days` in a zone with summer time is wall-clock arithmetic (an hour shorter or
        # longer): whichever reading the caller uses, one-off postings start before it
        self.horizon_end = min(now + HORIZON, self.now + HORIZON)
        self.municipalities = municipalities
        self.rng = random.Random(seed)
        self._starts: dict[tuple[bool, float], list[datetime]] = {}

    def municipality(self, point: GeoPoint) -> str:
        return nearest_municipality(point, self.municipalities).key

    def jitter(self, place_key: str) -> GeoPoint:
        _, _, lat, lon = _PLACES[place_key]
        distance = MAX_JITTER_KM * math.sqrt(self.rng.random())
        bearing = self.rng.uniform(0.0, 2 * math.pi)
        km_per_degree = math.pi * 6371.0088 / 180
        dlat = distance * math.cos(bearing) / km_per_degree
        dlon = distance * math.sin(bearing) / (km_per_degree * math.cos(math.radians(lat)))
        return GeoPoint(round(lat + dlat, 4), round(lon + dlon, 4))

    def organisation(self, org: _Org) -> DemoOrganisation:
        _, _, lat, lon = _PLACES[org.place]
        municipality = self.municipality(GeoPoint(lat, lon))
        return DemoOrganisation(
            org.key, Organisation(org.kind, org.name, municipality, verified=org.verified)
        )

    def person(self, person: _Person) -> DemoPerson:
        home = self.jitter(person.place)
        municipality = self.municipality(home)
        identities = [PlatformIdentity(Platform.CONSOLE, person.key)]
        if person.telegram:
            identities.append(PlatformIdentity(Platform.TELEGRAM, person.telegram))
        if person.matrix:
            identities.append(PlatformIdentity(Platform.MATRIX, person.matrix))
        account = Account(
            display_name=person.name,
            language=person.language,
            time_zone=TIME_ZONE,
            municipality_key=municipality,
            home=Place(home, _PLACES[person.place][0], self.rng.choice((5.0, 8.0, 10.0, 15.0))),
            consent_at=self.now - timedelta(days=self.rng.randint(3, 240)),
            identities=tuple(identities),
        )
        return DemoPerson(
            key=person.key,
            account=account,
            organisation_keys=person.organisations,
            interests=person.interests,
            qualifications=person.qualifications,
            editor_of=municipality if person.editor else None,
        )

    def owner(self, template: _Template) -> tuple[_Person, _Org | None]:
        if template.owner in _ORG_BY_KEY:
            org = _ORG_BY_KEY[template.owner]
        elif template.owner in ("p", "e") or template.kind is PostingKind.OFFER:
            language = "en" if template.owner == "e" else "de"
            speakers = [p for p in _PEOPLE if p.language == language]
            keen = [p for p in speakers if template.category in p.interests]
            return self.rng.choice(keen or speakers), None
        else:
            org = self.rng.choice(_need_posters(template.category))
        members = [p for p in _PEOPLE if org.key in p.organisations]
        posters = [p for p in members if p.language == "de"] or members
        return self.rng.choice(posters), org

    def one_off(self, template: _Template, urgent: bool) -> OneOff:
        hours = self.rng.choice(_DURATION_HOURS[template.type])
        starts = self.candidate_starts(urgent, hours)
        if template.type is PostingType.EVENT and not urgent and self.rng.random() < 0.7:
            starts = [s for s in starts if s.weekday() >= 5] or starts
        start = self.rng.choice(starts)
        return OneOff(start, start + timedelta(hours=hours))

    def candidate_starts(self, urgent: bool, hours: float) -> list[datetime]:
        """Local starts on the half hour between 8 and 21 h (ending by 21 h) in the horizon."""
        if (urgent, hours) not in self._starts:
            earliest = self.now + EARLIEST_START
            latest = self.now + URGENT_HORIZON if urgent else self.horizon_end
            day = earliest.astimezone(_ZONE).date()
            starts: list[datetime] = []
            while day <= latest.astimezone(_ZONE).date():
                for half_hours in range(16, int((21 - hours) * 2) + 1):
                    moment = time(half_hours // 2, 30 * (half_hours % 2))
                    start = datetime.combine(day, moment, tzinfo=_ZONE)
                    if earliest <= start < latest:
                        starts.append(start)
                day += timedelta(days=1)
            self._starts[(urgent, hours)] = starts
        return self._starts[(urgent, hours)]

    def weekly(self, template: _Template) -> Weekly:
        rng = self.rng
        weekday = template.weekday if template.weekday is not None else rng.choice(_WEEKDAY_POOL)
        length = rng.choice((1, 2, 2, 3))
        hour, minute = rng.randint(9, 20 - length), rng.choice((0, 0, 30))
        slot_times = time(hour, minute), time(hour + length, minute)
        weekdays = {weekday}
        if template.weekday is None and rng.random() < 0.3:
            weekdays.add(rng.choice(_WEEKDAY_POOL))
        today = self.now.astimezone(_ZONE).date()
        until = (self.now + HORIZON).astimezone(_ZONE).date() if rng.random() < 0.5 else None
        slots = tuple(WeeklySlot(day, *slot_times) for day in sorted(weekdays))
        return Weekly(slots, TIME_ZONE, valid_from=today, valid_until=until)

    def open_ended(self, created_at: datetime) -> OpenEnded:
        valid_from = created_at if self.rng.random() < 0.5 else None
        days = self.rng.randint(30, 120)
        valid_until = self.now + timedelta(days=days) if self.rng.random() < 0.4 else None
        return OpenEnded(valid_from, valid_until)

    def status(self, template: _Template, org: _Org | None) -> PostingStatus:
        if template.when == "urgent":
            return PostingStatus.PUBLISHED  # an urgent need is only useful when visible
        draw = self.rng.random()
        if draw < 0.04:
            return PostingStatus.DRAFT
        if draw < 0.08:
            return PostingStatus.PAUSED
        if draw < 0.11:
            return PostingStatus.FILLED
        if draw < 0.30 and not (org and org.verified):
            return PostingStatus.PENDING_REVIEW
        return PostingStatus.PUBLISHED

    def posting(self, template: _Template) -> DemoPosting:
        rng = self.rng
        person, org = self.owner(template)
        base = org.place if org else person.place
        place_key = base if rng.random() < 0.7 else rng.choice(_NEARBY[base])
        label, town, _, _ = _PLACES[place_key]
        point = self.jitter(place_key)
        low, high = _RADIUS_KM[template.type]
        if template.category is Category.TRANSPORT:
            low, high = 5.0, 15.0
        radius = round(rng.uniform(low, high) * 2) / 2
        urgent = template.when == "urgent"
        age_minutes = rng.randint(5, 12 * 60) if urgent else rng.randint(30, 21 * 24 * 60)
        created_at = self.now - timedelta(minutes=age_minutes)
        updated_at = created_at + timedelta(minutes=rng.randint(0, age_minutes))
        window: TimeWindow
        if template.when in ("once", "urgent"):
            window = self.one_off(template, urgent)
        elif template.when == "weekly":
            window = self.weekly(template)
        else:
            window = self.open_ended(created_at)
        posting = Posting(
            kind=template.kind,
            type=template.type,
            category=template.category,
            title=template.title.replace("{ort}", town),
            description=template.description.replace("{ort}", town),
            time_window=window,
            place=Place(point, label, radius),
            owner=PLACEHOLDER_OWNER,
            municipality_key=self.municipality(point),
            qualifications=template.qualifications,
            quantity=rng.randint(template.low, template.high),
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            status=self.status(template, org),
            created_at=created_at,
            updated_at=updated_at,
        )
        return DemoPosting(person.key, org.key if org else None, posting)


def build_demo_dataset(
    now: datetime, municipalities: Sequence[Municipality], seed: int = 2026
) -> DemoDataset:
    """Demo organisations, people and postings around `now` (timezone-aware), deterministic for a
    given `now` and seed. Municipality keys come from `municipalities` (the nearest one to each
    place), so the dataset fits whatever municipalities are configured.

    Postings carry `Owner(account_id=0)` as a placeholder: the loader replaces it with the ids of
    the account named by `owner_key` and the organisation named by `organisation_key`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError("now", "must carry a time zone")
    if not municipalities:
        raise ValidationError("municipalities", "none configured")
    builder = _Builder(now, municipalities, seed)
    organisations = tuple(builder.organisation(org) for org in _ORGS)
    people = tuple(builder.person(person) for person in _PEOPLE)
    # Every template once (so every category has offers and needs). Templates whose owner varies
    # come again: one-off ones twice more (another date, place and owner, so most postings are
    # one-off), a few standing ones once more. Named organisations and urgent needs stay unique.
    copyable = [t for t in _TEMPLATES if t.owner in ("", "p", "e") and t.when != "urgent"]
    once = [t for t in copyable if t.when == "once"]
    standing = [t for t in copyable if t.when != "once"]
    extra = min(max(0, TARGET_POSTINGS - len(_TEMPLATES) - 2 * len(once)), len(standing))
    plan = [*_TEMPLATES, *once, *once, *builder.rng.sample(standing, extra)]
    postings = sorted(
        (builder.posting(template) for template in plan),
        key=lambda demo: demo.posting.created_at or now,
    )
    return DemoDataset(organisations, people, tuple(postings))
