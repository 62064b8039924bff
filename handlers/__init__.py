"""Presentation: parse the update, call a service, render, reply. ``register`` puts every
handler on the application, in the order that decides who takes a message first."""

from __future__ import annotations

from bot.telegram.context import WegweiserApp


def register(app: WegweiserApp) -> None:
    """Every handler, the jobs and the error handler."""
    from handlers import (
        appointments,
        errors,
        events,
        info,
        questions,
        reload,
        start,
        volunteering,
    )
    from handlers.family import handoff
    from handlers.staff import desk

    staff_chat_id = app.bot_data.services.settings.staff_chat_id
    start.register(app)
    handoff.register(app)
    desk.register(app, staff_chat_id)
    appointments.register(app, staff_chat_id)
    events.register(app)
    volunteering.register(app)
    reload.register(app)
    questions.register(app)
    info.register(app)
    errors.register(app)
