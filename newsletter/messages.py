"""The few reader-facing strings of the endpoint's own pages and mails, per language.

The result messages for outcome codes are the theme's (static pages and form templates); these
are only the confirmation mail and the unsubscribe / preferences pages. No HTML in strings.
In Ukrainian `{site}` stands in quotes after a noun («розсилку „Експіо Центр“»): the name keeps
its nominative there, where bare it would need the genitive.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "uk": {
        "confirm_subject": "Підтвердьте підписку на розсилку «{site}»",
        "confirm_intro": "Ви (або хтось від вашого імені) підписалися на розсилку «{site}».",
        "confirm_action": "Підтвердити підписку",
        "confirm_title": "Підтвердження підписки",
        "confirm_question": "Підтвердити підписку на розсилку для {email}?",
        "confirm_ignore": "Якщо це були не ви, просто проігноруйте цей лист: без підтвердження "
                          "ми нічого не надсилатимемо.",
        "already_subject": "Ви вже підписані на розсилку «{site}»",
        "already_intro": "Ця адреса вже отримує розсилку «{site}». Змінити теми чи мову можна "
                         "за посиланням нижче.",
        "topics": "Теми",
        "preferences": "Змінити налаштування",
        "unsubscribe": "Відписатися",
        "unsubscribe_title": "Відписатися від розсилки",
        "unsubscribe_question": "Припинити надсилати розсилку на {email}?",
        "preferences_title": "Налаштування розсилки",
        "preferences_for": "Адреса: {email}",
        "language": "Мова листів",
        "save": "Зберегти",
        "back": "На головну",
    },
    "en": {
        "confirm_subject": "Confirm your subscription to the {site} newsletter",
        "confirm_intro": "You (or someone on your behalf) subscribed to the {site} newsletter.",
        "confirm_action": "Confirm subscription",
        "confirm_title": "Confirm your subscription",
        "confirm_question": "Confirm the newsletter subscription for {email}?",
        "confirm_ignore": "If this was not you, just ignore this email: without confirmation "
                          "we send nothing.",
        "already_subject": "You are already subscribed to the {site} newsletter",
        "already_intro": "This address already receives the {site} newsletter. You can change "
                         "topics or language with the link below.",
        "topics": "Topics",
        "preferences": "Change preferences",
        "unsubscribe": "Unsubscribe",
        "unsubscribe_title": "Unsubscribe from the newsletter",
        "unsubscribe_question": "Stop sending the newsletter to {email}?",
        "preferences_title": "Newsletter preferences",
        "preferences_for": "Address: {email}",
        "language": "Email language",
        "save": "Save",
        "back": "Home page",
    },
}

LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}


def text(lang: str, key: str, **values: str) -> str:
    """The string `key` in `lang` (English when the language has none), formatted."""
    table = MESSAGES.get(lang) or MESSAGES["en"]
    return (table.get(key) or MESSAGES["en"][key]).format(**values)
