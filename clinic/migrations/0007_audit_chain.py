"""Chain the audit trail: each event carries the hash of the one before it in its clinic
(clinic.audit_chain). Events already written are chained here, in the order they happened, so
`audit_verify` covers them too; from now on the database links every new event on insert."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

from clinic.audit_chain import DIGEST

BACKFILL = f"""
DO $$
DECLARE
    r clinic_auditevent%ROWTYPE;
    _clinic uuid;
    _seq bigint;
    _prev text;
BEGIN
    FOR r IN SELECT * FROM clinic_auditevent ORDER BY clinic_id, at, id LOOP
        IF _clinic IS DISTINCT FROM r.clinic_id THEN
            _clinic := r.clinic_id; _seq := 0; _prev := '';
        END IF;
        _seq := _seq + 1;
        r.seq := _seq;
        r.prev_hash := _prev;
        _prev := {DIGEST.format(r="r")};
        UPDATE clinic_auditevent SET seq = _seq, prev_hash = r.prev_hash, hash = _prev
            WHERE id = r.id;
    END LOOP;
END $$;
"""


def chain_existing_events(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The owner lifts the append-only trigger for this one backfill, in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute("ALTER TABLE clinic_auditevent DISABLE TRIGGER USER", params=None)
        schema_editor.execute(BACKFILL, params=None)
        schema_editor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER USER", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0006_couple_therapist_tenant_rows'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        pgtrigger.migrations.AddTrigger(
            model_name='auditevent',
            trigger=pgtrigger.compiler.Trigger(name='chain', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE _last_seq bigint; _last_hash text;', func="\nPERFORM pg_advisory_xact_lock(hashtext('attune_audit_chain'), hashtext(NEW.clinic_id::text));\nSELECT seq, hash INTO _last_seq, _last_hash FROM clinic_auditevent\n    WHERE clinic_id = NEW.clinic_id ORDER BY seq DESC LIMIT 1;\nNEW.seq := coalesce(_last_seq, 0) + 1;\nNEW.prev_hash := coalesce(_last_hash, '');\nNEW.hash := encode(sha256(convert_to(jsonb_build_array(NEW.clinic_id::text, NEW.seq, NEW.actor_id::text, NEW.action, NEW.object_type, NEW.object_id, extract(epoch from NEW.at)::text, host(NEW.ip), NEW.channel, NEW.detail, NEW.prev_hash)::text, 'UTF8')), 'hex');\nRETURN NEW;\n", hash='4b80391d6a0035288b9a901ad00ff1d47cd409ec', operation='INSERT', pgid='pgtrigger_chain_0aabd', table='clinic_auditevent', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(condition=models.Q(('seq__gt', 0)), fields=('clinic', 'seq'), name='auditevent_chain_seq'),
        ),
    ]
