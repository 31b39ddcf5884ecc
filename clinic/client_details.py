"""Rules for what a client's record may hold, as pure functions (no database): phone numbers
in E.164, and names that are test data rather than a person."""

import re

import phonenumbers

TEST_WORDS = {"test", "testing", "dummy", "asdf", "qwerty"}


def normalize_phone(value: str, *, region: str) -> str:
    """`value` as E.164 (+442079460958), reading numbers without a country code as `region`'s.

    Raises ValueError when it is not a valid phone number."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_test_data(name: str) -> bool:
    """A name such as "Taylor Test" or "Dummy Client": sample data, not a person's record."""
    words = {w.lower() for w in re.findall(r"\w+", name or "")}
    return bool(words & TEST_WORDS)
