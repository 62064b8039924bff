"""The reminders' jobs on PTB's JobQueue; what is due and what it says is decided by
:class:`bot.services.reminders.ReminderService`, the JobQueue only triggers.

A sweep (``REMINDER_SWEEP_JOB``, in ``handlers.register``'s table of jobs) every
``REMINDER_SWEEP`` sends whatever is due and not yet sent, then puts an exact-time trigger on
each reminder due within ``EXACT_TIME_HORIZON``; one trigger per reminder (named after it),
never two.
"""

from __future__ import annotations

from datetime import timedelta

from bot.services.reminders import REMINDER_SWEEP
from bot.telegram.context import Context
from bot.telegram.jobs import Schedule

# Every REMINDER_SWEEP, and a second after the start (what fell due while the bot was down).
REMINDER_SWEEP_JOB = Schedule(
    "reminder-sweep", interval=REMINDER_SWEEP, first=timedelta(seconds=1)
)
SWEEP = REMINDER_SWEEP_JOB.name


async def send_due_reminders(context: Context) -> None:
    """Job: send every reminder that is due (an exact-time trigger, or part of the sweep)."""
    await context.services.reminders.send_due()


async def schedule_near(context: Context) -> None:
    """Exact-time triggers for the reminders due soon (the sweep does the rest)."""
    queue = context.job_queue
    if queue is None:
        return
    for soon in await context.services.reminders.due_within():
        name = f"reminder-{soon.reminder_id}"
        if not queue.get_jobs_by_name(name):
            # PTB types the queue of a CallbackContext subclass loosely.
            queue.run_once(send_due_reminders, when=soon.due_at, name=name)  # type: ignore[arg-type]


def schedule_soon(context: Context) -> None:
    """After booking or moving: look for reminders due soon without waiting for the sweep."""
    if context.job_queue is not None:
        context.application.create_task(schedule_near(context))


async def sweep(context: Context) -> None:
    """Job: send what is overdue, schedule what is near."""
    await send_due_reminders(context)
    await schedule_near(context)
