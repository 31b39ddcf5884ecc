"""Declare the locks of signed notes, addenda, agreements, homework and logs on the models
(django-pgtrigger) instead of the hand-written triggers of 0002, 0004, 0005 and 0006; refuse
TRUNCATE of those tables and any change to a voided log or reading. On SQLite (the quick
start) the triggers of the earlier migrations stay as they are."""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

HAND_WRITTEN = [
    ("sessions", "0002_note_lock_triggers"),
    ("sessions", "0006_note_cosigner_reassign"),
    ("sessions", "0004_agreement_append_only"),
    ("sessions", "0005_homework_records_never_deleted"),
]


def _modules():
    return [importlib.import_module(f"{app}.migrations.{name}") for app, name in HAND_WRITTEN]


def drop_hand_written(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # 0006 only replaced 0002's function, which 0002's backward SQL drops.
        for module in _modules():
            if "0006" not in module.__name__:
                schema_editor.execute(module.PG_BACKWARD, params=None)


def restore_hand_written(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for module in _modules():
            schema_editor.execute(module.PG_FORWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('therapy_sessions', '0013_note_risk_not_chosen'),
    ]

    operations = [
        migrations.RunPython(drop_hand_written, restore_hand_written),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementresponse',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'answers to time-out agreements are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';", hash='8bd9454855a8c06e8717c6f87648718c5c1747cb', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_41633', table='therapy_sessions_agreementresponse', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementresponse',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'answers to time-out agreements are never truncated' USING ERRCODE = 'restrict_violation';", hash='8d3e4f2a4624829359a71c645f912eb15ef92b19', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_4d9c8', table='therapy_sessions_agreementresponse', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementversion',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'time-out agreement versions are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';", hash='a780467f1d8aad7cacf820fbd0d3e3c6387dd71e', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_6a12b', table='therapy_sessions_agreementversion', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementversion',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'time-out agreement versions are never truncated' USING ERRCODE = 'restrict_violation';", hash='e440f9937241a47e8a0f26881df7b4fb149acaa1', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_7d41f', table='therapy_sessions_agreementversion', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checkin',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'check-ins are never deleted; end, archive or void them instead' USING ERRCODE = 'restrict_violation';", hash='6764a647fa276b12260507ff75527e8c3a801f5a', operation='DELETE', pgid='pgtrigger_never_deleted_d657d', table='therapy_sessions_checkin', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checkin',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'check-ins are never truncated' USING ERRCODE = 'restrict_violation';", hash='b26c1882c1498fe4715f97b6d9ec1261e8e96acf', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_96d74', table='therapy_sessions_checkin', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checkin',
            trigger=pgtrigger.compiler.Trigger(name='voided_lock', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."voided_at" IS NOT NULL)', func="RAISE EXCEPTION 'check-in % was voided and is kept as it is', OLD.id USING ERRCODE = 'restrict_violation';", hash='c256bc3315ee6a5b1a7fa1435f30c3c13d03d9c8', operation='UPDATE', pgid='pgtrigger_voided_lock_72284', table='therapy_sessions_checkin', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='homework',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'homework are never deleted; end, archive or void them instead' USING ERRCODE = 'restrict_violation';", hash='cfaf5216d051aef0590f8e5e146aa12abb9de52f', operation='DELETE', pgid='pgtrigger_never_deleted_24a2f', table='therapy_sessions_homework', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='homework',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'homework are never truncated' USING ERRCODE = 'restrict_violation';", hash='52a3960808385ea1d4de5e8ed761d52cadb3a71c', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_85f19', table='therapy_sessions_homework', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'measurements are never deleted; end, archive or void them instead' USING ERRCODE = 'restrict_violation';", hash='408529aab983002c8b3c90e54fa313df1822b430', operation='DELETE', pgid='pgtrigger_never_deleted_e4e23', table='therapy_sessions_measurement', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'measurements are never truncated' USING ERRCODE = 'restrict_violation';", hash='cacd7cd03abd6efb3b20d8b0c03f31764816a538', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_b0cfb', table='therapy_sessions_measurement', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='voided_lock', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."voided_at" IS NOT NULL)', func="RAISE EXCEPTION 'measurement % was voided and is kept as it is', OLD.id USING ERRCODE = 'restrict_violation';", hash='2b1ef69a11d133d747f748be982477f3293632a3', operation='UPDATE', pgid='pgtrigger_voided_lock_6a0b1', table='therapy_sessions_measurement', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurementimport',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'device imports are never deleted; end, archive or void them instead' USING ERRCODE = 'restrict_violation';", hash='360c15c9ef9e8ee49b96a19658d92638956c2527', operation='DELETE', pgid='pgtrigger_never_deleted_3d0d7', table='therapy_sessions_measurementimport', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurementimport',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'device imports are never truncated' USING ERRCODE = 'restrict_violation';", hash='ff662eddea835eb479fbf1f872402d16f2b756ac', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_a6556', table='therapy_sessions_measurementimport', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='noteaddendum',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="\nIF TG_OP = 'INSERT' THEN\n    IF NOT EXISTS (\n        SELECT 1 FROM therapy_sessions_sessionnote WHERE id = NEW.note_id AND signed_at IS NOT NULL\n    ) THEN\n        RAISE EXCEPTION 'addenda are added to signed notes only'\n            USING ERRCODE = 'restrict_violation';\n    END IF;\n    RETURN NEW;\nEND IF;\nRAISE EXCEPTION 'note addenda are append-only (% refused)', TG_OP\n    USING ERRCODE = 'restrict_violation';\n", hash='6c5914abba67fe9e26d82409cdbc99d5e51c5262', operation='INSERT OR UPDATE OR DELETE', pgid='pgtrigger_append_only_30573', table='therapy_sessions_noteaddendum', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='noteaddendum',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'note addenda are never truncated' USING ERRCODE = 'restrict_violation';", hash='ef4b2decdab96d275063b35e962fed14ee493759', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_f8a5f', table='therapy_sessions_noteaddendum', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='practicelog',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'practice logs are never deleted; end, archive or void them instead' USING ERRCODE = 'restrict_violation';", hash='0cef5a962bd8071cea2fe2f4691b9c11b6f4275f', operation='DELETE', pgid='pgtrigger_never_deleted_9c1db', table='therapy_sessions_practicelog', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='practicelog',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'practice logs are never truncated' USING ERRCODE = 'restrict_violation';", hash='7052bd1bcc2e52028816072817404513cc812edf', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_2710a', table='therapy_sessions_practicelog', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='practicelog',
            trigger=pgtrigger.compiler.Trigger(name='voided_lock', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."voided_at" IS NOT NULL)', func="RAISE EXCEPTION 'practice log % was voided and is kept as it is', OLD.id USING ERRCODE = 'restrict_violation';", hash='08ecc293e45b0c6e7d1277f096244fe0cdd7089f', operation='UPDATE', pgid='pgtrigger_voided_lock_3758a', table='therapy_sessions_practicelog', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sessionnote',
            trigger=pgtrigger.compiler.Trigger(name='signed_lock', sql=pgtrigger.compiler.UpsertTriggerSql(func="\nIF TG_OP = 'DELETE' THEN\n    RAISE EXCEPTION 'session notes are never deleted (note %)', OLD.id\n        USING ERRCODE = 'restrict_violation';\nEND IF;\nIF OLD.signed_at IS NULL THEN\n    RETURN NEW;\nEND IF;\nIF OLD.state = 'awaiting_cosignature' AND OLD.cosigned_at IS NULL\n   AND NEW.state = 'signed' AND NEW.cosigned_at IS NOT NULL\n   AND NEW.cosigned_by_id IS NOT NULL AND NEW.cosigned_by_id = OLD.cosigner_required_id\n   AND (to_jsonb(NEW) - 'state' - 'cosigned_at' - 'cosigned_by_id')\n     = (to_jsonb(OLD) - 'state' - 'cosigned_at' - 'cosigned_by_id') THEN\n    RETURN NEW;\nEND IF;\nIF OLD.state = 'awaiting_cosignature' AND OLD.cosigned_at IS NULL\n   AND NEW.state = 'awaiting_cosignature' AND NEW.cosigned_at IS NULL\n   AND NEW.cosigned_by_id IS NULL AND NEW.cosigner_required_id IS NOT NULL\n   AND (to_jsonb(NEW) - 'cosigner_required_id') = (to_jsonb(OLD) - 'cosigner_required_id') THEN\n    RETURN NEW;\nEND IF;\nRAISE EXCEPTION 'session note % is signed and cannot be changed; add an addendum', OLD.id\n    USING ERRCODE = 'restrict_violation';\n", hash='e767edaf629953f68ff922f80861081ded1665c2', operation='UPDATE OR DELETE', pgid='pgtrigger_signed_lock_b7e0a', table='therapy_sessions_sessionnote', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sessionnote',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'session notes are never truncated' USING ERRCODE = 'restrict_violation';", hash='63d367fda6d62068b53e1417ffd23baa1fe247dc', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_c061d', table='therapy_sessions_sessionnote', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='timeoutlog',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'time-out logs are never deleted; end, archive or void them instead' USING ERRCODE = 'restrict_violation';", hash='2efe15f1d641e02e97e97eb724dced64cf9afab2', operation='DELETE', pgid='pgtrigger_never_deleted_d115a', table='therapy_sessions_timeoutlog', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='timeoutlog',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'time-out logs are never truncated' USING ERRCODE = 'restrict_violation';", hash='911379f0fe0153741b2cc61c0ee9307e0ee1bf6f', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_4418b', table='therapy_sessions_timeoutlog', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='timeoutlog',
            trigger=pgtrigger.compiler.Trigger(name='voided_lock', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."voided_at" IS NOT NULL)', func="RAISE EXCEPTION 'time-out log % was voided and is kept as it is', OLD.id USING ERRCODE = 'restrict_violation';", hash='7dbd09c8a3d7837fc0f6f91c351e587a3edf6693', operation='UPDATE', pgid='pgtrigger_voided_lock_630e6', table='therapy_sessions_timeoutlog', when='BEFORE')),
        ),
    ]
