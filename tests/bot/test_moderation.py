"""Editors moderate by chat: the review queue, approve, reject, edit, remove, ban, reports.

Authority is the platform id in config.yml: Sabine edits Aachen, Thomas edits Stolberg; Anna,
Dora and Erik are users. Turn by turn as people would type it, in German."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from domain.categories import Category
from domain.editorial import AuditSubject
from domain.lifecycle import PostingStatus
from domain.postings import Posting
from tests.bot.chat import Chat, squash
from tests.bot.transcripts import seed

BERLIN = ZoneInfo("Europe/Berlin")
UNKNOWN = "Diesen Befehl kenne ich nicht."
SUNDAY = datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN)


def _posting(engine: DialogueEngine, posting_id: int) -> Posting:
    with engine.database.unit_of_work() as uow:
        return uow.postings.get(posting_id)


def _trail(engine: DialogueEngine, subject: AuditSubject, subject_id: int) -> list[tuple[str, ...]]:
    with engine.database.unit_of_work() as uow:
        entries = uow.audit.history(subject, subject_id)
    return [(e.actor, e.action, e.reason or "") for e in entries]


def _waiting(engine: DialogueEngine, owner: int, title: str, **place: object) -> int:
    return seed.posting(
        engine.database,
        owner,
        title=title,
        category=Category.FOOD,
        start=SUNDAY,
        status=PostingStatus.PENDING_REVIEW,
        **place,  # type: ignore[arg-type]
    )


def test_a_postings_trail_from_submission_to_removal(engine: DialogueEngine) -> None:
    dora_id = seed.person(engine.database, "dora", name="Dora")
    seed.club(engine.database, dora_id, "Tafel Aachen-Ost e.V.", verified=False)
    dora = Chat(engine, "dora", language="de")
    dora.say("Wir suchen morgen früh 4 Helfer für die Tafel-Ausgabe in Aachen-Rothe Erde")
    assert "Die Redaktion von Aachen prüft" in dora.tap("Veröffentlichen")
    with engine.database.unit_of_work() as uow:
        (posting,) = uow.postings.by_owner(dora_id)
    number = posting.id
    assert number is not None

    sabine = Chat(engine, "sabine", language="de")
    queue = squash(sabine.say("/warteschlange"))
    assert "1 Beitrag wartet auf Prüfung" in queue
    assert f"#{number} · Aachen · von Dora (Nutzer {dora_id})" in queue
    assert "Tafel Aachen-Ost e.V." in queue
    assert f"✅ #{number} freigeben" in sabine.choice_labels
    assert f"#{number} „{posting.title}“ ist veröffentlicht." in sabine.tap("freigeben")
    assert _posting(engine, number).status is PostingStatus.PUBLISHED
    assert f"Dein Beitrag „{posting.title}“ ist freigegeben" in dora.pending()
    assert "Nichts wartet auf Prüfung" in sabine.say("/queue")

    reply = sabine.say(f"/bearbeiten {number} titel Tafel-Ausgabe am Sonntag")
    assert "Titel ist jetzt „Tafel-Ausgabe am Sonntag“" in reply
    assert _posting(engine, number).title == "Tafel-Ausgabe am Sonntag"
    assert "das Feld Titel geändert: „Tafel-Ausgabe am Sonntag“" in squash(dora.pending())

    reply = sabine.say(f"/entfernen {number} Die Ausgabe fällt aus")
    assert "ist entfernt" in reply
    assert _posting(engine, number).status is PostingStatus.REMOVED
    told = squash(dora.pending())
    assert "Die Redaktion hat deinen Beitrag „Tafel-Ausgabe am Sonntag“ entfernt." in told
    assert "Begründung: Die Ausgabe fällt aus" in told

    assert _trail(engine, AuditSubject.POSTING, number) == [
        (f"account:{dora_id}", "submit", ""),
        ("console:sabine", "approve", ""),
        ("console:sabine", "edit", ""),
        ("console:sabine", "remove", "Die Ausgabe fällt aus"),
    ]
    history = sabine.say(f"/verlauf {number}")
    assert history.index("submit") < history.index("approve") < history.index("remove")


def test_rejecting_by_button_asks_for_the_reason_and_the_poster_can_submit_again(
    engine: DialogueEngine,
) -> None:
    erik_id = seed.person(engine.database, "erik", name="Erik")
    number = _waiting(engine, erik_id, "Hilfe beim Umzug")
    sabine = Chat(engine, "sabine", language="de")
    sabine.say("/warteschlange")
    assert "Warum lehnst du" in sabine.tap("ablehnen")
    assert "3 bis 500 Zeichen" in sabine.say("x")
    assert _posting(engine, number).status is PostingStatus.PENDING_REVIEW
    reply = sabine.say("Bitte gib an, wie viele Stunden es dauert")
    assert "geht mit deiner Begründung zurück" in reply
    assert _posting(engine, number).status is PostingStatus.DRAFT
    erik = Chat(engine, "erik", language="de")
    told = squash(erik.pending())
    assert "„Hilfe beim Umzug“ wurde nicht veröffentlicht." in told
    assert "Bitte gib an, wie viele Stunden es dauert" in told
    erik.say("/meine")
    erik.tap("Hilfe beim Umzug")
    assert "Eingereicht" in erik.tap("Erneut einreichen")
    assert _posting(engine, number).status is PostingStatus.PENDING_REVIEW
    assert [a for _, a, _ in _trail(engine, AuditSubject.POSTING, number)] == [
        "reject",
        "submit",
    ]


def test_edit_by_button_and_bad_values_change_nothing(engine: DialogueEngine) -> None:
    erik_id = seed.person(engine.database, "erik")
    number = _waiting(engine, erik_id, "Hilfe beim Umzug")
    sabine = Chat(engine, "sabine", language="de")
    sabine.say("/queue")
    assert "Was möchtest du an" in sabine.tap("bearbeiten")
    sabine.tap("Anzahl")
    assert "ganze Zahl von 1 bis 500" in sabine.say("viele")
    assert _posting(engine, number).quantity == 2
    assert "Anzahl der Helfer*innen ist jetzt „6“" in sabine.say("6")
    assert _posting(engine, number).quantity == 6
    assert "Bitte nenne eines der Themen" in sabine.say(f"/edit {number} kategorie Quatsch")
    assert "Thema ist jetzt „Nachbarschaftshilfe“" in sabine.say(
        f"/edit {number} kategorie nachbarschaftshilfe"
    )
    assert _posting(engine, number).category is Category.NEIGHBOURHOOD_HELP
    assert "Felder: titel, beschreibung" in sabine.say(f"/edit {number} farbe blau")
    assert "Bitte gib den Grund an" in sabine.say(f"/reject {number}")
    assert "Einen Beitrag 999 gibt es nicht" in sabine.say("/approve 999")
    assert _posting(engine, number).status is PostingStatus.PENDING_REVIEW


def test_users_who_are_no_editors_get_the_unknown_command_answer_and_change_nothing(
    engine: DialogueEngine, caplog: pytest.LogCaptureFixture
) -> None:
    erik_id = seed.person(engine.database, "erik")
    number = _waiting(engine, erik_id, "Hilfe beim Umzug")
    anna_id = seed.person(engine.database, "anna")
    anna = Chat(engine, "anna", language="de")
    commands = [
        "/queue",
        f"/approve {number}",
        f"/reject {number} geheim",
        f"/edit {number} titel geheim",
        f"/remove {number} geheim",
        f"/ban {erik_id} geheim",
        f"/unban {erik_id}",
        "/reports",
        "/resolve 1",
    ]
    with caplog.at_level(logging.WARNING, logger="bot.flows.editorial"):
        for command in commands:
            assert UNKNOWN in anna.say(command), command
    refusals = [r.getMessage() for r in caplog.records]
    assert len(refusals) == len(commands)
    assert not any("geheim" in line for line in refusals)
    posting = _posting(engine, number)
    assert (posting.status, posting.title) == (PostingStatus.PENDING_REVIEW, "Hilfe beim Umzug")
    assert _trail(engine, AuditSubject.POSTING, number) == []
    with engine.database.unit_of_work() as uow:
        assert not uow.accounts.get(erik_id).banned
        assert uow.accounts.get(anna_id).banned_at is None


def test_an_editor_of_another_municipality_cannot_moderate_and_sees_only_her_queue(
    engine: DialogueEngine,
) -> None:
    erik_id = seed.person(engine.database, "erik")
    aachen = _waiting(engine, erik_id, "Hilfe beim Umzug")
    stolberg = _waiting(engine, erik_id, "Kleiderkammer Stolberg", place=seed.STOLBERG)
    thomas = Chat(engine, "thomas", language="de")
    queue = thomas.say("/warteschlange")
    assert "Kleiderkammer Stolberg" in queue
    assert "Hilfe beim Umzug" not in queue
    for command in (f"/approve {aachen}", f"/remove {aachen} weg", f"/edit {aachen} titel x y z"):
        assert "gehört zu einer anderen Kommune" in thomas.say(command)
    assert "gehört zu einer anderen Kommune" in thomas.say(f"/sperren {erik_id} Spam")
    assert _posting(engine, aachen).status is PostingStatus.PENDING_REVIEW
    assert _trail(engine, AuditSubject.POSTING, aachen) == []
    assert "ist veröffentlicht" in thomas.say(f"/freigeben {stolberg}")


def test_a_ban_hides_the_users_postings_and_stops_new_ones_until_unban(
    engine: DialogueEngine,
) -> None:
    erik_id = seed.person(engine.database, "erik", name="Erik")
    seed.posting(
        engine.database, erik_id, title="Hunde ausführen", category=Category.ANIMALS, start=SUNDAY
    )
    seed.person(engine.database, "ines")
    ines = Chat(engine, "ines", language="de")
    assert "Hunde ausführen" in ines.say("was gibt es am Wochenende in Burtscheid")

    seed.person(engine.database, "sabine")
    sabine = Chat(engine, "sabine", language="de")
    assert "Bitte gib die Nummer der Person und den Grund an" in sabine.say(f"/sperren {erik_id}")
    reply = sabine.say(f"/sperren {erik_id} Betrügerische Angebote")
    assert f"Nutzer {erik_id} (Erik) ist gesperrt; 1 Beitrag ist ausgeblendet." in reply
    erik = Chat(engine, "erik", language="de")
    assert "Die Redaktion hat dein Konto gesperrt: Betrügerische Angebote" in erik.pending()
    assert "Hunde ausführen" not in ines.say("was gibt es am Wochenende in Burtscheid")
    assert "von der Redaktion gesperrt" in erik.say("/gesuch")
    assert "bereits gesperrt" in sabine.say(f"/sperren {erik_id} nochmal")
    assert "Redakteur*innen lassen sich hier nicht sperren" in sabine.say(
        "/sperren console:sabine Test"
    )

    reply = sabine.say("/entsperren console:erik")
    assert "darf wieder posten; 1 Beitrag ist wieder sichtbar" in reply
    assert "Dein Konto ist wieder freigeschaltet" in erik.pending()
    assert "Hunde ausführen" in ines.say("was gibt es am Wochenende in Burtscheid")
    assert [a for _, a, _ in _trail(engine, AuditSubject.ACCOUNT, erik_id)] == ["ban", "unban"]


def test_a_user_reports_a_posting_and_an_editor_resolves_it(engine: DialogueEngine) -> None:
    erik_id = seed.person(engine.database, "erik", name="Erik")
    number = seed.posting(
        engine.database, erik_id, title="Hunde ausführen", category=Category.ANIMALS, start=SUNDAY
    )
    ines_id = seed.person(engine.database, "ines")
    ines = Chat(engine, "ines", language="de")
    ines.say("was gibt es am Wochenende in Burtscheid")
    ines.tap("Hunde ausführen")
    assert "Was möchtest du zu „Hunde ausführen“ melden?" in ines.tap("Melden")
    assert "Was stimmt nicht?" in ines.tap("Den Beitrag")
    assert "Danke! Die Redaktion von Aachen sieht es sich an." in ines.say(
        "Das ist eine kommerzielle Hundeschule"
    )

    thomas = Chat(engine, "thomas", language="de")
    assert "Keine offenen Meldungen" in thomas.say("/meldungen")
    assert UNKNOWN in Chat(engine, "erik", language="de").say("/meldungen")
    sabine = Chat(engine, "sabine", language="de")
    reports = squash(sabine.say("/meldungen"))
    assert "1 offene Meldung" in reports
    assert f"von Nutzer {ines_id}" in reports
    assert f"Betrifft: Beitrag #{number} „Hunde ausführen“ von Nutzer {erik_id}" in reports
    assert "Grund: Das ist eine kommerzielle Hundeschule" in reports
    assert "Meldung 1 ist erledigt" in sabine.tap("erledigt")
    assert "Die Redaktion hat sich um deine Meldung zu „Hunde ausführen“ gekümmert." in (
        ines.pending()
    )
    assert "bereits erledigt" in sabine.say("/erledigt 1")
    assert "Keine offenen Meldungen" in sabine.say("/meldungen")
    assert [a for _, a, _ in _trail(engine, AuditSubject.REPORT, 1)] == ["resolve_report"]
    assert "resolve_report · console:sabine" in sabine.say("/verlauf meldung 1")


def test_a_report_about_the_poster_is_resolved_by_the_ban(engine: DialogueEngine) -> None:
    erik_id = seed.person(engine.database, "erik", name="Erik")
    seed.posting(
        engine.database, erik_id, title="Hunde ausführen", category=Category.ANIMALS, start=SUNDAY
    )
    seed.person(engine.database, "ines")
    ines = Chat(engine, "ines", language="de")
    ines.say("was gibt es am Wochenende in Burtscheid")
    ines.tap("Hunde ausführen")
    ines.tap("Melden")
    ines.tap("Die Person")
    ines.say("Er hat mich beleidigt")
    ines.say("was gibt es am Wochenende in Burtscheid")
    ines.tap("Hunde ausführen")
    ines.tap("Melden")
    ines.tap("Die Person")
    assert "Das hast du schon gemeldet" in ines.say("Er hat mich wieder beleidigt")

    sabine = Chat(engine, "sabine", language="de")
    assert f"Betrifft: Nutzer {erik_id} (Erik); sperren: /sperren {erik_id} Grund" in squash(
        sabine.say("/meldungen")
    )
    sabine.say(f"/sperren {erik_id} Beleidigungen")
    assert "Keine offenen Meldungen" in sabine.say("/meldungen")
    assert "gekümmert" in ines.pending()


def test_reporting_needs_an_open_posting(engine: DialogueEngine) -> None:
    seed.person(engine.database, "ines")
    ines = Chat(engine, "ines", language="de")
    assert "öffne ihn" in ines.say("/melden")
    with engine.database.unit_of_work() as uow:
        assert uow.reports.open_reports(None) == ([], 0)


def test_an_unknown_platform_id_is_no_user(engine: DialogueEngine) -> None:
    sabine = Chat(engine, "sabine", language="de")
    assert "Einen Nutzer telegram:42 gibt es nicht" in sabine.say("/ban telegram:42 Spam")
    assert "Einen Nutzer quatsch gibt es nicht" in sabine.say("/ban quatsch Spam")
    with engine.database.unit_of_work() as uow:
        assert uow.accounts.find_by_identity(PlatformIdentity(Platform.TELEGRAM, "42")) is None


def test_help_lists_the_editor_commands_for_editors_only(engine: DialogueEngine) -> None:
    sabine = Chat(engine, "sabine", language="de")
    assert "/warteschlange – Beiträge, die auf Prüfung warten" in sabine.say("/hilfe")
    anna = Chat(engine, "anna", language="de")
    reply = anna.say("/hilfe")
    assert "/suche" in reply
    assert "Redaktion" not in reply
    assert "/warteschlange" not in reply


def test_approving_an_urgent_need_alerts_volunteers_and_removing_it_follows_them_up(
    engine: DialogueEngine,
) -> None:
    vera = seed.person(engine.database, "vera", name="Vera", home=seed.EILENDORF)
    erik = seed.person(engine.database, "erik", name="Erik")
    erik_chat = Chat(engine, "erik", language="de")
    erik_chat.say("dringend: brauchen heute abend 2 leute zum gassi gehen im tierheim in eilendorf")
    assert "prüft deinen Eintrag" in erik_chat.tap("Veröffentlichen")
    with engine.database.unit_of_work() as uow:
        (need,) = uow.postings.by_owner(erik)
    assert need.id is not None
    vera_chat = Chat(engine, "vera", language="de")
    assert vera_chat.pending() == ""  # nobody is alerted for a posting in review

    sabine = Chat(engine, "sabine", language="de")
    sabine.say(f"/freigeben {need.id}")
    with engine.database.unit_of_work() as uow:
        assert [a.account_id for a in uow.pushes.alerts_for(need.id)] == [vera]
    assert "🚨 Dringend:" in vera_chat.pending()

    sabine.say(f"/entfernen {need.id} Doppelt eingestellt")
    assert "Abgesagt" in vera_chat.pending()
