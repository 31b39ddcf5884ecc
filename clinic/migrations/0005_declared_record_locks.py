"""Declare the audit trail's append-only lock on the model (django-pgtrigger) instead of the
hand-written trigger of 0002, and refuse TRUNCATE too. On SQLite (the quick start) the triggers
of 0002 stay as they are."""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

HAND_WRITTEN = [("clinic", "0002_auditevent_append_only_trigger")]


def _modules():
    return [importlib.import_module(f"{app}.migrations.{name}") for app, name in HAND_WRITTEN]


def drop_hand_written(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # 0006 only replaced 0002's function, which 0002's backward SQL drops.
        for module in _modules():
            if "0006" not in module.__name__:
                schema_editor.execute(getattr(module, "PG_BACKWARD", None) or module.BACKWARD, params=None)


def restore_hand_written(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for module in _modules():
            schema_editor.execute(getattr(module, "PG_FORWARD", None) or module.FORWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0004_reminder_switches'),
    ]

    operations = [
        migrations.RunPython(drop_hand_written, restore_hand_written),
        pgtrigger.migrations.AddTrigger(
            model_name='auditevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';", hash='4f852664b00d1265e83a0376e6f57705cd90d518', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_18ff7', table='clinic_auditevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='auditevent',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'audit events are never truncated' USING ERRCODE = 'restrict_violation';", hash='6f9eae58ab75ab38e84eb68dce4cacca3f730f1c', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_97f76', table='clinic_auditevent', when='BEFORE')),
        ),
    ]
