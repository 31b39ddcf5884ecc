"""The pace of a guided breath: the phases of one breath, in seconds, from a homework's preset
and its prescribed rate. Pure Python (no Django).

A preset's pattern (resonance 5 in / 5 out, box 4-4-4-4, 4-7-8) keeps its ratio; when the
therapist set another rate (e.g. 5.5 breaths a minute after a resonance assessment) the whole
pattern is stretched to it. A custom rate without a pattern breathes out longer than in (4:6),
which is what slows the heart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessions.homework.presets import BREATHING, PACED_RATE_MAX, PACED_RATE_MIN, PRESET_BY_CODE

# In:out of a custom paced rate: a longer out-breath engages the vagal brake. [U]
CUSTOM_IN_SHARE = 0.4
# Cyclic sighing has no fixed count; a calm default: in, a short top-up, a long sigh out. [U]
CYCLIC_SIGH = (("in", 2.0), ("in again", 1.0), ("out", 6.0))

WORDS = {"in": "Breathe in", "in again": "A little more in", "hold": "Hold", "out": "Breathe out"}


@dataclass(frozen=True)
class Phase:
    name: str  # "in", "in again", "hold" or "out"
    seconds: float

    @property
    def words(self) -> str:
        return WORDS[self.name]


@dataclass(frozen=True)
class Pace:
    phases: tuple[Phase, ...]

    @property
    def cycle_seconds(self) -> float:
        return round(sum(p.seconds for p in self.phases), 3)

    @property
    def breaths_per_minute(self) -> float:
        return round(60 / self.cycle_seconds, 2)

    def as_data(self) -> str:
        """'in:5,out:5': the phases as the breathing script reads them from the page."""
        return ",".join(f"{p.name}:{p.seconds:g}" for p in self.phases)


def _stretched(pattern, rate: float | None) -> tuple[Phase, ...]:
    total = sum(seconds for _, seconds in pattern)
    factor = (60 / rate) / total if rate else 1.0
    return tuple(Phase(name, round(seconds * factor, 2)) for name, seconds in pattern)


def pace_for(technique: str, breaths_per_minute: float | None) -> Pace | None:
    """The guided pace of a practice, or None when it is not paced breathing (mindfulness,
    an unknown technique, a custom practice without a rate, or a rate out of bounds)."""
    rate = breaths_per_minute
    if rate is not None and not PACED_RATE_MIN <= rate <= PACED_RATE_MAX:
        return None
    preset = PRESET_BY_CODE.get(technique)
    if preset is not None:
        if preset.category != BREATHING:
            return None
        if preset.pattern:
            return Pace(_stretched(preset.pattern, rate))
        return Pace(_stretched(CYCLIC_SIGH, rate))
    if rate is None:
        return None
    cycle = 60 / rate
    return Pace(
        (
            Phase("in", round(cycle * CUSTOM_IN_SHARE, 2)),
            Phase("out", round(cycle * (1 - CUSTOM_IN_SHARE), 2)),
        )
    )
