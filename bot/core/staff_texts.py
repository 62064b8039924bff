"""Every word the bot says to staff, in one table. Staff work in German, so these are German;
``{placeholders}`` are filled with ``str.format``. The family's words are translated through
``bot.core.i18n`` instead."""

from __future__ import annotations

# Who may use staff commands
ONLY_STAFF = "Dieser Befehl ist nur für Mitarbeitende des Zentrums."
USE_IN_TOPIC = "Bitte im Thema einer Familie verwenden."

# Conversations (hand-overs)
HEADER_TITLE = "Neue Anfrage #{id}"
HEADER_LANGUAGE = "Sprache: {language} ({code})"
HEADER_TOPIC = "Thema: {topic}"
HEADER_QUESTION = "Frage: {question}"
HEADER_CONSIDERED = "Geprüfte Einträge: {entries}"
HEADER_HOWTO = (
    "Antworten: hier schreiben (an die Familie). Interne Notiz: mit ! beginnen. "
    "/reply <vorlage>, /close"
)
TOPIC_NAME = "#{id} · {language} · {topic}"
TOPIC_FALLBACK = "Anfrage"
TOPIC_VOLUNTEERING = "Ehrenamt"
NOTHING = "–"
BUTTON_CLAIM = "Übernehmen"
BUTTON_CLOSE = "Schließen"
FAMILY_ENDED = "Die Familie hat das Gespräch beendet."
CLAIMED_BY_OTHER = "Schon übernommen von {name}."
CLAIMED = "Übernommen von {name}."
CLOSED = "Geschlossen."
CLOSED_NOTE = "Gespräch geschlossen; die Familie wurde gefragt, wie hilfreich es war."
TOPIC_CLOSED = (
    "Das Gespräch ist geschlossen; schreibt die Familie wieder, öffnet es sich hier neu."
)
TEMPLATES = "Vorlagen: {names}. Zum Beispiel: /reply {example}"
NO_TEMPLATES = "Es gibt noch keine Vorlagen."
FAMILY_DELETED = (
    "🗑 Die Familie hat ihre Daten gelöscht (/delete); das Gespräch und was weitergegeben wurde "
    "sind nicht mehr gespeichert."
)

# The relay outbox
FAMILY_BLOCKED = "⚠️ Die Familie hat den Bot blockiert: Nachrichten kommen nicht mehr an."
SET_ASIDE = "⚠️ Eine Nachricht {direction} konnte nicht weitergegeben werden (Telegram: {why})."
TO_FAMILY, FROM_FAMILY = "an die Familie", "der Familie"
TOPIC_REOPENED = "ℹ️ Das Thema war gelöscht und wurde neu angelegt."
TOGETHER = "💬 {count} Nachrichten der Familie (zusammengefasst, weil das Thema gedrosselt ist):"

# Appointments and reminders
FAMILY_CONFIRMED = "Die Familie hat Termin #{id} bestätigt."
FAMILY_CANCELLED = "Die Familie hat Termin #{id} abgesagt."
FAMILY_OTHER_DATE = "Die Familie braucht für Termin #{id} einen anderen Termin."
APPOINTMENT_NOT_DELIVERED = "⚠️ Termin #{id} nicht zugestellt: die Familie hat den Bot blockiert."
APPOINTMENT_NOT_SENT = (
    "⚠️ Termin #{id} ist gespeichert, aber die Nachricht an die Familie ist nicht angekommen. "
    "Bitte schreibt der Familie hier im Thema."
)
NOT_BOOKED = "Nicht gebucht: {why}"
NOT_MOVED = "Nicht verschoben: {why}"
BOOKED = "Termin #{id} gebucht: {when}, {place}. Erinnerungen: {reminders}."
NO_REMINDERS = "keine (zu kurzfristig)"
CHANGE_USAGE = "/appointment cancel ID oder /appointment move ID DATUM UHRZEIT"
NO_OPEN_APPOINTMENT = "Kein offener Termin #{id}."
CANCELLED_BY_CENTRE = "Termin #{id} abgesagt; die Familie ist informiert."
CANCELLED_NOT_TOLD = "Termin #{id} abgesagt; die Familie konnte nicht benachrichtigt werden."
MOVED = "Termin #{id} verschoben auf {when}."
NO_UPCOMING = "Keine anstehenden Termine."
UPCOMING_LINE = "#{id} {when} · {status} · {place}"
REMINDER_UNDELIVERABLE = (
    "⚠️ Erinnerung an Termin #{id} nicht zustellbar: die Familie hat den Bot blockiert."
)
REMINDER_REFUSED = "⚠️ Erinnerung an Termin #{id} nicht zustellbar: Telegram hat sie abgelehnt."
NOT_CONFIRMED_YET = "Termin #{id} ist noch nicht bestätigt (erste Erinnerung ist raus)."

# Events and the knowledge base
FEED_BROKEN = "Der Kalender-Feed ist fehlerhaft ({why}); die letzte gültige Fassung bleibt."
KB_BROKEN = "Die geänderte Wissensbasis hat Fehler; die bisherige bleibt in Betrieb.\n{report}"
KB_RELOADED = (
    "Wissensbasis neu geladen: {entries} Einträge, {events} Termine, {warnings} Warnungen; "
    "{told} Abonnent(en) über neue Termine informiert."
)
NOT_TOLD = "{count} Abonnent(en) nicht erreicht (blockiert oder gerade nicht zustellbar)."

# Questions without a confident answer (/unanswered) and accepted phrasings
USE_IN_STAFF_GROUP = "Bitte in der Gruppe der Mitarbeitenden verwenden."
UNANSWERED_USAGE = "Bitte so: /unanswered oder /unanswered TAGE (1–365), z. B. /unanswered 7"
UNANSWERED_NONE = "Keine offenen Fragen in den letzten {days} Tagen."
UNANSWERED_HEADER = (
    "Offene Fragen der letzten {days} Tage: {questions} ohne sichere Antwort, in {groups} "
    "Gruppe(n), die häufigsten zuerst. ➕ nimmt die Frage als Formulierung in den Eintrag auf "
    "(Datei der Wissensbasis), Ignorieren löscht die Gruppe."
)
UNANSWERED_SHOWN = "Hier die {shown} häufigsten."
GROUP_LINE = "{number}. {count}× · {languages} · {reasons}"
REASON_LABELS = {
    "none": "{count}× keine Antwort",
    "unsure": "{count}× unsicher (Vorschläge gezeigt)",
    "unhelpful": "{count}× „hat nicht geholfen“",
}
RATED_ANSWER = "bei {titles}"
QUESTION_UNKNOWN = "(die Frage dazu ist nicht bekannt)"
BUTTON_ADD_PHRASING = "➕ Formulierung von {title}"
BUTTON_IGNORE = "Ignorieren"
GROUP_GONE = "Diese Gruppe gibt es nicht mehr (schon erledigt?). Bitte /unanswered neu aufrufen."
ENTRY_GONE = "Den Eintrag „{entry}“ gibt es in der Wissensbasis nicht mehr."
ALREADY_ADDED = "Schon erledigt: „{text}“ steht bei „{title}“ ({lang}) – {by}."
ALREADY_IGNORED = "Schon erledigt: diese Gruppe wurde ignoriert – {by}."
ALREADY_IN_LIST = "„{text}“ steht schon bei „{title}“ ({lang}); nichts geändert. Gruppe erledigt."
PHRASING_ADDED = (
    "✅ „{text}“ ist jetzt eine Formulierung von „{title}“ ({lang}), in {file}. "
    "{questions} gespeicherte Frage(n) erledigt."
)
NOW_CONFIDENT = "Der Assistent beantwortet sie jetzt sicher mit diesem Eintrag."
NOT_YET_CONFIDENT = (
    "Achtung: der Assistent beantwortet sie noch nicht sicher mit diesem Eintrag "
    "(ähnliche Einträge liegen nah beieinander)."
)
IGNORED = "Ignoriert: {questions} gespeicherte Frage(n) gelöscht."
PHRASING_READ_ONLY = (
    "Nicht übernommen: die Datei {file} (oder ihr Ordner) ist schreibgeschützt. "
    "Nichts wurde geändert; bitte die IT fragen."
)
PHRASING_INVALID = (
    "Nicht übernommen: mit der neuen Zeile hätte die Wissensbasis Fehler; nichts wurde "
    "geändert, die bisherige bleibt in Betrieb.\n{report}"
)
PHRASING_NOT_EDITABLE = (
    "Nicht übernommen: {file} lässt sich nicht automatisch ergänzen ({why}). "
    "Nichts wurde geändert; bitte von Hand eintragen."
)
PHRASING_EMPTY = "Nicht übernommen: die Frage enthält keinen Text, der sich eintragen lässt."
PHRASING_WRITE_FAILED = (
    "Nicht übernommen: die Datei {file} ließ sich nicht schreiben ({why}). Nichts wurde geändert."
)
SEALED_FIGURE = "Sealed-Testsatz {place}: {before} → {after} ({change})"
ONE_QUESTION, QUESTIONS = "Frage", "Fragen"
SEALED_MISSING = (
    "Der Sealed-Testsatz ({path}) ist hier nicht vorhanden. Messen im Quellcode-Ordner mit "
    "`make bench` oder `.venv/bin/python bench/accuracy.py --part sealed`."
)

# Statistics (/stats, the weekly digest, ``wegweiser report``); "{a} | {b}": 7 | 30 days
STATS_TITLE = "📊 Statistik"
DIGEST_TITLE = "📊 Wochenbericht"
STATS_WINDOWS = "{title}: {windows}, Stand {until}"
STATS_WINDOW = "letzte {days} Tage"
STATS_QUESTIONS = "Fragen: {values}"
STATS_CONFIDENT = "sicher beantwortet: {values}"
STATS_REDIRECTED = "an andere Stellen verwiesen: {values}"
STATS_SUGGESTIONS = "Vorschlag gewählt: {values}"
STATS_VOTES = "„Hat das geholfen?“ ja/nein: {values}"
STATS_HANDOFFS = "Gespräche mit Mitarbeitenden geöffnet/geschlossen: {values}"
STATS_FIRST_REPLY = "erste Antwort der Mitarbeitenden (Median): {values}"
STATS_REMINDERS = "Erinnerungen gesendet/nicht zustellbar: {values}"
STATS_APPOINTMENTS = "Termine gebucht/bestätigt/abgesagt: {values}"
STATS_KEPT = "Termine wahrgenommen¹: {values}"
STATS_KEPT_NOTE = (
    "¹ Termin vorbei und weder abgesagt noch auf einen neuen Termin wartend; ob die Familie da "
    "war, wird nicht erfasst."
)
STATS_BY_LANGUAGE = "Nach Sprache ({windows}):"
STATS_BY_TOPIC = "Nach Thema ({windows}):"
STATS_NO_TOPIC = "ohne Thema"
# The knowledge base's topics (bot.core.knowledge.Topic) as staff read them.
TOPIC_LABELS = {
    "about": "Über das KI",
    "contacts": "Kontakt",
    "school_entry": "Schulanmeldung",
    "language_support": "Sprachförderung",
    "parents": "Eltern",
    "volunteering": "Ehrenamt",
    "events": "Veranstaltungen",
    "programmes": "Programme",
    "youth_culture": "Jugend und Kultur",
    "training_work": "Ausbildung und Arbeit",
    "anti_racism": "Gegen Rassismus",
    "teachers": "Lehrkräfte",
    "politics": "Politik und Integrationsrat",
    "other_authorities": "andere Stellen",
}
STATS_PART_QUESTIONS = "Fragen {values}"
STATS_PART_CONFIDENT = "sicher {values}"
STATS_PART_SUGGESTIONS = "Vorschläge {values}"
STATS_PART_VOTES = "ja/nein {values}"
STATS_PART_HANDOFFS = "Gespräche {values}"
STATS_PART_FIRST_REPLY = "erste Antwort {values}"
STATS_PART_REMINDERS = "Erinnerungen {values}"
STATS_PART_APPOINTMENTS = "Termine {values}"
DURATION_SECONDS = "{n} Sek."
DURATION_MINUTES = "{n} Min."
DURATION_HOURS = "{h} Std. {m} Min."
DURATION_DAYS = "{d} Tg. {h} Std."
CHART_TITLE = "Wegweiser – Fragen, Stand {until}"
CHART_WEEKS = "Fragen je Woche (7 Tage ab Datum) und Sprache"
CHART_TOPICS = "Fragen pro Thema, letzte {days} Tage"
CHART_CONFIDENT = "sicher beantwortet"
CHART_OTHER = "übrige"
CHART_MORE_LANGUAGES = "weitere Sprachen"
CHART_MORE_TOPICS = "weitere Themen"
CHART_EMPTY = "noch keine Fragen"
