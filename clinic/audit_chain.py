"""The audit trail as a hash chain, one per clinic, kept by the database itself.

A BEFORE INSERT trigger on clinic_auditevent (declared on AuditEvent) numbers each new event
after the last of its clinic (`seq`), copies that event's hash (`prev_hash`) and stores the
SHA-256 of the event's content together with it (`hash`). Whatever path writes an event (the
audit helpers, a bulk insert, raw SQL) it is chained; what the application passes for these
columns is overwritten. Appending takes a transaction-level advisory lock per clinic, so
concurrent writers queue instead of forking the chain (a partial unique index on
(clinic, seq) backs that up).

`manage.py audit_verify` recomputes every link and reports the first broken one per clinic: an
event whose content no longer matches its hash, a link that does not name the previous hash,
or a gap in the numbering (a removed event). Removing the newest events leaves no gap: the
command prints each clinic's head so it can be recorded elsewhere and compared later.

Never change how events already written are hashed: they would no longer verify. The couple
and client an event concerns (added later) enter the hash only when set, appended after the
original fields, so an event without them hashes exactly as every event did before
(EVENT_DIGEST extends DIGEST).
"""

from dataclasses import dataclass

# The event's content as canonical JSON (jsonb renders keys and numbers one way), with the
# previous hash: injective, so no two different events share an input.
DIGEST = (
    "encode(sha256(convert_to(jsonb_build_array("
    "{r}.clinic_id::text, {r}.seq, {r}.actor_id::text, {r}.action, {r}.object_type, "
    "{r}.object_id, extract(epoch from {r}.at)::text, host({r}.ip), {r}.channel, {r}.detail, "
    "{r}.prev_hash)::text, 'UTF8')), 'hex')"
)

# What every event is hashed with since events name their couple and client: the same array,
# extended by the two only when either is set (an array of another length, so still
# injective). Migration 0007 chained the events before it with DIGEST itself.
EVENT_DIGEST = (
    "encode(sha256(convert_to((jsonb_build_array("
    "{r}.clinic_id::text, {r}.seq, {r}.actor_id::text, {r}.action, {r}.object_type, "
    "{r}.object_id, extract(epoch from {r}.at)::text, host({r}.ip), {r}.channel, {r}.detail, "
    "{r}.prev_hash) || CASE WHEN {r}.couple_id IS NULL AND {r}.client_id IS NULL "
    "THEN '[]'::jsonb ELSE jsonb_build_array({r}.couple_id::text, {r}.client_id::text) END"
    ")::text, 'UTF8')), 'hex')"
)


# `seq > 0` (every chained event) matches the partial unique index on (clinic, seq), so the
# clinic's head is one index probe; without it PostgreSQL reads and sorts the clinic's whole
# trail for every event written, and a page's reads slow down as the trail grows.
LINK_NEW_EVENT = f"""
PERFORM pg_advisory_xact_lock(hashtext('attune_audit_chain'), hashtext(NEW.clinic_id::text));
SELECT seq, hash INTO _last_seq, _last_hash FROM clinic_auditevent
    WHERE clinic_id = NEW.clinic_id AND seq > 0 ORDER BY seq DESC LIMIT 1;
NEW.seq := coalesce(_last_seq, 0) + 1;
NEW.prev_hash := coalesce(_last_hash, '');
NEW.hash := {EVENT_DIGEST.format(r="NEW")};
RETURN NEW;
"""  # noqa: S608 (this module's constants only)  # nosec B608

VERIFY = f"""
SELECT c.slug, e.id, e.seq, e.prev_hash, e.hash,
       lag(e.seq) OVER w, lag(e.hash) OVER w, {EVENT_DIGEST.format(r="e")}
FROM clinic_auditevent e JOIN clinic_clinic c ON c.id = e.clinic_id
WINDOW w AS (PARTITION BY e.clinic_id ORDER BY e.seq)
ORDER BY c.slug, e.seq
"""  # noqa: S608 (this module's constants only)  # nosec B608


@dataclass(frozen=True)
class ChainReport:
    clinic: str
    events: int
    head_seq: int
    head_hash: str
    broken: str = ""  # the first broken link, in words; empty when the chain holds


def verify(connection) -> list[ChainReport]:
    """Walk every clinic's chain in order; one report per clinic."""
    reports: list[ChainReport] = []
    current: dict | None = None

    def close():
        if current is not None:
            reports.append(ChainReport(**current))

    with connection.cursor() as cursor:
        cursor.execute(VERIFY)
        for slug, event_id, seq, prev_hash, digest, last_seq, last_hash, expected in cursor:
            if current is None or current["clinic"] != slug:
                close()
                current = {"clinic": slug, "events": 0, "head_seq": 0, "head_hash": ""}
            current["events"] += 1
            current.update(head_seq=seq, head_hash=digest)
            if current.get("broken"):
                continue
            problem = _problem(seq, prev_hash, digest, last_seq, last_hash, expected)
            if problem:
                current["broken"] = f"event #{seq} ({event_id}) {problem}"
    close()
    return reports


def _problem(seq, prev_hash, digest, last_seq, last_hash, expected) -> str:
    if seq != (last_seq or 0) + 1:
        before = f"#{last_seq}" if last_seq else "the start"
        return f"follows {before}: {seq - (last_seq or 0) - 1} event(s) are missing"
    if prev_hash != (last_hash or ""):
        return "does not link to the event before it (its previous hash differs)"
    if digest != expected:
        return "was altered: its content no longer matches its hash"
    return ""
