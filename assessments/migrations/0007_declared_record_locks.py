"""Declare the locks of submitted (or declined) responses and acknowledged risk alerts on the
models (django-pgtrigger) instead of the hand-written triggers of 0002 (and 0004's version of the
response lock), and refuse TRUNCATE. On SQLite (the quick start) the triggers of 0002 and 0004
stay as they are."""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

HAND_WRITTEN = [("assessments", "0002_response_lock_triggers")]


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
        declined = importlib.import_module("assessments.migrations.0004_response_declined")
        schema_editor.execute(declined._pg_lock("'submitted', 'declined'"), params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0006_response_triggers_on_sqlite'),
    ]

    operations = [
        migrations.RunPython(drop_hand_written, restore_hand_written),
        pgtrigger.migrations.AddTrigger(
            model_name='response',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'questionnaire responses are never deleted (response %)', OLD.id USING ERRCODE = 'restrict_violation';", hash='306ef9d7acbb665ab714548d59fefa95e2c875df', operation='DELETE', pgid='pgtrigger_never_deleted_fe3c0', table='assessments_response', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='response',
            trigger=pgtrigger.compiler.Trigger(name='submitted_lock', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."status" IN (\'submitted\', \'declined\'))', func="RAISE EXCEPTION 'response % was % and is final', OLD.id, OLD.status USING ERRCODE = 'restrict_violation';", hash='5f6a49786069071cdb9da091486db6b8682b6db3', operation='UPDATE', pgid='pgtrigger_submitted_lock_f69c0', table='assessments_response', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='response',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'questionnaire responses are never truncated' USING ERRCODE = 'restrict_violation';", hash='07b4e071af95101ba33d44540e5977309afc75d8', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_5de87', table='assessments_response', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='riskalert',
            trigger=pgtrigger.compiler.Trigger(name='never_deleted', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'risk alerts are never deleted (alert %)', OLD.id USING ERRCODE = 'restrict_violation';", hash='621bdf99b02c45d586be85bf8bc3d5ea8b28b8a4', operation='DELETE', pgid='pgtrigger_never_deleted_74e70', table='assessments_riskalert', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='riskalert',
            trigger=pgtrigger.compiler.Trigger(name='acknowledged_lock', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."acknowledged_at" IS NOT NULL)', func="RAISE EXCEPTION 'risk alert % was acknowledged and is final', OLD.id USING ERRCODE = 'restrict_violation';", hash='dcf6d318757fc8fed1dfd4c81a1a510dc5f20b41', operation='UPDATE', pgid='pgtrigger_acknowledged_lock_09575', table='assessments_riskalert', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='riskalert',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'risk alerts are never truncated' USING ERRCODE = 'restrict_violation';", hash='564a3af4c92700127cefcc328472191047d2ab62', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_d7ba6', table='assessments_riskalert', when='BEFORE')),
        ),
    ]
