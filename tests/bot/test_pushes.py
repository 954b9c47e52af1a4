"""The push service and its scheduler on both databases: waves after a restart, two processes at
once, the daily digest, and expiry of postings and free-now windows."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import text

from bot import pushes
from bot.pushes import PushSettings
from bot.scheduler import Intervals, PushScheduler
from domain.actors import Account, Owner, Platform, PlatformIdentity
from domain.categories import Category
from domain.lifecycle import PostingEvent, PostingStatus
from domain.places import GeoPoint, Place
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.timewindow import OneOff
from matching.targeting import PushPolicy
from storage.db import make_engine
from storage.unit_of_work import Database
from tests.bot.chat import MUNICIPALITIES

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 15:00 in Aachen
CENTRE = (50.7753, 6.0839)
SETTINGS = PushSettings(policy=PushPolicy(wave_size=2, radius_steps_km=(2.0, 5.0, 10.0)))


@pytest.fixture(autouse=True)
def _municipalities(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.municipalities.sync(MUNICIPALITIES)
        uow.commit()


def _person(database: Database, key: str, lat: float, lon: float, **extra: object) -> int:
    with database.unit_of_work() as uow:
        account = uow.accounts.add(
            Account(
                display_name=key.title(),
                municipality_key="aachen",
                home=Place(GeoPoint(lat, lon), "Aachen", 15.0),
                consent_at=NOW - timedelta(days=10),
                identities=(PlatformIdentity(Platform.CONSOLE, key),),
                **extra,  # type: ignore[arg-type]
            )
        )
        uow.commit()
    assert account.id is not None
    return account.id


def _need(
    database: Database,
    owner: int,
    *,
    urgent: bool = True,
    quantity: int = 10,
    start: datetime = NOW + timedelta(hours=2),
    hours: float = 2,
) -> int:
    with database.unit_of_work() as uow:
        posting = uow.postings.add(
            Posting(
                kind=PostingKind.NEED,
                type=PostingType.TIME,
                category=Category.EMERGENCY,
                title="Sandsäcke füllen",
                description="Sandsäcke füllen am Wurmufer",
                time_window=OneOff(start, start + timedelta(hours=hours)),
                place=Place(GeoPoint(*CENTRE), "Aachen-Mitte", 5.0),
                owner=Owner(owner),
                municipality_key="aachen",
                quantity=quantity,
                urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                status=PostingStatus.PUBLISHED,
            )
        )
        assert posting.id is not None
        pushes.status_changed(uow, posting, NOW, SETTINGS)
        uow.commit()
    return posting.id


def _volunteers(database: Database, count: int, step_km: float = 0.9) -> list[int]:
    # one every step_km to the north of the centre
    return [
        _person(database, f"v{n}", CENTRE[0] + (n + 1) * step_km / 111.2, CENTRE[1])
        for n in range(count)
    ]


def _alerts(database: Database, posting_id: int) -> list[tuple[int, int | None]]:
    with database.unit_of_work() as uow:
        return [(a.account_id, a.wave) for a in uow.pushes.alerts_for(posting_id)]


def _outbox_keys(database: Database) -> list[str]:
    with database.unit_of_work() as uow:
        return [
            m.idempotency_key
            for key in ("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7")
            for m in uow.outbox.for_chat("console", key)
        ]


def test_waves_widen_and_stop_at_the_cap(database: Database) -> None:
    settings = PushSettings(
        policy=PushPolicy(wave_size=2, radius_steps_km=(2.0, 5.0), max_alerts_per_need=5)
    )
    owner = _person(database, "owner", *CENTRE)
    volunteers = _volunteers(database, 8)  # at 0.9, 1.8, 2.7, … 7.2 km
    with database.unit_of_work() as uow:
        posting = uow.postings.add(
            Posting(
                kind=PostingKind.NEED,
                type=PostingType.TIME,
                category=Category.EMERGENCY,
                title="Sandsäcke",
                description="Sandsäcke",
                time_window=OneOff(NOW + timedelta(hours=1), NOW + timedelta(hours=3)),
                place=Place(GeoPoint(*CENTRE), "Aachen-Mitte", 5.0),
                owner=Owner(owner),
                municipality_key="aachen",
                urgency=Urgency.URGENT,
                quantity=10,
                status=PostingStatus.PUBLISHED,
            )
        )
        pushes.status_changed(uow, posting, NOW, settings)
        uow.commit()
    assert posting.id is not None
    assert _alerts(database, posting.id) == [(volunteers[0], 1), (volunteers[1], 1)]
    # before the timeout nothing happens
    assert pushes.run_due_waves(database, NOW + timedelta(minutes=14), settings) == 0
    assert pushes.run_due_waves(database, NOW + timedelta(minutes=15), settings) == 2
    assert [a for a, _ in _alerts(database, posting.id)] == volunteers[:4]
    # wave 3 repeats the widest radius (5 km: v4 at 4.5 km), stops at the cap of 5
    assert pushes.run_due_waves(database, NOW + timedelta(minutes=30), settings) == 1
    assert pushes.run_due_waves(database, NOW + timedelta(minutes=45), settings) == 0
    with database.unit_of_work() as uow:
        campaign = uow.pushes.campaign(posting.id)
    assert campaign is not None
    assert campaign.finish_reason == "cap"
    assert len(_alerts(database, posting.id)) == 5


def test_a_wave_with_nobody_in_range_widens_at_once(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    far = _person(database, "far", CENTRE[0] + 7 / 111.2, CENTRE[1])  # 7 km north
    need = _need(database, owner)
    assert _alerts(database, need) == [(far, 3)]


def test_exhausted_when_the_widest_wave_finds_nobody(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    need = _need(database, owner)
    with database.unit_of_work() as uow:
        campaign = uow.pushes.campaign(need)
    assert campaign is not None
    assert campaign.finish_reason == "exhausted"


def test_a_restart_derives_the_waves_from_the_database(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    volunteers = _volunteers(database, 4)
    need = _need(database, owner)
    assert len(_alerts(database, need)) == 2
    # the process "dies"; a new scheduler, new objects, the same database
    clock = NOW + timedelta(minutes=20)
    scheduler = PushScheduler(database, SETTINGS, clock=lambda: clock)
    done = asyncio.run(scheduler.run_all_once())
    assert done["waves"] == 2
    # and once more: nothing is doubled
    assert asyncio.run(scheduler.run_all_once())["waves"] == 0
    assert sorted(a for a, _ in _alerts(database, need)) == sorted(volunteers)
    keys = _outbox_keys(database)
    assert len(keys) == len(set(keys)) == 4


def _second_process(database: Database) -> Database | None:
    """Another connection pool on the same PostgreSQL schema, as a second process would have."""
    if database.engine.dialect.name != "postgresql":
        return None  # SQLite: threads on one file already contend like processes
    with database.engine.connect() as connection:
        search_path = connection.execute(text("SHOW search_path")).scalar_one()
    engine = make_engine(database.url, connect_args={"options": f"-csearch_path={search_path}"})
    return Database(database.url, engine=engine)


def test_two_processes_running_the_same_wave_alert_once(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    _volunteers(database, 6)
    need = _need(database, owner)
    later = NOW + timedelta(minutes=16)
    second = _second_process(database)
    databases = [database, second or database]
    start = threading.Barrier(2)
    results: list[int] = []

    def run(db: Database) -> None:
        start.wait()
        results.append(pushes.run_due_waves(db, later, SETTINGS))

    threads = [threading.Thread(target=run, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if second is not None:
        second.dispose()
    assert sum(results) == 2
    waves = [wave for _, wave in _alerts(database, need)]
    assert waves == [1, 1, 2, 2]


def test_the_scheduler_runs_its_jobs_on_the_event_loop(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    _volunteers(database, 4)
    need = _need(database, owner)
    clock = NOW + timedelta(minutes=20)
    fast = Intervals(
        waves=timedelta(seconds=0.05),
        free_now_windows=timedelta(seconds=0.05),
        digests=timedelta(seconds=0.05),
        postings=timedelta(seconds=0.05),
    )
    scheduler = PushScheduler(database, SETTINGS, intervals=fast, clock=lambda: clock)

    async def main() -> None:
        scheduler.start()
        try:
            for _ in range(200):  # at most 10 s
                if scheduler.runs.get("waves", 0) >= 2 and scheduler.runs.get("postings", 0):
                    return
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown()

    asyncio.run(main())
    assert scheduler.runs["waves"] >= 2
    assert len(_alerts(database, need)) == 4


def test_the_digest_comes_once_a_day_at_the_chosen_time(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    reader = _person(database, "v0", CENTRE[0] + 0.01, CENTRE[1], digest_time=time(18, 0))
    first = _need(database, owner, urgent=False, start=NOW + timedelta(days=1))
    second = _need(database, owner, urgent=False, start=NOW + timedelta(days=2))
    with database.unit_of_work() as uow:
        assert [i.posting_id for i in uow.pushes.pending_digest(reader)] == [first, second]
        assert uow.outbox.for_chat("console", "v0") == []
    # 17:00 in Aachen: not yet; 18:05: the digest; 19:00: not again
    assert pushes.send_due_digests(database, NOW + timedelta(hours=2), SETTINGS) == 0
    assert pushes.send_due_digests(database, NOW + timedelta(hours=3, minutes=5), SETTINGS) == 1
    assert pushes.send_due_digests(database, NOW + timedelta(hours=4), SETTINGS) == 0
    with database.unit_of_work() as uow:
        (digest,) = uow.outbox.for_chat("console", "v0")
    assert "2 neue Gesuche" in digest.payload["text"]
    assert [c["payload"] for c in digest.payload["choices"]] == [f"show:{first}", f"show:{second}"]
    # the next day's new need comes in the next day's digest
    _need(database, owner, urgent=False, start=NOW + timedelta(days=3))
    tomorrow = NOW + timedelta(days=1, hours=3, minutes=5)
    assert pushes.send_due_digests(database, tomorrow, SETTINGS) == 1


def test_expired_postings_leave_and_their_campaign_stops(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    _volunteers(database, 1)
    need = _need(database, owner, start=NOW + timedelta(minutes=30), hours=1)
    assert pushes.expire_postings(database, NOW + timedelta(minutes=89), SETTINGS) == 0
    assert pushes.expire_postings(database, NOW + timedelta(minutes=91), SETTINGS) == 1
    with database.unit_of_work() as uow:
        assert uow.postings.get(need).status is PostingStatus.EXPIRED
        campaign = uow.pushes.campaign(need)
    assert campaign is not None
    assert campaign.finish_reason == "closed"


def test_free_now_windows_close_and_forget_the_location(database: Database) -> None:
    someone = _person(database, "v0", *CENTRE)
    with database.unit_of_work() as uow:
        uow.pushes.open_window(
            someone, GeoPoint(50.77, 6.08), "Markt", 5.0, NOW, NOW + timedelta(hours=1)
        )
        uow.commit()
    assert pushes.close_expired_windows(database, NOW + timedelta(minutes=59)) == 0
    assert pushes.close_expired_windows(database, NOW + timedelta(minutes=60)) == 1
    assert pushes.close_expired_windows(database, NOW + timedelta(minutes=61)) == 0
    with database.unit_of_work() as uow:
        assert uow.pushes.window_record(someone) is None
        (told,) = uow.outbox.for_chat("console", "v0")
    assert "gelöscht" in told.payload["text"]


def test_a_paused_need_stops_alerting_and_resumes(database: Database) -> None:
    owner = _person(database, "owner", *CENTRE)
    _volunteers(database, 4)
    need = _need(database, owner)
    with database.unit_of_work() as uow:
        paused = uow.postings.transition(need, PostingEvent.PAUSE)
        pushes.status_changed(uow, paused, NOW, SETTINGS)
        uow.commit()
    assert pushes.run_due_waves(database, NOW + timedelta(minutes=20), SETTINGS) == 0
    with database.unit_of_work() as uow:
        resumed = uow.postings.transition(need, PostingEvent.RESUME)
        pushes.status_changed(uow, resumed, NOW + timedelta(minutes=21), SETTINGS)
        uow.commit()
    assert len(_alerts(database, need)) == 4
