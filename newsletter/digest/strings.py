"""Every fixed sentence of the digest, per language (the templates hold no language text).
`{site}` is the clinic's name, filled by the template."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "uk": {
        "heading": "Нові публікації",
        "lead_label": "Головне",
        "read_more": "Читати статтю",
        "more_in": "Також у розділі",
        "view_online": "Відкрити в браузері",
        "crisis_title": "Якщо вам зараз важко",
        "crisis_intro": "Деякі матеріали цього випуску стосуються тяжких тем. Якщо ви "
                        "думаєте про самогубство або у вас криза, телефонуйте:",
        "crisis_short": "Кризова допомога цілодобово",
        "disclaimer": "Матеріали розсилки мають інформаційний характер і не замінюють "
                      "консультації лікаря.",
        "unsubscribe": "Відписатися",
        "preferences": "Змінити теми чи мову",
        # The name after «розсилку» in quotes: it keeps its own form («Експіо Центр»), where the
        # bare name would need the genitive, which a setting cannot give.
        "why": "Ви отримали цей лист, бо підписалися на розсилку «{site}».",
        "none_for_you": "Цього разу у вибраних вами темах нового немає.",
        "all_new": "Усі нові публікації на сайті",
        "subscribe": "Керувати підпискою",
    },
    "en": {
        "heading": "New publications",
        "lead_label": "Featured",
        "read_more": "Read the article",
        "more_in": "Also in",
        "view_online": "View in your browser",
        "crisis_title": "If you are struggling right now",
        "crisis_intro": "Some articles in this issue deal with difficult subjects. If you are "
                        "thinking about suicide or are in crisis, call:",
        "crisis_short": "Crisis help, 24/7",
        "disclaimer": "This newsletter is information, not a substitute for a consultation "
                      "with a doctor.",
        "unsubscribe": "Unsubscribe",
        "preferences": "Change topics or language",
        "why": "You are receiving this because you subscribed to the newsletter of {site}.",
        "none_for_you": "Nothing new in the topics you chose this time.",
        "all_new": "All new publications on the site",
        "subscribe": "Manage your subscription",
    },
}


def strings_for(lang: str) -> dict[str, str]:
    return STRINGS.get(lang) or STRINGS["en"]
