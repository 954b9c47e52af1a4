"""Pushes: what happens when a need is published or closes, the waves of an urgent need,
answers to alerts, pushes to people who are free now, the daily digest, and the expiry of
postings and free-now windows.

Everything here writes to the outbox inside the caller's transaction, so a push exists exactly
when the change that caused it committed. The scheduler calls the `run_*` functions; each derives
its work from the database alone, so a restart loses nothing and a second process doubles
nothing (alerts are unique per need and volunteer; a campaign advances only from the wave it read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import formatting, groups, notify
from bot.i18n import Translator
from bot.messages import Choice
from domain.errors import NotFound
from domain.lifecycle import FINAL_STATUSES, PostingEvent, PostingStatus
from domain.places import box_around
from domain.postings import Posting, PostingKind, Urgency
from matching.scoring import Near, Score, score_free_now
from matching.targeting import (
    CampaignEnd,
    PushPolicy,
    after_wave,
    digest_recipients,
    plan_wave,
    select_targets,
)
from storage.repositories.pushes import CampaignRecord
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

HELP, NOT_NOW = "help", "not_now"
URGENT, FREE_NOW = "urgent", "free_now"
FILLED, CANCELLED = "filled", "cancelled"


@dataclass(frozen=True, slots=True)
class PushSettings:
    policy: PushPolicy = field(default_factory=PushPolicy)
    free_now_radius_km: float = 5.0
    free_now_max: timedelta = timedelta(hours=4)  # and with it how long a location is kept
    free_now_pushes_per_window: int = 5
    digest_size: int = 5
    broadcasts_per_day: int = 2  # editors' calls to a whole municipality (0: none)


# ---- alerts -------------------------------------------------------------------------------------


def alert_key(posting_id: int, account_id: int) -> str:
    return f"alert:{posting_id}:{account_id}"


def alert_choices(posting_id: int) -> notify.Buttons:
    def choices(t: Translator) -> tuple[Choice, ...]:
        return (
            Choice(t._("🙋 I'll help"), f"alert:help:{posting_id}"),
            Choice(t._("Not now"), f"alert:later:{posting_id}"),
        )

    return choices


def _send_alert(uow: UnitOfWork, need: Posting, account_id: int, score: Score, reason: str) -> None:
    assert need.id is not None
    time_zone = uow.accounts.get(account_id).time_zone

    def text(t: Translator) -> str:
        header = (
            t._("🚨 Urgent: {title}", title=need.title)
            if reason == URGENT
            else t._("🆕 New near you: {title}", title=need.title)
        )
        lines = [
            header,
            formatting.match_reasons(score, t, time_zone),
            t._("Where: {place}", place=need.place.label),
            t._("Helpers wanted: {n}", n=need.quantity),
        ]
        return "\n".join(lines)

    notify.to_account(uow, account_id, alert_key(need.id, account_id), text, alert_choices(need.id))


def _close_alerts(uow: UnitOfWork, need: Posting, closed_as: str, *, helpers_too: bool) -> int:
    """Follow up the alerts already sent, so nobody sets off for a need that is gone: an
    unanswered alert is edited in place; someone who said they'd help gets a new message."""
    assert need.id is not None
    followed = 0
    for alert in uow.pushes.alerts_for(need.id):
        if alert.closed_as is not None or alert.answer == NOT_NOW:
            continue  # "not now" silenced this need for them
        helped = alert.answer == HELP
        if helped and not helpers_too:
            continue
        key = alert_key(need.id, alert.account_id)

        def text(t: Translator, helped: bool = helped) -> str:
            if closed_as == FILLED:
                return t._("✅ Already taken care of — thank you! ({title})", title=need.title)
            if helped:
                return t._(
                    "❌ Cancelled: “{title}” no longer takes place — please don't go. Thank you "
                    "for offering!",
                    title=need.title,
                )
            return t._("❌ Cancelled: {title}", title=need.title)

        notify.to_account(
            uow,
            alert.account_id,
            f"alert-close:{need.id}:{alert.account_id}",
            text,
            replaces=None if helped else key,
        )
        uow.pushes.mark_alert_closed(need.id, alert.account_id, closed_as)
        followed += 1
    return followed


# ---- a posting changed status -------------------------------------------------------------------


def status_changed(
    uow: UnitOfWork, posting: Posting, now: datetime, settings: PushSettings
) -> None:
    """Call after every lifecycle transition of a posting, in the same transaction."""
    if posting.kind is not PostingKind.NEED or posting.id is None:
        return
    if posting.status is PostingStatus.PUBLISHED:
        _published(uow, posting, now, settings)
    elif posting.status is PostingStatus.PAUSED:
        uow.pushes.finish_campaign(posting.id, CampaignEnd.CLOSED.value, now)
    elif posting.status in FINAL_STATUSES:
        uow.pushes.finish_campaign(posting.id, CampaignEnd.CLOSED.value, now)
        uow.pushes.forget_digest_item(posting.id)
        if posting.status is PostingStatus.FILLED:
            _close_alerts(uow, posting, FILLED, helpers_too=False)
            groups.close_group_alerts(uow, posting, groups.FILLED)
        elif posting.status in (PostingStatus.WITHDRAWN, PostingStatus.REMOVED):
            _close_alerts(uow, posting, CANCELLED, helpers_too=True)
            groups.close_group_alerts(uow, posting, groups.CANCELLED)
        # an expired need is in the past: nobody would set off for it any more


def _published(uow: UnitOfWork, need: Posting, now: datetime, settings: PushSettings) -> None:
    assert need.id is not None
    if need.urgency is Urgency.URGENT:
        first_radius = settings.policy.radius_steps_km[0]
        if uow.pushes.start_campaign(need.id, first_radius, now) or uow.pushes.reopen_campaign(
            need.id, now
        ):
            campaign = uow.pushes.campaign(need.id)
            assert campaign is not None
            run_wave(uow, campaign, now, settings)
        groups.alert_groups(uow, need, now)
    push_to_free_now(uow, need, now, settings)
    if need.urgency is not Urgency.URGENT:
        for target in digest_recipients(uow.candidates, need, now):
            uow.pushes.add_digest_item(target.account_id, need.id, target.score.value, now)


def push_to_free_now(uow: UnitOfWork, need: Posting, now: datetime, settings: PushSettings) -> int:
    """A need published while someone nearby is free now reaches them at once."""
    assert need.id is not None
    alerted = uow.candidates.alerted_for(need.id)
    pushed = 0
    box = box_around(need.place.point, settings.free_now_radius_km)
    for window in uow.candidates.free_now_windows(box, now):
        if window.account_id in alerted or window.account_id == need.owner.account_id:
            continue
        if window.interests and need.category not in window.interests:
            continue  # unasked, only their own topics; the list they asked for shows all
        score = score_free_now(need, window, now)
        if not score.matched:
            continue
        if uow.pushes.free_now_pushes(window.account_id, window.start) >= (
            settings.free_now_pushes_per_window
        ):
            continue
        if uow.pushes.record_alert(need.id, window.account_id, FREE_NOW, score_km(score), now):
            _send_alert(uow, need, window.account_id, score, FREE_NOW)
            pushed += 1
    return pushed


def score_km(score: Score) -> float:
    near = score.reason(Near)
    return near.km if isinstance(near, Near) else 0.0


# ---- waves of an urgent need --------------------------------------------------------------------


def run_wave(
    uow: UnitOfWork, campaign: CampaignRecord, now: datetime, settings: PushSettings
) -> int:
    """Alert the next wave (widening at once past radii where nobody is); returns how many."""
    policy = settings.policy
    try:
        need = uow.postings.get(campaign.posting_id)
    except NotFound:
        return 0
    if not need.visible:
        uow.pushes.finish_campaign(campaign.posting_id, CampaignEnd.CLOSED.value, now)
        return 0
    helpers = uow.pushes.count_alerts(campaign.posting_id, HELP)
    sent = uow.pushes.count_alerts(campaign.posting_id)
    waves_sent = campaign.wave
    while True:
        plan = plan_wave(policy, waves_sent, sent, helpers, need.quantity)
        if plan.end is not None:
            uow.pushes.finish_campaign(campaign.posting_id, plan.end.value, now)
            return 0
        targets = select_targets(uow.candidates, need, now, policy, plan.radius_km, plan.size)
        alerted = 0
        for target in targets:
            if uow.pushes.record_alert(
                campaign.posting_id, target.account_id, URGENT, target.km, now, wave=plan.wave
            ):
                _send_alert(uow, need, target.account_id, target.score, URGENT)
                alerted += 1
        end = after_wave(policy, plan, alerted)
        waves_sent = plan.wave
        if end is not None:
            uow.pushes.advance_campaign(campaign, plan.wave, plan.radius_km, None)
            uow.pushes.finish_campaign(campaign.posting_id, end.value, now)
            return alerted
        if alerted == 0:
            continue  # nobody within this radius: widen now instead of waiting for nobody
        if not uow.pushes.advance_campaign(
            campaign, plan.wave, plan.radius_km, now + policy.wave_timeout
        ):
            raise StaleCampaign(campaign.posting_id)
        log.info(
            "need %s: wave %s alerted %s within %s km",
            campaign.posting_id,
            plan.wave,
            alerted,
            plan.radius_km,
        )
        return alerted


class StaleCampaign(Exception):
    """Another process ran this wave first; this transaction is rolled back."""


def run_due_waves(database: Database, now: datetime, settings: PushSettings) -> int:
    """Every campaign whose next wave is due; returns how many volunteers were alerted."""
    with database.unit_of_work() as uow:
        due = [c.posting_id for c in uow.pushes.due_campaigns(now)]
    alerted = 0
    for posting_id in due:
        try:
            with database.unit_of_work() as uow:
                campaign = uow.pushes.campaign(posting_id)
                if (
                    campaign is None
                    or campaign.finished_at is not None
                    or campaign.next_wave_at is None
                    or campaign.next_wave_at > now
                ):
                    continue
                alerted += run_wave(uow, campaign, now, settings)
                uow.commit()
        except StaleCampaign:
            log.info("need %s: wave already run by another process", posting_id)
        except Exception:
            log.exception("need %s: wave failed", posting_id)
    return alerted


def helper_joined(uow: UnitOfWork, need: Posting, now: datetime) -> bool:
    """After a "yes": when enough helpers said yes, stop alerting and tell the others."""
    assert need.id is not None
    if uow.pushes.count_alerts(need.id, HELP) < need.quantity:
        return False
    if uow.pushes.finish_campaign(need.id, CampaignEnd.ENOUGH.value, now):
        _close_alerts(uow, need, FILLED, helpers_too=False)
        groups.close_group_alerts(uow, need, groups.FILLED)
    return True


# ---- digest -------------------------------------------------------------------------------------


def digest_due(
    digest_time: time | None, last: datetime | None, time_zone: str, now: datetime
) -> bool:
    """Whether today's digest is due: past the chosen local time and none sent today."""
    if digest_time is None:
        return False
    local = now.astimezone(ZoneInfo(time_zone))
    if local.time() < digest_time:
        return False
    return last is None or last.astimezone(ZoneInfo(time_zone)).date() < local.date()


def send_due_digests(database: Database, now: datetime, settings: PushSettings) -> int:
    """One message a day per volunteer with the day's non-urgent matches, at their time."""
    with database.unit_of_work() as uow:
        accounts = uow.pushes.accounts_with_digest_items()
    sent = 0
    for account_id in accounts:
        try:
            with database.unit_of_work() as uow:
                if _send_digest(uow, account_id, now, settings):
                    sent += 1
                uow.commit()
        except Exception:
            log.exception("digest for account %s failed", account_id)
    return sent


def _send_digest(uow: UnitOfWork, account_id: int, now: datetime, settings: PushSettings) -> bool:
    account = uow.accounts.get(account_id)
    if not account.notifications_enabled:
        return False
    if not digest_due(
        account.digest_time, uow.pushes.last_digest_at(account_id), account.time_zone, now
    ):
        return False
    postings: list[Posting] = []
    for item in uow.pushes.pending_digest(account_id):
        try:
            posting = uow.postings.get(item.posting_id)
        except NotFound:
            continue
        if posting.visible:
            postings.append(posting)
        if len(postings) >= settings.digest_size:
            break
    if not uow.pushes.mark_digest_sent(account_id, now):
        return False
    if not postings:
        return False
    local_day = now.astimezone(ZoneInfo(account.time_zone)).date()

    def text(t: Translator) -> str:
        return t.n_(
            "📬 A new need that fits you:",
            "📬 {n} new needs that fit you:",
            len(postings),
        )

    def choices(t: Translator) -> tuple[Choice, ...]:
        return tuple(
            Choice(formatting.posting_line(p, t, account.time_zone, None), f"show:{p.id}")
            for p in postings
        )

    notify.to_account(
        uow, account_id, f"digest:{account_id}:{local_day.isoformat()}", text, choices
    )
    return True


# ---- expiry -------------------------------------------------------------------------------------


def expire_postings(database: Database, now: datetime, settings: PushSettings) -> int:
    """Postings whose time is over leave the listings (and their campaigns stop)."""
    with database.unit_of_work() as uow:
        ended = uow.postings.ended(now)
    expired = 0
    for posting_id in ended:
        try:
            with database.unit_of_work() as uow:
                posting = uow.postings.transition(posting_id, PostingEvent.EXPIRE)
                status_changed(uow, posting, now, settings)
                uow.commit()
                expired += 1
        except Exception:
            log.exception("expiring posting %s failed", posting_id)
    return expired


def close_expired_windows(database: Database, now: datetime) -> int:
    """Free-now windows that are over: the precise location is deleted, and the user told."""
    with database.unit_of_work() as uow:
        accounts = uow.pushes.expired_windows(now)
    closed = 0
    for account_id in accounts:
        with database.unit_of_work() as uow:
            window = uow.pushes.window_record(account_id)
            if window is None or window.end > now or not uow.pushes.close_window(account_id):
                continue
            notify.to_account(
                uow,
                account_id,
                f"freenow-end:{account_id}:{int(window.end.timestamp())}",
                lambda t: t._(
                    "⏱ Your free time is over — I've deleted the location you shared. Thank you!"
                ),
            )
            uow.commit()
            closed += 1
    return closed
