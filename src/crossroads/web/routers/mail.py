"""Invitations by e-mail: the host's list of the invited, sending and retrying; unsubscribing."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crossroads.convenings import mailing, planning
from crossroads.web.auth import DbDep, HostDep, NowDep, SettingsDep
from crossroads.web.responses import PAGE_RESPONSES, csv_download, file_responses, render
from crossroads.web.routers.host import links_for, read_roster
from crossroads.web.security import verify_csrf

log = structlog.get_logger(__name__)
router = APIRouter(
    prefix="/host/convenings/{public_id}/invitations",
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)
# No router-wide CSRF check: a mail client's one-click unsubscribe (RFC 8058) posts without
# one. The handler checks it for the page's own form; the token in the path is the permission.
public_router = APIRouter(default_response_class=HTMLResponse, responses=PAGE_RESPONSES)


def _wake(request: Request) -> None:
    worker = getattr(request.app.state, "mail_worker", None)
    if worker is not None:
        worker.wake()


async def _page(
    request: Request,
    public_id: str,
    db: DbDep,
    host: HostDep,
    *,
    sent: mailing.RosterSent | None = None,
    status: int = 200,
) -> Response:
    plan = await planning.get_plan_for_host(db, host, public_id)
    rows = await mailing.invited_list(db, host, public_id)
    counts = {
        "invited": len(rows),
        "queued": sum(1 for r in rows if r.mail_status == "queued"),
        "sent": sum(1 for r in rows if r.mail_status == "sent"),
        "failed": sum(1 for r in rows if r.mail_status == "failed"),
        "opened": sum(1 for r in rows if r.opened_at),
        "joined": sum(1 for r in rows if r.joined),
        "in_rounds": sum(1 for r in rows if r.rounds),
        "feedback": sum(1 for r in rows if r.gave_feedback),
    }
    return render(
        request,
        "host/invitations.html",
        {
            "host": host,
            "plan": plan,
            "rows": rows,
            "counts": counts,
            "sent": sent,
            "mail_enabled": bool(request.app.state.settings.smtp_host),
        },
        status=status,
    )


@router.get("")
async def invitations_page(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    return await _page(request, public_id, db, host)


@router.get(".csv", response_class=Response, responses=file_responses("text/csv"))
async def invitations_csv(public_id: str, db: DbDep, host: HostDep) -> Response:
    rows = await mailing.invited_list(db, host, public_id)
    return csv_download(mailing.invited_csv(rows), f"invited-{public_id}.csv")


@router.post("/roster")
async def send_roster(
    request: Request,
    public_id: str,
    roster: UploadFile,
    db: DbDep,
    host: HostDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    data = await read_roster(request, roster, host.id)
    sent = await mailing.invite_roster_by_mail(
        db,
        host,
        public_id,
        links_for(settings),
        data,
        reminders=settings.reminder_minutes,
        now=now,
        days=settings.invite_days,
        max_rows=settings.max_roster_rows,
    )
    _wake(request)
    return await _page(request, public_id, db, host, sent=sent)


@router.post("/send")
async def send_all(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Mail every personal link not mailed yet (links made by an earlier roster upload)."""
    await mailing.queue_invitations(
        db, host, public_id, reminders=settings.reminder_minutes, now=now
    )
    _wake(request)
    return RedirectResponse(f"/host/convenings/{public_id}/invitations", status_code=303)


@router.post("/retry")
async def retry(
    request: Request, public_id: str, db: DbDep, host: HostDep, now: NowDep
) -> Response:
    await mailing.retry_failed(db, host, public_id, now=now)
    _wake(request)
    return RedirectResponse(f"/host/convenings/{public_id}/invitations", status_code=303)


@public_router.get("/mail/unsubscribe/{token}")
async def unsubscribe_page(
    request: Request, token: str, db: DbDep, settings: SettingsDep
) -> Response:
    target = await mailing.find_opt_out(db, token, settings.resolved_secret_key)
    return render(
        request, "mail/unsubscribe.html", {"token": token, "title": target.title, "done": False}
    )


@public_router.post("/mail/unsubscribe/{token}")
async def unsubscribe(
    request: Request, token: str, db: DbDep, settings: SettingsDep, now: NowDep
) -> Response:
    form = await request.form()
    if form.get("List-Unsubscribe") != "One-Click":
        await verify_csrf(request)
    abuse = form.get("abuse") == "on"
    target = await mailing.opt_out(db, token, settings.resolved_secret_key, abuse=abuse, now=now)
    if abuse:
        # For the people running the server: a host mailing people who never asked for it.
        log.warning("mail_abuse_reported", convening=target.public_id, host=target.host_id)
    return render(
        request,
        "mail/unsubscribe.html",
        {"token": token, "title": target.title, "done": True, "abuse": abuse},
    )
