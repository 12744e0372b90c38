"""The texts of complaints: cards, summaries, histories, lists and news, composed from the
catalog. Pure formatting; the handlers decide what to show to whom.

Two audiences: residents never see an official's name or anything about other people;
officials never see an anonim reporter (the records do not even carry the name).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from db.complaints import ComplaintRecord, EventRecord
from handlers.replies import MAX_TEXT
from i18n import Texts
from iku.complaints import Channel, Privacy, RejectReason, Status, overdue_stage
from iku.report import format_date
from iku.text import pack, truncate, utf16_length

# A line is not shortened below this many UTF-16 units (beyond it, the text's tail is cut).
SHORTEST_CUT = 40
# The last move's note on a card is cut to this many UTF-16 units: the card is read in a
# busy group, and the whole note is in /laporan CODE.
CARD_NOTE_MAX = 300


def format_when(moment: datetime, t: Texts, tz: ZoneInfo) -> str:
    """``17 Februari 2025 09.00 WIB``: the local date and time, as written in Indonesian."""
    local = moment.astimezone(tz)
    return f"{format_date(local.date(), t)} {local:%H.%M} {local.tzname()}"


def status_label(t: Texts, status: Status, reason: RejectReason | None = None) -> str:
    label = t(f"complaint.status.{status.value}")
    if reason is None:
        return label
    return t("status.reason", status=label, reason=t(f"complaint.reason.{reason.value}"))


def move_confirmation(
    t: Texts, code: str, status: Status, reason: RejectReason | None, *, reopened: bool = False
) -> str:
    """What the official who completed a move reads: the outcome with its own mark (a tick
    only for a step forward, not for a forward to another body or a rejection)."""
    label = status_label(t, status, reason)
    if reopened:
        return t("trantib.reopened", code=code, status=label)
    return t("trantib.moved", mark=t(f"trantib.mark.{status.value}"), code=code, status=label)


def line(t: Texts, field: str, value: str) -> str:
    return t("complaint.line", label=t(f"complaint.field.{field}"), value=value)


def place_text(t: Texts, place: str, has_location: bool) -> str:
    if place and has_location:
        return t("complaint.with_location", place=place)
    if has_location:
        return t("complaint.location_only")
    return place


def fit(lines: Iterable[str], limit: int = MAX_TEXT) -> str:
    """Lines joined into one message Telegram accepts, however long the text people typed.

    For what must be one message (a card edited in place, a summary with its buttons). When
    too long, the longest lines (a description, a note) are shortened with an ellipsis and
    every other line is kept: a card of 2,000 emoji still shows its reporter and deadlines.
    Measured as Telegram measures, in UTF-16 code units.
    """
    kept = "\n".join(lines).split("\n")
    excess = utf16_length("\n".join(kept)) - limit
    while excess > 0:
        longest = max(range(len(kept)), key=lambda index: utf16_length(kept[index]))
        size = utf16_length(kept[longest])
        if size <= SHORTEST_CUT:
            break
        shorter = truncate(kept[longest], max(size - excess, SHORTEST_CUT))
        excess -= size - utf16_length(shorter)
        kept[longest] = shorter
    return truncate("\n".join(kept), limit)


# ---------------------------------------------------------------------------- officials


def card_text(
    t: Texts,
    complaint: ComplaintRecord,
    tz: ZoneInfo,
    today: date,
    last: EventRecord | None = None,
) -> str:
    """The card in the Trantib group; no reporter identity for anonim complaints.

    ``last``, the latest move, ends the card: who made it, when, and its note (shortened),
    so that the group sees at a glance what was done last without opening the history.
    """
    c = complaint
    lines = [
        t("trantib.card_title", code=c.code, status=status_label(t, c.status, c.reject_reason))
    ]
    if c.privacy is Privacy.RAHASIA:
        lines.append(t("trantib.rahasia"))
    lines += [
        line(t, "category", c.category),
        line(t, "desa", c.desa),
        line(t, "place", place_text(t, c.place, c.has_location)),
        line(t, "description", c.description),
        line(t, "received", format_when(c.received_at, t, tz)),
        line(t, "channel", t(f"complaint.channel.{c.channel.value}")),
    ]
    if c.photos:
        lines.append(line(t, "photos", str(len(c.photos))))
    lines += _people(t, c)
    lines += _clock(t, c, tz, today)
    if last is not None:
        lines += _last_move(t, last, tz)
    return fit(lines)


def last_move(events: Sequence[EventRecord]) -> EventRecord | None:
    """The latest move of an official (the receipt of a complaint is not a move)."""
    moves = [event for event in events if event.from_status is not None]
    return moves[-1] if moves else None


def _last_move(t: Texts, event: EventRecord, tz: ZoneInfo) -> list[str]:
    lines = [
        t(
            "trantib.last_move",
            status=status_label(t, event.to_status, event.reason),
            actor=event.actor_name or t("trantib.official"),
            when=format_when(event.at, t, tz),
        )
    ]
    if event.note:
        lines.append(t("trantib.last_note", note=truncate(event.note, CARD_NOTE_MAX)))
    return lines


def _people(t: Texts, c: ComplaintRecord) -> list[str]:
    if c.privacy is Privacy.ANONIM:
        return [line(t, "reporter", t("trantib.anonim"))]
    people = []
    if c.reporter_phone:
        # Officials call a WhatsApp reporter back on this number.
        name = t("trantib.reporter_whatsapp", name=c.reporter_name or "", phone=c.reporter_phone)
        people.append(line(t, "reporter", name))
    elif c.reporter_name:
        people.append(line(t, "reporter", c.reporter_name))
    if c.recorded_by_name:
        people.append(line(t, "recorded_by", c.recorded_by_name))
    return people


def _clock(t: Texts, c: ComplaintRecord, tz: ZoneInfo, today: date) -> list[str]:
    if c.closed_at is not None:
        return [t("trantib.closed", when=format_when(c.closed_at, t, tz))]
    due = c.due
    lines = [
        t(
            "trantib.due",
            verify=format_date(due.verify_by, t),
            plan=format_date(due.plan_by, t),
            resolve=format_date(due.resolve_by, t),
        )
    ]
    stage = overdue_stage(c.status, due, today)
    if stage is not None:
        lines.append(t("trantib.overdue", stage=t(f"trantib.stage.{stage}")))
    return lines


def official_detail(
    t: Texts, complaint: ComplaintRecord, events: Sequence[EventRecord], tz: ZoneInfo, today: date
) -> str:
    """``/laporan CODE``: the card and the audit trail with who did what."""
    lines = [card_text(t, complaint, tz, today), "", t("trantib.history")]
    for event in events:
        when = format_when(event.at, t, tz)
        status = status_label(t, event.to_status, event.reason)
        if event.actor_name:
            lines.append(t("trantib.event", when=when, status=status, actor=event.actor_name))
        else:  # the receipt of a complaint chatted in: the reporter's own step
            lines.append(t("status.event", when=when, status=status))
        if event.note:
            lines.append(t("status.note", note=event.note))
    return fit(lines)


def open_list(
    t: Texts,
    complaints: Sequence[ComplaintRecord],
    total: int,
    today: date,
    *,
    page: int = 0,
    pages: int = 1,
) -> str:
    """A page of ``/laporan`` (``page`` counts from 0): overdue ones marked (they come first),
    the page when there are more, and what the buttons below do."""
    if not complaints:
        return t("trantib.open_none")
    lines = [t("trantib.open_title", count=total)]
    for c in complaints:
        overdue = overdue_stage(c.status, c.due, today) is not None
        lines.append(
            t(
                "trantib.open_item",
                mark=t("trantib.overdue_mark") if overdue else "",
                code=c.code,
                status=status_label(t, c.status),
                category=c.category,
                desa=c.desa,
                date=format_date(c.received_on, t),
            )
        )
    if pages > 1:
        lines.append(t("trantib.open_page", page=page + 1, pages=pages))
    lines.append(t("trantib.open_hint"))
    return fit(lines)


def overdue_messages(
    t: Texts, complaints: Sequence[ComplaintRecord], today: date
) -> list[tuple[str, list[int]]]:
    """The daily overdue list, split into messages Telegram accepts, with the ids in each."""
    items = []
    for c in complaints:
        stage = overdue_stage(c.status, c.due, today)
        if stage is None:
            continue
        due = {"verify": c.due.verify_by, "plan": c.due.plan_by, "resolve": c.due.resolve_by}
        text = t(
            "trantib.overdue_item",
            code=c.code,
            status=status_label(t, c.status),
            category=c.category,
            desa=c.desa,
            stage=t(f"trantib.stage.{stage}"),
            due=format_date(due[stage], t),
        )
        items.append((text, c.id))
    messages: list[tuple[str, list[int]]] = []
    current = [t("trantib.overdue_title", count=len(items))]
    ids: list[int] = []
    for text, complaint_id in items:
        if utf16_length("\n".join([*current, text])) > MAX_TEXT:
            messages.append(("\n".join(current), ids))
            current, ids = [], []
        current.append(text)
        ids.append(complaint_id)
    if ids:
        messages.append(("\n".join(current), ids))
    return messages


# ---------------------------------------------------------------------------- residents


def resident_detail(
    t: Texts, complaint: ComplaintRecord, events: Sequence[EventRecord], tz: ZoneInfo
) -> list[str]:
    """``/status CODE``: the complaint and every change with its note, never who made it.

    As many messages as it takes: the newest change, at the end, is the one the resident came
    for, so a long history is split rather than cut.
    """
    c = complaint
    lines = [
        t(
            "status.detail",
            code=c.code,
            category=c.category,
            desa=c.desa,
            received=format_when(c.received_at, t, tz),
            status=status_label(t, c.status, c.reject_reason),
        ),
        "",
        t("status.history"),
    ]
    for event in events:
        status = status_label(t, event.to_status, event.reason)
        lines.append(t("status.event", when=format_when(event.at, t, tz), status=status))
        if event.note:
            lines.append(t("status.note", note=event.note))
    return pack(lines, MAX_TEXT)


def status_list(t: Texts, complaints: Sequence[ComplaintRecord]) -> str:
    lines = [t("status.title")]
    for c in complaints:
        lines.append(
            t(
                "status.item",
                code=c.code,
                category=c.category,
                status=status_label(t, c.status),
                date=format_date(c.received_on, t),
            )
        )
    lines.append(t("status.footer"))
    return fit(lines)


def news_text(t: Texts, complaint: ComplaintRecord, note: str, *, reopened: bool = False) -> str:
    """What the reporter is told when an official moves (or reopens) their complaint."""
    meaning = t("status.reopened") if reopened else t(f"complaint.meaning.{complaint.status.value}")
    lines = [
        t(
            "status.update",
            code=complaint.code,
            status=status_label(t, complaint.status, complaint.reject_reason),
            meaning=meaning,
        ),
        t("status.update_note", note=note),
    ]
    if complaint.status is Status.SELESAI:
        lines += ["", t("complaint.rating.ask", code=complaint.code)]
    return fit(lines)


def channel_label(t: Texts, channel: Channel) -> str:
    return t(f"complaint.channel.{channel.value}")


def privacy_label(t: Texts, privacy: Privacy) -> str:
    return t(f"complaint.privacy.{privacy.value}")
