"""Presentation: parse the update, call a service, render, reply. ``register`` puts every
handler on the application, in the order that decides who takes a message first, and the
repeating jobs on its job queue (one table: ``bot.telegram.jobs`` says when, this says what)."""

from __future__ import annotations

from bot.telegram.context import WegweiserApp


def register(app: WegweiserApp) -> None:
    """Every handler, the jobs and the error handler."""
    from bot.telegram import jobs, reminder_jobs
    from handlers import callbacks, errors
    from handlers.family import appointments as family_appointments
    from handlers.family import events, gate, handoff, info, questions, start, volunteering
    from handlers.staff import appointments as staff_appointments
    from handlers.staff import desk, reload, unanswered
    from handlers.staff import insights as staff_insights

    staff_chat_id = app.bot_data.services.settings.staff_chat_id
    callbacks.register(app)
    gate.register(app)
    start.register(app)
    handoff.register(app)
    desk.register(app, staff_chat_id)
    family_appointments.register(app)
    staff_appointments.register(app, staff_chat_id)
    events.register(app)
    volunteering.register(app)
    reload.register(app)
    unanswered.register(app, staff_chat_id)
    staff_insights.register(app, staff_chat_id)
    questions.register(app)
    info.register(app)
    errors.register(app)
    jobs.schedule(
        app,
        [
            (jobs.EVENTS_FEED, events.refresh_feed),
            (jobs.KB_WATCH, reload.watch_files),
            (jobs.PURGE_INACTIVE_USERS, info.purge_inactive_users),
            (jobs.PURGE_RECORDS, info.purge_records),
            (reminder_jobs.REMINDER_SWEEP_JOB, reminder_jobs.sweep),
            (jobs.WEEKLY_DIGEST, staff_insights.send_weekly_digest),
        ],
    )
