"""Homework defaults: time-out agreement terms and breathing / mindfulness practice presets.

Pure Python (no Django). Figures come from docs physiology.md: [V] where sources agree,
[U] where the limit is our judgement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sessions.field_errors import FieldError

BREATHING = "breathing"
MINDFULNESS = "mindfulness"


class HomeworkError(FieldError):
    """Homework terms that cannot be agreed; `field` names the input for the API."""


# --- time-out agreement (Gottman's "flooding") ---------------------------------------------

# A flooded body needs at least about 20 minutes to settle [V]; a break longer than a day
# stops being a pause and becomes avoidance [V].
TIMEOUT_MIN_BREAK_MINUTES = 20
TIMEOUT_MAX_BREAK_MINUTES = 1440
# Flooding sets in around 100 bpm [V] (about 80 for very fit people, or 10 bpm over the
# person's calm baseline), so the cue is offered at 100 and may be lowered.
SUGGESTED_HEART_RATE_CUE = 100
# A cue under 60 would fire at rest; over 150 is far past flooding. [U]
HEART_RATE_CUE_MIN, HEART_RATE_CUE_MAX = 60, 150


@dataclass(frozen=True)
class TimeOutTerms:
    min_break_minutes: int
    max_break_minutes: int
    heart_rate_cue: int | None  # None: no heart-rate cue agreed
    # The partner who calls the break always names when they will come back.
    return_time_required: bool = True


TIMEOUT_DEFAULTS = TimeOutTerms(
    min_break_minutes=TIMEOUT_MIN_BREAK_MINUTES,
    max_break_minutes=TIMEOUT_MAX_BREAK_MINUTES,
    heart_rate_cue=None,
)

TIMEOUT_STEPS: tuple[str, ...] = (
    "Either of you can call a time-out when you feel flooded: heart racing, thoughts "
    "speeding, hard to listen.",
    'The one who calls it says when they will come back, for example "I need a break. '
    "I'll come back at eight.\"",
    "The other agrees and lets it go, without a last word.",
    "Each of you goes to a separate space for at least 20 minutes and no more than a day.",
    "Use the time to calm your body: walk, listen to music, read, or practise slow "
    "breathing. Try not to rehearse the argument.",
    "Come back at the agreed time, even if you still feel upset. If you need longer, ask "
    "for a specific extension.",
)


def validate_timeout_terms(
    min_break_minutes: int, max_break_minutes: int, heart_rate_cue: int | None
) -> TimeOutTerms:
    """Check a couple's time-out terms against the flooding limits; HomeworkError(field) if not."""
    _whole_number("min_break_minutes", min_break_minutes, "The shortest break")
    _whole_number("max_break_minutes", max_break_minutes, "The longest break")
    if min_break_minutes < TIMEOUT_MIN_BREAK_MINUTES:
        raise HomeworkError(
            "min_break_minutes",
            f"A break must last at least {TIMEOUT_MIN_BREAK_MINUTES} minutes: a flooded "
            "body needs about that long to calm down.",
        )
    if max_break_minutes > TIMEOUT_MAX_BREAK_MINUTES:
        raise HomeworkError(
            "max_break_minutes",
            f"A break can last at most 24 hours ({TIMEOUT_MAX_BREAK_MINUTES} minutes); "
            "longer, it stops being a pause.",
        )
    if max_break_minutes < min_break_minutes:
        raise HomeworkError(
            "max_break_minutes",
            f"The longest break ({max_break_minutes} min) is shorter than the shortest "
            f"({min_break_minutes} min).",
        )
    if heart_rate_cue is not None:
        _whole_number("heart_rate_cue", heart_rate_cue, "The heart-rate cue")
        if not HEART_RATE_CUE_MIN <= heart_rate_cue <= HEART_RATE_CUE_MAX:
            raise HomeworkError(
                "heart_rate_cue",
                f"The heart-rate cue must be {HEART_RATE_CUE_MIN} to {HEART_RATE_CUE_MAX} bpm "
                f"(about {SUGGESTED_HEART_RATE_CUE} suits most people).",
            )
    return TimeOutTerms(min_break_minutes, max_break_minutes, heart_rate_cue)


# --- breathing and mindfulness practices ---------------------------------------------------

# A paced rate below 3 breaths/min strains; above 10 is ordinary breathing. [U]
PACED_RATE_MIN, PACED_RATE_MAX = 3.0, 10.0
PRACTICE_MINUTES_MIN, PRACTICE_MINUTES_MAX = 1, 60

_LIGHT_HEADED = (
    "If you feel light-headed or short of breath, stop and breathe normally for a while. "
    "Slower is not better if it strains."
)


@dataclass(frozen=True)
class PracticePreset:
    code: str
    name: str
    category: str
    default_minutes: int
    instructions: str
    # Phases of one breath in seconds, e.g. (("in", 4), ("hold", 7), ("out", 8)); () if free.
    pattern: tuple[tuple[str, int], ...] = ()
    breaths_per_minute: float | None = None
    cycles: int | None = None  # for practices counted in cycles rather than minutes
    times_per_day: int = 1
    caution: str = ""


def _rate(pattern: tuple[tuple[str, int], ...]) -> float:
    return round(60 / sum(seconds for _, seconds in pattern), 2)


_RESONANCE = (("in", 5), ("out", 5))
_BOX = (("in", 4), ("hold", 4), ("out", 4), ("hold", 4))
_FOUR_SEVEN_EIGHT = (("in", 4), ("hold", 7), ("out", 8))

PRESETS: tuple[PracticePreset, ...] = (
    PracticePreset(
        code="resonance_breathing",
        name="Resonance breathing",
        category=BREATHING,
        default_minutes=15,
        pattern=_RESONANCE,
        breaths_per_minute=_rate(_RESONANCE),  # about 6 a minute [V]
        instructions=(
            "Sit comfortably with your feet on the floor. Breathe in gently through your "
            "nose for a count of five, then breathe out slowly for a count of five. That is "
            "about six breaths a minute. Let each breath be soft rather than deep. When your "
            "mind wanders, notice it and come back to the count. Aim for 15 to 20 minutes a "
            "day."
        ),
        caution=_LIGHT_HEADED,
    ),
    PracticePreset(
        code="box_breathing",
        name="Box breathing",
        category=BREATHING,
        default_minutes=5,  # [U] no agreed length; a few minutes is the usual practice
        pattern=_BOX,
        breaths_per_minute=_rate(_BOX),
        instructions=(
            "Breathe in for a count of four, hold for four, breathe out for four, and hold "
            "again for four. Picture tracing the sides of a square. Keep the holds relaxed, "
            "not tight. Carry on for about five minutes."
        ),
        caution=_LIGHT_HEADED,
    ),
    PracticePreset(
        code="cyclic_sighing",
        name="Cyclic sighing",
        category=BREATHING,
        default_minutes=5,  # [V]
        instructions=(
            "Breathe in through your nose, then take a second, shorter breath in on top of "
            "it to fill your lungs. Then let the air out slowly and fully through your "
            "mouth. Let the breath out be longer than the two breaths in. Repeat at your "
            "own pace for five minutes a day."
        ),
        caution=_LIGHT_HEADED,
    ),
    PracticePreset(
        code="breathing_4_7_8",
        name="4-7-8 breathing",
        category=BREATHING,
        # Four cycles of 19 seconds take about a minute and a quarter, rounded up.
        default_minutes=2,
        pattern=_FOUR_SEVEN_EIGHT,
        breaths_per_minute=_rate(_FOUR_SEVEN_EIGHT),
        cycles=4,
        times_per_day=2,
        instructions=(
            "Sit down. Breathe in quietly through your nose for a count of four, hold for "
            "seven, then breathe out through your mouth for eight. That is one cycle. Do "
            "four cycles, twice a day."
        ),
        caution=(
            "This can make you light-headed at first. Practise sitting down, keep to four "
            "cycles while you learn it, and stop and breathe normally if you feel dizzy."
        ),
    ),
    PracticePreset(
        code="body_scan_short",
        name="Short body scan (trauma-sensitive)",
        category=MINDFULNESS,
        # MBSR's body scan runs about 45 minutes; trauma-sensitive versions are shorter. [V]
        default_minutes=10,
        instructions=(
            "Sit or lie in a way that feels safe. You can keep your eyes open. Bring your "
            "attention to a neutral place, such as your feet on the floor or your hands "
            "resting in your lap. Notice what is there: warmth, pressure, tingling, or "
            "nothing in particular. Move slowly to other areas that feel comfortable, and "
            "skip any that do not. You can stop at any time."
        ),
        caution="If the practice stirs up distress, open your eyes, look around the room and "
        "stop. Stopping is always allowed.",
    ),
    PracticePreset(
        code="grounding_5_4_3_2_1",
        name="5-4-3-2-1 grounding",
        category=MINDFULNESS,
        default_minutes=3,  # "a few minutes" [V]
        instructions=(
            "Look around and name five things you can see. Then four things you can touch, "
            "three things you can hear, two things you can smell, and one thing you can "
            "taste. Take your time with each one."
        ),
    ),
    PracticePreset(
        code="meditation",
        name="Sitting meditation",
        category=MINDFULNESS,
        default_minutes=10,  # [U]
        instructions=(
            "Sit comfortably and let your breathing be natural. Rest your attention on the "
            "feeling of the breath. When thoughts pull you away, notice them kindly and "
            "come back to the breath. There is nothing to achieve."
        ),
    ),
)

PRESET_BY_CODE: dict[str, PracticePreset] = {p.code: p for p in PRESETS}


@dataclass(frozen=True)
class PracticePlan:
    technique: str
    breaths_per_minute: float | None
    minutes: int


def validate_practice(
    technique: str, breaths_per_minute: float | None, minutes: int | None
) -> PracticePlan:
    """Check a practice assignment; a None rate or length takes the preset's default.

    Breathing rates must be 3-10 breaths/min; mindfulness practices take no rate. A
    practice lasts 1-60 minutes. Raises HomeworkError(field) with the field at fault.
    """
    preset = PRESET_BY_CODE.get(technique) if isinstance(technique, str) else None
    if preset is None:
        codes = ", ".join(PRESET_BY_CODE)
        raise HomeworkError("technique", f"Unknown practice {technique!r}; use one of: {codes}.")

    rate = preset.breaths_per_minute if breaths_per_minute is None else breaths_per_minute
    if breaths_per_minute is not None:
        if preset.category != BREATHING:
            raise HomeworkError(
                "breaths_per_minute", f"{preset.name} has no breathing pace to set."
            )
        if (
            isinstance(breaths_per_minute, bool)
            or not isinstance(breaths_per_minute, int | float)
            or not math.isfinite(breaths_per_minute)
            or not PACED_RATE_MIN <= breaths_per_minute <= PACED_RATE_MAX
        ):
            raise HomeworkError(
                "breaths_per_minute",
                f"A paced breathing rate must be {PACED_RATE_MIN:g} to {PACED_RATE_MAX:g} "
                "breaths a minute (resonance breathing is about 6).",
            )
        rate = float(breaths_per_minute)

    length = preset.default_minutes if minutes is None else minutes
    _whole_number("minutes", length, "The practice length")
    if not PRACTICE_MINUTES_MIN <= length <= PRACTICE_MINUTES_MAX:
        raise HomeworkError(
            "minutes",
            f"A practice lasts {PRACTICE_MINUTES_MIN} to {PRACTICE_MINUTES_MAX} minutes.",
        )
    return PracticePlan(technique=preset.code, breaths_per_minute=rate, minutes=length)


def _whole_number(field: str, value: object, label: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise HomeworkError(field, f"{label} must be a whole number of {_unit(field)}.")


def _unit(field: str) -> str:
    return "bpm" if field == "heart_rate_cue" else "minutes"
