"""Presentation: parse the update, call a service, render, reply. ``register`` puts every
handler on the application, in the order that decides who takes a message first."""

from __future__ import annotations

from bot.telegram.context import WegweiserApp


def register(app: WegweiserApp) -> None:
    """Every handler, the jobs and the error handler."""
    from bot.telegram.reminder_jobs import start_reminder_jobs
    from handlers import (
        errors,
        events,
        handoff,
        info,
        questions,
        reload,
        staff,
        start,
        volunteering,
    )
    from handlers.family import appointments as family_appointments
    from handlers.staff import appointments as staff_appointments

    staff_chat_id = app.bot_data.services.settings.staff_chat_id
    start.register(app)
    handoff.register(app)
    staff.register(app, staff_chat_id)
    family_appointments.register(app)
    staff_appointments.register(app, staff_chat_id)
    start_reminder_jobs(app)
    events.register(app)
    volunteering.register(app)
    reload.register(app)
    questions.register(app)
    info.register(app)
    errors.register(app)
