"""The audit trail is a hash chain per clinic kept by the database: every insert is linked,
whatever wrote it, and `audit_verify` finds the first broken link after the owner (who can
get past the triggers) alters, removes or re-links an event."""

import re

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clinic import db_roles
from clinic.audit import record_event, record_read
from clinic.models import AuditEvent

AUDIT = AuditEvent._meta.db_table


def _events(clinic):
    return list(AuditEvent.objects.filter(clinic=clinic).order_by("seq"))


@pytest.mark.django_db
def test_every_event_is_linked_to_the_one_before_in_its_clinic(clinic, other_clinic, couple):
    record_event(clinic=clinic, actor=None, action="create", obj=couple)
    record_read(None, [couple.partner_a, couple.partner_b], clinic=clinic)
    record_event(clinic=other_clinic, actor=None, action="read", obj=other_clinic)
    # Whatever the application passes for the chain columns is overwritten.
    AuditEvent.objects.create(clinic=clinic, action="read", object_type="x", seq=99, hash="0")

    ours = _events(clinic)
    assert [e.seq for e in ours] == [1, 2, 3, 4]
    assert ours[0].prev_hash == ""
    assert [e.prev_hash for e in ours[1:]] == [e.hash for e in ours[:-1]]
    assert all(len(e.hash) == 64 for e in ours)
    assert [(e.seq, e.prev_hash) for e in _events(other_clinic)] == [(1, "")]


@pytest.mark.django_db
def test_audit_verify_reports_intact_chains(clinic, other_clinic, capsys):
    for _ in range(3):
        record_event(clinic=clinic, actor=None, action="read", obj=clinic)
    record_event(clinic=other_clinic, actor=None, action="read", obj=other_clinic)
    call_command("audit_verify")
    out = capsys.readouterr().out
    head = _events(clinic)[-1]
    assert f"harbour: intact, 3 events, head #3 {head.hash}" in out
    assert "elsewhere: intact, 1 events" in out


def _as_owner(*statements):
    """The owner's own connection: it may switch the triggers off, as an intruder with the
    owner's password could."""
    owner = db_roles.owner_credentials()
    dsn = psycopg.conninfo.make_conninfo(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"],
        host=owner["HOST"] or "127.0.0.1",
        port=owner["PORT"] or 5432,
        password=owner["PASSWORD"] or None,
    )
    with psycopg.connect(dsn) as conn, conn.transaction():
        # Foreign keys are checked at once, so no check is pending when the triggers go back on.
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        conn.execute(f"ALTER TABLE {AUDIT} DISABLE TRIGGER USER")
        for sql, params in statements:
            conn.execute(sql, params)
        conn.execute(f"ALTER TABLE {AUDIT} ENABLE TRIGGER USER")


@pytest.fixture
def chain(clinic, other_clinic):
    for action in ("create", "read", "update", "read", "sign"):
        record_event(clinic=clinic, actor=None, action=action, obj=clinic)
    record_event(clinic=other_clinic, actor=None, action="read", obj=other_clinic)
    return _events(clinic)


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_an_event_altered_by_the_owner(chain):
    _as_owner((f"UPDATE {AUDIT} SET action = 'read' WHERE id = %s", [chain[2].pk]))  # noqa: S608
    with pytest.raises(CommandError, match=r"harbour \(first at event #3 .* was altered"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_an_altered_event_whose_hash_was_recomputed(chain):
    """Rewriting the hash too breaks the next event's link."""
    from clinic.audit_chain import EVENT_DIGEST

    _as_owner(
        (f"UPDATE {AUDIT} SET action = 'read' WHERE id = %s", [chain[2].pk]),  # noqa: S608
        (f"UPDATE {AUDIT} e SET hash = {EVENT_DIGEST.format(r='e')} WHERE id = %s", [chain[2].pk]),  # noqa: S608
    )
    with pytest.raises(CommandError, match=r"event #4 .* does not link to the event before it"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_a_removed_event(chain, capsys):
    _as_owner((f"DELETE FROM {AUDIT} WHERE id = %s", [chain[1].pk]))  # noqa: S608
    with pytest.raises(CommandError, match=r"event #3 .* follows #1: 1 event\(s\) are missing"):
        call_command("audit_verify")
    assert "elsewhere: intact" in capsys.readouterr().out


def _trigger_head_lookup() -> str:
    """The statement the installed chain trigger runs to find the clinic's head, read from the
    database itself (so what is explained below is what every insert runs), as plain SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
            [AUDIT],
        )
        sources = [row[0] for row in cursor.fetchall()]
    lookups = [
        m.group(0)
        for source in sources
        for m in re.finditer(r"SELECT seq, hash INTO .*?LIMIT 1", source, re.DOTALL)
    ]
    assert len(lookups) == 1, "the chain trigger's head lookup was not found"
    sql = re.sub(r"INTO \S+, \S+ ", "", lookups[0])
    return sql.replace("NEW.clinic_id", "%s")


def _plan(sql: str, params) -> list[dict]:
    """The plan's nodes, depth first. Sequential and bitmap scans and sorts are priced out,
    as on a trail of any real size, so the plan is the same on a near-empty test table:
    a sort that remains means no index can hand over the newest event of a clinic."""
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        root = cursor.fetchone()[0][0]["Plan"]
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


@pytest.mark.django_db
def test_linking_an_event_finds_the_clinic_head_through_the_chain_index(clinic, couple):
    # Not a timing: without the index each insert reads and sorts the clinic's whole trail, so
    # a page's audit rows get slower as the trail grows (bench.caseload measured 4 ms an event
    # at 12,000 events). The plan, not PostgreSQL's shared scan counters (which lag).
    record_read(None, [couple.partner_a, couple.partner_b], clinic=clinic)
    record_read(None, [couple, couple.partner_a, couple.partner_b], clinic=clinic)
    assert [e.seq for e in _events(clinic)] == [1, 2, 3, 4, 5]
    lookup = _trigger_head_lookup()
    nodes = _plan(lookup, [clinic.pk])
    assert nodes[0]["Node Type"] == "Limit"
    scan = nodes[1]
    assert (scan["Node Type"], scan["Index Name"]) == ("Index Scan", "auditevent_chain_seq")
    assert scan["Scan Direction"] == "Backward"  # the newest event first: one probe, no sort
    assert "clinic_id" in scan["Index Cond"]
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
    # The check can fail: without `seq > 0` the partial index does not apply, and the same
    # lookup sorts the clinic's trail.
    unindexed = _plan(lookup.replace(" AND seq > 0", ""), [clinic.pk])
    assert not any(n.get("Index Name") == "auditevent_chain_seq" for n in unindexed)


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_an_event_moved_to_another_client(clinic, couple):
    """Whose record an event concerns is part of its hash: pinning a read on another client
    (or hiding it from the first) is tampering like any other."""
    record_read(None, couple.partner_a, clinic=clinic)
    record_event(clinic=clinic, actor=None, action="read", obj=clinic)
    event = _events(clinic)[0]
    assert event.client_id == couple.partner_a.pk
    _as_owner(
        (f"UPDATE {AUDIT} SET client_id = %s WHERE id = %s", [couple.partner_b.pk, event.pk])  # noqa: S608
    )
    with pytest.raises(CommandError, match=r"harbour \(first at event #1 .* was altered"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_an_event_without_a_subject_hashes_as_events_did_before_subjects(clinic):
    """Events written before the couple and client columns existed still verify: the hash of
    an event that names neither is the original digest, unchanged."""
    from clinic.audit_chain import DIGEST

    record_event(clinic=clinic, actor=None, action="update", obj=clinic, detail={"a": [1]})
    event = _events(clinic)[0]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {DIGEST.format(r='e')} FROM {AUDIT} e WHERE id = %s", [event.pk])  # noqa: S608
        assert cursor.fetchone()[0] == event.hash
