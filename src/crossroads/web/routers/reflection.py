"""The reflection note: the host's draft editor and exports, and the participants' page (#8)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from crossroads.convenings import reflections
from crossroads.convenings.reflections import ExportFormat, NoteView
from crossroads.harvest.fragment import html_from_blocks
from crossroads.harvest.sections import Section
from crossroads.store.errors import NotFound
from crossroads.web import i18n
from crossroads.web.auth import DbDep, HostDep, NowDep, ParticipantDep
from crossroads.web.forms import SectionForm, field_errors, form_body, form_values
from crossroads.web.responses import PAGE_RESPONSES, download, file_responses, render
from crossroads.web.security import verify_csrf

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)


def _page(public_id: str) -> str:
    return f"/host/convenings/{public_id}/reflection"


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _section_response(
    request: Request,
    view: NoteView,
    section: Section,
    *,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    """The autosaving editor gets JSON, htmx the one section, a plain form the page again."""
    if _wants_json(request):
        if errors:
            return JSONResponse({"saved": False, "errors": errors}, status_code=422)
        return JSONResponse({"saved": True, "key": section.key, "heading": section.heading})
    if request.headers.get("hx-request") == "true":
        return render(
            request,
            "host/_reflection_section.html",
            {"note": view, "section": section, "errors": errors or {}, "saved": saved},
            status=422 if errors else 200,
        )
    if errors:
        return render(
            request,
            "host/reflection.html",
            {"note": view, "errors_for": section.key, "errors": errors},
            status=422,
        )
    return RedirectResponse(_page(view.plan.convening.public_id), status_code=303)


@router.get("/host/convenings/{public_id}/reflection")
async def reflection_page(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    view = await reflections.note_for_host(db, host, public_id)
    return render(request, "host/reflection.html", {"note": view, "host": host, "errors": {}})


@router.post("/host/convenings/{public_id}/reflection/generate")
async def generate(public_id: str, db: DbDep, host: HostDep, now: NowDep) -> Response:
    await reflections.generate_note(
        db,
        host,
        public_id,
        language=i18n.current_language(),
        translate=i18n.gettext,
        now=now,
    )
    return RedirectResponse(_page(public_id), status_code=303)


@router.post(
    "/host/convenings/{public_id}/reflection/sections/{key}",
    openapi_extra=form_body(SectionForm),
)
async def save_section(
    request: Request, public_id: str, key: str, db: DbDep, host: HostDep, now: NowDep
) -> Response:
    values = form_values(await request.form())
    try:
        form = SectionForm.model_validate(values)
    except ValidationError as exc:
        view = await reflections.note_for_host(db, host, public_id)
        current = view.section(key)
        typed = Section(
            key,
            str(values.get("heading", "")),
            current.level,
            str(values.get("body", "")),
            current.charts,
        )
        return _section_response(request, view, typed, errors=field_errors(exc))
    view = await reflections.save_section(
        db, host, public_id, key=key, heading=form.heading, body=form.body, now=now
    )
    return _section_response(request, view, view.section(key), saved=True)


@router.post("/host/convenings/{public_id}/reflection/sections/{key}/regenerate")
async def regenerate_section(
    request: Request, public_id: str, key: str, db: DbDep, host: HostDep, now: NowDep
) -> Response:
    view = await reflections.regenerate_section(
        db,
        host,
        public_id,
        key=key,
        language=i18n.current_language(),
        translate=i18n.gettext,
        now=now,
    )
    return _section_response(request, view, view.section(key), saved=True)


@router.post("/host/convenings/{public_id}/reflection/publish")
async def publish(public_id: str, db: DbDep, host: HostDep, now: NowDep) -> Response:
    await reflections.set_published(db, host, public_id, published=True, now=now)
    return RedirectResponse(_page(public_id), status_code=303)


@router.post("/host/convenings/{public_id}/reflection/unpublish")
async def unpublish(public_id: str, db: DbDep, host: HostDep, now: NowDep) -> Response:
    await reflections.set_published(db, host, public_id, published=False, now=now)
    return RedirectResponse(_page(public_id), status_code=303)


@router.get("/host/convenings/{public_id}/reflection/preview")
async def preview(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    view, blocks = await reflections.preview_blocks(db, host, public_id, translate=i18n.gettext)
    return render(
        request,
        "reflection/read.html",
        {
            "plan": view.plan,
            # Every piece of user text is escaped by html_from_blocks.
            "rendered_note": Markup(html_from_blocks(blocks, charts=True)),  # noqa: S704
            "language": view.language,
            "back": _page(public_id),
            "host": host,
        },
    )


@router.get(
    "/host/convenings/{public_id}/reflection.json",
    response_class=Response,
    responses=file_responses("application/json"),
)
async def export_json(public_id: str, db: DbDep, host: HostDep) -> Response:
    """The harvest as the CLI's JSON, with the app's contribution ids (#27); before the
    ``reflection.{extension}`` route, which would otherwise take ``json`` for a format."""
    result = await reflections.export_json(db, host, public_id, language=i18n.current_language())
    return _no_store(
        download(result.content, media_type=result.media_type, filename=result.filename)
    )


@router.get(
    "/host/convenings/{public_id}/reflection.{extension}",
    response_class=Response,
    responses=file_responses(
        "text/markdown",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/pdf",
    ),
)
async def export(public_id: str, extension: str, db: DbDep, host: HostDep) -> Response:
    try:
        fmt = ExportFormat(extension)
    except ValueError as exc:
        raise NotFound("export format") from exc
    result = await reflections.export_note(db, host, public_id, fmt, translate=i18n.gettext)
    return _no_store(
        download(result.content, media_type=result.media_type, filename=result.filename)
    )


def _no_store(response: Response) -> Response:
    # It holds participants' words: never kept by a browser or proxy cache.
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/c/{public_id}/reflection")
async def participant_reflection(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep
) -> Response:
    note = await reflections.published_note(db, you, public_id, translate=i18n.gettext)
    rendered = html_from_blocks(note.blocks, charts=True)
    # The page polls itself with If-None-Match (frontend/src/reflection.ts): a reader sees a
    # newly published version without reloading, and an unchanged note costs a 304.
    etag = _etag(rendered, note.language, i18n.current_language())
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"etag": etag})
    response = render(
        request,
        "reflection/read.html",
        {
            "plan": note.plan,
            # Every piece of user text is escaped by html_from_blocks.
            "rendered_note": Markup(rendered),  # noqa: S704
            "language": note.language,
            "back": f"/c/{public_id}/lobby",
            "poll_etag": etag,
        },
    )
    response.headers["etag"] = etag
    return response


def _etag(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f'"{digest}"'
