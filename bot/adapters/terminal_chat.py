"""A conversation with the assistant in the terminal (``wegweiser chat``)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.assistant import Assistant, Reply
from bot.core.i18n import gettext
from bot.core.languages import LANGS, NATIVE_NAMES, Lang, as_lang

ReadLine = Callable[[str], str]
Write = Callable[[str], None]


class TerminalChat:
    """Reads questions, prints answers; numbers pick a suggestion, ``/lang xx`` and ``/quit``."""

    def __init__(self, assistant: Assistant, lang: Lang | None = None) -> None:
        self.assistant = assistant
        self.fixed_lang = lang
        self.last_lang: Lang = lang or "de"
        self.pending: list[str] = []

    def greeting(self) -> str:
        """The first thing the chat prints."""
        lang = self.last_lang
        return "\n".join(
            [
                self.assistant.kb.centre.name,
                gettext(
                    lang,
                    "Hello! I am Wegweiser, the assistant of the integration centre. Ask me "
                    "your question in your own language.",
                ),
                gettext(
                    lang,
                    "Type a number to pick a topic, /lang xx to change the language, "
                    "/quit to leave.",
                ),
            ]
        )

    def handle(self, line: str) -> tuple[str, bool]:
        """The chat's output for one input line, and whether to go on."""
        text = line.strip()
        lang = self.last_lang
        if text in {"/quit", "/exit", "/q"}:
            return gettext(lang, "Goodbye!"), False
        if text.startswith("/lang"):
            return self._switch_language(text.removeprefix("/lang").strip()), True
        if text.isdigit() and self.pending:
            number = int(text)
            if not 1 <= number <= len(self.pending):
                if len(self.pending) == 1:  # a runner-up under an answer
                    return gettext(lang, "Please type 1 to open this topic."), True
                return gettext(
                    lang, "Please choose a number between 1 and {count}.", count=len(self.pending)
                ), True
            reply = self.assistant.answer(self.pending[number - 1], lang)
            self.pending = []
            return reply.text, True
        reply = self.assistant.reply(text, lang=self.fixed_lang)
        self.last_lang = reply.lang
        return self._render(reply), True

    def _switch_language(self, code: str) -> str:
        lang = as_lang(code)
        if lang is None:
            return gettext(
                self.last_lang,
                'Unknown language "{code}". Available: {codes}',
                code=code,
                codes=", ".join(LANGS),
            )
        self.fixed_lang = self.last_lang = lang
        return gettext(lang, "Language: {language}", language=NATIVE_NAMES[lang])

    def _render(self, reply: Reply) -> str:
        self.pending = [s.entry_id for s in reply.suggestions]
        lines = [reply.text]
        lines.extend(f"  {n}. {s.title}" for n, s in enumerate(reply.suggestions, start=1))
        if reply.handoff_offered:
            centre = self.assistant.kb.centre
            if centre.phone:
                lines.append(
                    gettext(
                        reply.lang,
                        "You can reach the centre by phone at {phone}.",
                        phone=centre.phone,
                    )
                )
            if centre.email:
                lines.append(
                    gettext(
                        reply.lang, "You can write to the centre at {email}.", email=centre.email
                    )
                )
        return "\n".join(lines)

    def run(self, read_line: ReadLine = input, write: Write = print) -> None:
        """Loop until ``/quit`` or the end of input."""
        write(self.greeting())
        while True:
            try:
                line = read_line("> ")
            except (EOFError, KeyboardInterrupt):
                write(gettext(self.last_lang, "Goodbye!"))
                return
            output, go_on = self.handle(line)
            write(output)
            if not go_on:
                return
