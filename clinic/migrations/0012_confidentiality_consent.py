"""Record each change of a couple's confidentiality policy with both partners' consent, and the
couple's "shared from now on" boundary. Existing couples get no boundary (NULL): their policy
keeps covering all of their material, exactly as it did before this release."""


import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0011_audit_subjects'),
    ]

    operations = [
        migrations.AddField(
            model_name='couple',
            name='shared_since',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name='ConfidentialityAgreement',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('from_policy', models.CharField(choices=[('inherit', 'Clinic default'), ('shared', "No secrets: partners may see each other's individual material"), ('private', 'Private: individual material stays with its partner')], max_length=20)),
                ('to_policy', models.CharField(choices=[('inherit', 'Clinic default'), ('shared', "No secrets: partners may see each other's individual material"), ('private', 'Private: individual material stays with its partner')], max_length=20)),
                ('from_effective', models.CharField(max_length=10)),
                ('to_effective', models.CharField(max_length=10)),
                ('applies_to', models.CharField(choices=[('from_now', 'From now on: earlier material keeps the privacy it had'), ('all', 'To all material, past material too')], max_length=10)),
                ('shared_since', models.DateTimeField(blank=True, null=True)),
                ('partner_a_consent_on', models.DateField()),
                ('partner_a_consent_method', models.CharField(choices=[('in_session', 'In session, in person'), ('video_or_phone', 'In a video or phone session'), ('in_writing', 'In writing (signed form)'), ('secure_message', 'By email or secure message'), ('via_portal', 'Via the portal')], max_length=20)),
                ('partner_b_consent_on', models.DateField()),
                ('partner_b_consent_method', models.CharField(choices=[('in_session', 'In session, in person'), ('video_or_phone', 'In a video or phone session'), ('in_writing', 'In writing (signed form)'), ('secure_message', 'By email or secure message'), ('via_portal', 'Via the portal')], max_length=20)),
                ('note', models.CharField(blank=True, default='', max_length=1000)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.clinic')),
                ('couple', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='confidentiality_agreements', to='clinic.couple')),
                ('partner_a', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.client')),
                ('partner_b', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.client')),
                ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-recorded_at'],
                'indexes': [models.Index(fields=['clinic', 'couple', '-recorded_at'], name='confagreement_couple')],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='confidentialityagreement',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'confidentiality agreements are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';", hash='8d56edc773a073334fbce4e889c17adf057534e0', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_22e00', table='clinic_confidentialityagreement', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='confidentialityagreement',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'confidentiality agreements are never truncated' USING ERRCODE = 'restrict_violation';", hash='cb3f3c59854469b631d7d3713e364fec2e657a3c', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_0081f', table='clinic_confidentialityagreement', when='BEFORE')),
        ),
    ]
