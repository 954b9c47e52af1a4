"""PushRepository on both databases: free-now windows, campaigns, alerts and digest items, each
step guarded so that it happens once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from domain.places import GeoPoint, box_around, geo_band
from storage.unit_of_work import Database, UnitOfWork
from tests.matching.builders import AACHEN, NOW, add_volunteer, need, north_of
from tests.storage.helpers import seed_municipalities

ELISENBRUNNEN = GeoPoint(50.7741, 6.0882)
STOLBERG = GeoPoint(50.7706, 6.2278)


def _people(uow: UnitOfWork, n: int) -> list[int]:
    seed_municipalities(uow)
    return [add_volunteer(uow, name=f"Person {i}") for i in range(n)]


def _need(uow: UnitOfWork, owner: int) -> int:
    stored = uow.postings.add(need(owner=owner, created_at=NOW))
    assert stored.id is not None
    return stored.id


# ---- free-now windows ---------------------------------------------------------------------------


def test_a_window_opens_and_a_second_one_replaces_it(database: Database) -> None:
    with database.unit_of_work() as uow:
        (anna,) = _people(uow, 1)
        first = uow.pushes.open_window(
            anna, ELISENBRUNNEN, "Elisenbrunnen", 3.0, NOW, NOW + timedelta(hours=2)
        )
        uow.commit()
    assert first.point == ELISENBRUNNEN
    assert (first.label, first.radius_km, first.live) == ("Elisenbrunnen", 3.0, False)
    with database.unit_of_work() as uow:
        uow.pushes.open_window(
            anna, STOLBERG, None, 5.0, NOW + timedelta(hours=1), NOW + timedelta(hours=4), live=True
        )
        uow.commit()
    with database.unit_of_work() as uow:
        window = uow.pushes.window(anna, NOW + timedelta(hours=1))
        count = len(
            uow.candidates.free_now_windows(box_around(STOLBERG, 50.0), NOW + timedelta(hours=2))
        )
    assert window is not None
    assert window.point == STOLBERG
    assert (window.label, window.radius_km, window.live) == (None, 5.0, True)
    assert window.start == NOW + timedelta(hours=1)
    assert window.end == NOW + timedelta(hours=4)
    assert count == 1  # one window per account


def test_a_live_location_moves_an_open_window_into_its_new_band(database: Database) -> None:
    far_north = north_of(AACHEN, 10.0)
    assert geo_band(far_north.lat) != geo_band(AACHEN.lat)
    with database.unit_of_work() as uow:
        anna, ben = _people(uow, 2)
        uow.pushes.open_window(anna, AACHEN, "Markt", 2.0, NOW, NOW + timedelta(hours=2))
        uow.pushes.open_window(
            ben, AACHEN, "Markt", 2.0, NOW - timedelta(hours=3), NOW - timedelta(hours=1)
        )
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.move_window(anna, far_north, NOW + timedelta(minutes=5)) is True
        assert uow.pushes.move_window(ben, far_north, NOW) is False  # closed already
        assert uow.pushes.move_window(ben + anna + 1000, far_north, NOW) is False  # none
        uow.commit()
    with database.unit_of_work() as uow:
        moved = uow.pushes.window(anna, NOW)
        near_old = uow.candidates.free_now_windows(box_around(AACHEN, 2.0), NOW)
        near_new = uow.candidates.free_now_windows(box_around(far_north, 2.0), NOW)
        stale = uow.pushes.window_record(ben)
    assert moved is not None
    assert moved.point == far_north
    assert moved.live is True
    assert moved.label == "Markt"
    assert near_old == []
    assert [w.account_id for w in near_new] == [anna]
    assert stale is not None
    assert stale.point == AACHEN  # the closed window did not follow


def test_close_window_deletes_it_and_expired_windows_are_listed_oldest_first(
    database: Database,
) -> None:
    with database.unit_of_work() as uow:
        anna, ben, cem = _people(uow, 3)
        uow.pushes.open_window(anna, AACHEN, "A", 2.0, NOW - timedelta(hours=2), NOW)
        uow.pushes.open_window(
            ben, AACHEN, "B", 2.0, NOW - timedelta(hours=3), NOW - timedelta(hours=1)
        )
        uow.pushes.open_window(cem, AACHEN, "C", 2.0, NOW, NOW + timedelta(minutes=1))
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.expired_windows(NOW) == [ben, anna]
        assert uow.pushes.expired_windows(NOW, limit=1) == [ben]
        assert uow.pushes.window(anna, NOW) is None  # it ends at NOW: no longer open
        assert uow.pushes.window(cem, NOW) is not None
        assert uow.pushes.close_window(ben) is True
        assert uow.pushes.close_window(ben) is False
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.window_record(ben) is None
        assert uow.pushes.expired_windows(NOW) == [anna]
        assert uow.pushes.expired_windows(NOW + timedelta(minutes=1)) == [anna, cem]


# ---- campaigns ----------------------------------------------------------------------------------


def test_a_need_is_campaigned_for_once(database: Database) -> None:
    with database.unit_of_work() as uow:
        (poster,) = _people(uow, 1)
        posting_id = _need(uow, poster)
        assert uow.pushes.start_campaign(posting_id, 2.0, NOW) is True
        assert uow.pushes.start_campaign(posting_id, 5.0, NOW + timedelta(hours=1)) is False
        uow.commit()
    with database.unit_of_work() as uow:
        campaign = uow.pushes.campaign(posting_id)
        due = uow.pushes.due_campaigns(NOW)
        not_yet = uow.pushes.due_campaigns(NOW - timedelta(seconds=1))
    assert campaign is not None
    assert (campaign.wave, campaign.radius_km, campaign.version) == (0, 2.0, 0)
    assert campaign.next_wave_at == NOW
    assert campaign.started_at == NOW
    assert campaign.finished_at is None
    assert [c.posting_id for c in due] == [posting_id]
    assert not_yet == []


def test_advancing_from_a_stale_read_changes_nothing(database: Database) -> None:
    later = NOW + timedelta(minutes=15)
    with database.unit_of_work() as uow:
        (poster,) = _people(uow, 1)
        posting_id = _need(uow, poster)
        uow.pushes.start_campaign(posting_id, 2.0, NOW)
        uow.commit()
    with database.unit_of_work() as first, database.unit_of_work() as second:
        mine = first.pushes.campaign(posting_id)
        theirs = second.pushes.campaign(posting_id)
        assert mine is not None
        assert theirs is not None
        assert second.pushes.advance_campaign(theirs, 1, 2.0, later) is True
        second.commit()
        assert first.pushes.advance_campaign(mine, 1, 5.0, NOW + timedelta(hours=1)) is False
        first.commit()
    with database.unit_of_work() as uow:
        campaign = uow.pushes.campaign(posting_id)
        # advancing from the fresh read works, and in the same unit of work the new state shows
        assert campaign is not None
        assert (campaign.wave, campaign.radius_km, campaign.version) == (1, 2.0, 1)
        assert campaign.next_wave_at == later
        assert uow.pushes.advance_campaign(campaign, 2, 5.0, None) is True
        assert uow.pushes.advance_campaign(campaign, 2, 10.0, None) is False  # now stale itself
        after = uow.pushes.campaign(posting_id)
        uow.commit()
    assert after is not None
    assert (after.wave, after.radius_km, after.version, after.next_wave_at) == (2, 5.0, 2, None)
    with database.unit_of_work() as uow:
        assert uow.pushes.due_campaigns(NOW + timedelta(days=1)) == []


def test_a_finished_campaign_neither_advances_nor_finishes_again(database: Database) -> None:
    with database.unit_of_work() as uow:
        (poster,) = _people(uow, 1)
        posting_id = _need(uow, poster)
        uow.pushes.start_campaign(posting_id, 2.0, NOW)
        campaign = uow.pushes.campaign(posting_id)
        assert campaign is not None
        assert uow.pushes.finish_campaign(posting_id, "enough", NOW + timedelta(minutes=3)) is True
        assert uow.pushes.finish_campaign(posting_id, "cap", NOW + timedelta(minutes=4)) is False
        fresh = uow.pushes.campaign(posting_id)
        assert fresh is not None
        assert uow.pushes.advance_campaign(fresh, 1, 5.0, NOW) is False
        uow.commit()
    with database.unit_of_work() as uow:
        done = uow.pushes.campaign(posting_id)
        due = uow.pushes.due_campaigns(NOW + timedelta(days=1))
    assert done is not None
    assert done.finish_reason == "enough"
    assert done.finished_at == NOW + timedelta(minutes=3)
    assert done.next_wave_at is None
    assert done.wave == 0
    assert done.version == campaign.version + 1
    assert due == []


def test_only_a_closed_campaign_reopens(database: Database) -> None:
    with database.unit_of_work() as uow:
        (poster,) = _people(uow, 1)
        paused, exhausted, running = _need(uow, poster), _need(uow, poster), _need(uow, poster)
        for posting_id in (paused, exhausted, running):
            uow.pushes.start_campaign(posting_id, 2.0, NOW)
        uow.pushes.finish_campaign(paused, "closed", NOW)
        uow.pushes.finish_campaign(exhausted, "exhausted", NOW)
        uow.commit()
    resumed = NOW + timedelta(hours=2)
    with database.unit_of_work() as uow:
        assert uow.pushes.reopen_campaign(paused, resumed) is True
        assert uow.pushes.reopen_campaign(exhausted, resumed) is False
        assert uow.pushes.reopen_campaign(running, resumed) is False
        assert uow.pushes.reopen_campaign(paused, resumed) is False  # open again already
        uow.commit()
    with database.unit_of_work() as uow:
        reopened = uow.pushes.campaign(paused)
        still_exhausted = uow.pushes.campaign(exhausted)
        due = [c.posting_id for c in uow.pushes.due_campaigns(resumed)]
    assert reopened is not None
    assert (reopened.finished_at, reopened.finish_reason) == (None, None)
    assert reopened.next_wave_at == resumed
    assert reopened.version == 2  # finish and reopen each count
    assert still_exhausted is not None
    assert still_exhausted.finish_reason == "exhausted"
    assert due == [running, paused]  # by next wave time


# ---- alerts -------------------------------------------------------------------------------------


def test_an_alert_is_recorded_once_per_need_and_volunteer(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, vera, walt = _people(uow, 3)
        posting_id, other_id = _need(uow, poster), _need(uow, poster)
        assert uow.pushes.record_alert(posting_id, vera, "urgent", 1.25, NOW, wave=1) is True
        assert uow.pushes.record_alert(posting_id, vera, "free_now", 0.5, NOW) is False
        assert uow.pushes.record_alert(posting_id, walt, "free_now", 0.5, NOW) is True
        assert uow.pushes.record_alert(other_id, vera, "urgent", 2.0, NOW, wave=2) is True
        uow.commit()
    with database.unit_of_work() as uow:
        # a second process, a day later, still cannot alert her again
        assert (
            uow.pushes.record_alert(posting_id, vera, "urgent", 1.0, NOW + timedelta(days=1))
            is False
        )
        alerts = uow.pushes.alerts_for(posting_id)
        first = uow.pushes.alert(posting_id, vera)
        assert uow.candidates.alerted_for(posting_id) == {vera, walt}
        assert uow.candidates.urgent_alerts_since([vera, walt], NOW - timedelta(hours=1)) == {
            vera: 2
        }
        assert uow.pushes.free_now_pushes(walt, NOW - timedelta(hours=1)) == 1
        assert uow.pushes.free_now_pushes(walt, NOW + timedelta(seconds=1)) == 0
    assert [(a.account_id, a.reason, a.wave) for a in alerts] == [
        (vera, "urgent", 1),
        (walt, "free_now", None),
    ]
    assert first is not None
    assert (first.distance_km, first.created_at, first.answer) == (1.25, NOW, None)


def test_an_alert_is_answered_once(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, vera, walt = _people(uow, 3)
        posting_id = _need(uow, poster)
        uow.pushes.record_alert(posting_id, vera, "urgent", 1.0, NOW, wave=1)
        uow.pushes.record_alert(posting_id, walt, "urgent", 1.0, NOW, wave=1)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.answer_alert(posting_id, vera, "help", NOW) is True
        assert uow.pushes.answer_alert(posting_id, vera, "not_now", NOW) is False
        assert uow.pushes.answer_alert(posting_id, poster, "help", NOW) is False  # not alerted
        assert uow.pushes.answer_alert(posting_id, walt, "not_now", NOW) is True
        uow.pushes.mark_alert_closed(posting_id, walt, "filled")
        uow.commit()
    with database.unit_of_work() as uow:
        vera_alert = uow.pushes.alert(posting_id, vera)
        walt_alert = uow.pushes.alert(posting_id, walt)
        assert uow.pushes.count_alerts(posting_id) == 2
        assert uow.pushes.count_alerts(posting_id, "help") == 1
        assert uow.pushes.count_alerts(posting_id, "not_now") == 1
    assert vera_alert is not None
    assert (vera_alert.answer, vera_alert.closed_as) == ("help", None)
    assert walt_alert is not None
    assert (walt_alert.answer, walt_alert.closed_as) == ("not_now", "filled")


# ---- digest items -------------------------------------------------------------------------------


def test_digest_items_are_added_once_listed_by_score_and_sent_once(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, vera, walt = _people(uow, 3)
        low, high, middle = _need(uow, poster), _need(uow, poster), _need(uow, poster)
        assert uow.pushes.add_digest_item(vera, low, 0.2, NOW) is True
        assert uow.pushes.add_digest_item(vera, high, 0.9, NOW) is True
        assert uow.pushes.add_digest_item(vera, middle, 0.5, NOW) is True
        assert uow.pushes.add_digest_item(vera, middle, 0.95, NOW) is False
        assert uow.pushes.add_digest_item(walt, low, 0.3, NOW) is True
        uow.commit()
    with database.unit_of_work() as uow:
        pending = uow.pushes.pending_digest(vera)
        assert sorted(uow.pushes.accounts_with_digest_items()) == sorted([vera, walt])
    assert [(item.posting_id, item.score) for item in pending] == [
        (high, 0.9),
        (middle, 0.5),
        (low, 0.2),
    ]
    sent_at = NOW + timedelta(hours=4)
    with database.unit_of_work() as uow:
        assert uow.pushes.last_digest_at(vera) is None
        assert uow.pushes.mark_digest_sent(vera, sent_at) is True
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.pending_digest(vera) == []
        assert uow.pushes.last_digest_at(vera) == sent_at
        assert uow.pushes.accounts_with_digest_items() == [walt]
        # an item sent once is not added again: she was told about it already
        assert uow.pushes.add_digest_item(vera, high, 0.9, NOW + timedelta(days=1)) is False
        uow.pushes.forget_digest_item(low)  # the need closed: it leaves every pending digest
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.pending_digest(walt) == []
        assert uow.pushes.accounts_with_digest_items() == []


def test_a_second_digest_the_same_local_day_is_refused_and_changes_nothing(
    database: Database,
) -> None:
    # Saturday 21 Nov: 19:00 in Aachen, then 23:30 (22:30 UTC) the same local day
    first, same_day, next_day = (
        NOW + timedelta(hours=4),
        NOW + timedelta(hours=8, minutes=30),
        NOW + timedelta(hours=9, minutes=30),
    )
    with database.unit_of_work() as uow:
        poster, vera = _people(uow, 2)
        earlier, later = _need(uow, poster), _need(uow, poster)
        uow.pushes.add_digest_item(vera, earlier, 0.5, NOW)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.mark_digest_sent(vera, first) is True
        uow.commit()
    # another process read "due" before the first committed, and comes in after it
    with database.unit_of_work() as uow:
        uow.pushes.add_digest_item(vera, later, 0.7, same_day)
        assert uow.pushes.mark_digest_sent(vera, same_day) is False
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.last_digest_at(vera) == first
        assert [item.posting_id for item in uow.pushes.pending_digest(vera)] == [later]
        # 00:30 in Aachen is the next day there (still the 21st in UTC): due again
        assert uow.pushes.mark_digest_sent(vera, next_day) is True
        assert uow.pushes.pending_digest(vera) == []
        uow.commit()


def test_two_processes_marking_one_digest_at_once_send_it_once(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    with database.unit_of_work() as uow:
        poster, vera = _people(uow, 2)
        uow.pushes.add_digest_item(vera, _need(uow, poster), 0.5, NOW)
        uow.commit()
    answers: dict[str, bool] = {}

    def second_process() -> None:
        with database.unit_of_work() as uow:
            uow.accounts.get(vera)  # loaded before, as the digest job does
            answers["second"] = uow.pushes.mark_digest_sent(vera, NOW + timedelta(minutes=1))
            uow.commit()

    with database.unit_of_work() as first:
        first.accounts.get(vera)
        answers["first"] = first.pushes.mark_digest_sent(vera, NOW)
        other = threading.Thread(target=second_process)
        other.start()
        time.sleep(0.2)  # the second now waits for the row lock
        first.commit()
    other.join(timeout=10)
    assert answers == {"first": True, "second": False}
    with database.unit_of_work() as uow:
        assert uow.pushes.last_digest_at(vera) == NOW


# ---- erasure ------------------------------------------------------------------------------------


def test_erasing_an_account_removes_its_windows_alerts_and_digest_items(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, vera, walt = _people(uow, 3)
        posting_id = _need(uow, poster)
        for account_id in (vera, walt):
            uow.pushes.open_window(account_id, AACHEN, "Markt", 2.0, NOW, NOW + timedelta(hours=2))
            uow.pushes.record_alert(posting_id, account_id, "urgent", 1.0, NOW, wave=1)
            uow.pushes.add_digest_item(account_id, posting_id, 0.5, NOW)
        uow.pushes.start_campaign(posting_id, 2.0, NOW)
        uow.commit()
    with database.unit_of_work() as uow:
        uow.accounts.delete(vera)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.window_record(vera) is None
        assert uow.pushes.alert(posting_id, vera) is None
        assert uow.pushes.pending_digest(vera) == []
        assert [a.account_id for a in uow.pushes.alerts_for(posting_id)] == [walt]
        assert uow.candidates.alerted_for(posting_id) == {walt}
        assert [
            w.account_id for w in uow.candidates.free_now_windows(box_around(AACHEN, 5), NOW)
        ] == [walt]
        assert uow.pushes.accounts_with_digest_items() == [walt]
    # erasing the poster takes their need, and with it its campaign, alerts and digest items
    with database.unit_of_work() as uow:
        uow.accounts.delete(poster)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.pushes.campaign(posting_id) is None
        assert uow.pushes.alerts_for(posting_id) == []
        assert uow.pushes.pending_digest(walt) == []
        assert uow.pushes.window_record(walt) is not None  # walt's own window stays
