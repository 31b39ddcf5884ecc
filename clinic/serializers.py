"""API input and output shapes for people and tenancy."""

from rest_framework import serializers

from clinic.api_base import ClinicScopedRelatedField
from clinic.audit_channel import Channel
from clinic.models import (
    Client,
    Clinic,
    Couple,
    CoupleStatus,
    CoupleStatusChange,
    Invitation,
    Membership,
    Role,
)
from clinic.selectors import clients_visible_to, therapists_of


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, style={"input_type": "password"}
    )
    code = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="The current code of the authenticator app (or a recovery code); "
        "required for staff. An account whose only second factor is a security key gets no "
        "API token: it needs an authenticator app for this.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class ClinicSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Clinic
        fields = [
            "id",
            "name",
            "slug",
            "time_zone",
            "locale",
            "partners_see_individual_results",
            "show_score_bands_to_clients",
            "crisis_text",
            "report_retention_days",
            "staff_idle_minutes",
            "require_client_mfa",
            "leave_url",
            "role",
        ]
        read_only_fields = ["id", "slug", "role"]

    def get_role(self, clinic) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(clinic.pk)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    user_id = serializers.UUIDField(source="user.id", read_only=True)
    supervisor = ClinicScopedRelatedField(
        scoped_queryset=lambda view: therapists_of(clinic=view.clinic),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "user_id",
            "email",
            "full_name",
            "role",
            "is_supervised",
            "supervisor",
            "is_active",
        ]
        read_only_fields = ["id", "is_active"]


class MemberInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.THERAPIST)
    is_supervised = serializers.BooleanField(default=False)
    supervisor = ClinicScopedRelatedField(
        scoped_queryset=lambda view: therapists_of(clinic=view.clinic),
        allow_null=True,
        required=False,
    )


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    supervisor = serializers.UUIDField(source="supervisor_id", read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "kind",
            "email",
            "full_name",
            "role",
            "is_supervised",
            "supervisor",
            "status",
            "sent_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ClientSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    has_portal_login = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = [
            "id",
            "legal_name",
            "preferred_name",
            "display_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "status",
            "has_portal_login",
            "created_at",
            "updated_at",
            "archived_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "archived_at"]

    def get_has_portal_login(self, client) -> bool:
        return client.portal_user_id is not None


class PartnerSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    pronouns = serializers.CharField()


class CoupleSerializer(serializers.ModelSerializer):
    """Read shape of a couple, with partners and therapists inline for the caseload."""

    partner_a = PartnerSummarySerializer(read_only=True)
    partner_b = PartnerSummarySerializer(read_only=True)
    therapists = UserSummarySerializer(many=True, read_only=True)
    label = serializers.CharField(read_only=True)
    caseload = serializers.SerializerMethodField(
        help_text="On the caseload list: what each app adds per couple (next and last session, "
        "latest headline scores, open risk alerts, overdue assessments)."
    )

    class Meta:
        model = Couple
        fields = [
            "id",
            "label",
            "partner_a",
            "partner_b",
            "therapists",
            "status",
            "intake_date",
            "start_date",
            "end_date",
            "presenting_concerns",
            "individual_material_policy",
            "shared_since",
            "created_at",
            "updated_at",
            "archived_at",
            "caseload",
        ]
        read_only_fields = fields

    def get_caseload(self, couple) -> dict | None:
        return getattr(couple, "caseload", None)


class CoupleWriteSerializer(serializers.ModelSerializer):
    partner_a = ClinicScopedRelatedField(
        scoped_queryset=lambda v: clients_visible_to(clinic=v.clinic, membership=v.membership)
    )
    partner_b = ClinicScopedRelatedField(
        scoped_queryset=lambda v: clients_visible_to(clinic=v.clinic, membership=v.membership)
    )
    therapists = ClinicScopedRelatedField(
        scoped_queryset=lambda view: therapists_of(clinic=view.clinic), many=True, required=False
    )

    class Meta:
        model = Couple
        fields = [
            "partner_a",
            "partner_b",
            "therapists",
            "status",
            "intake_date",
            "start_date",
            "presenting_concerns",
            "individual_material_policy",
        ]
        extra_kwargs = {
            "individual_material_policy": {
                "help_text": "Set when the case is opened; a later change goes through the "
                "couple's confidentiality endpoint, which records both partners' consent."
            }
        }


class CoupleStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CoupleStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False)


class CoupleStatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.email", default=None, read_only=True)

    class Meta:
        model = CoupleStatusChange
        fields = ["id", "from_status", "to_status", "changed_by", "changed_at", "note"]


class AuditEventSerializer(serializers.Serializer):
    """One audit event (an `EventLine` from clinic.audit_trail): its fields, and in words."""

    id = serializers.UUIDField(source="event.id")
    at = serializers.DateTimeField(source="event.at")
    actor = serializers.EmailField(source="event.actor.email", default=None, allow_null=True)
    actor_name = serializers.CharField(source="who")
    action = serializers.CharField(source="event.action")
    object_type = serializers.CharField(source="event.object_type")
    object_id = serializers.CharField(source="event.object_id")
    record = serializers.CharField(help_text='The record in words, e.g. "session note of 6 Sep".')
    couple = serializers.UUIDField(source="event.couple_id", allow_null=True)
    client = serializers.UUIDField(source="event.client_id", allow_null=True)
    whose = serializers.CharField(source="subject", help_text="The client or couple, by name.")
    summary = serializers.CharField(source="sentence")
    ip = serializers.IPAddressField(source="event.ip", allow_null=True)
    channel = serializers.ChoiceField(source="event.channel", choices=Channel.choices)
    detail = serializers.DictField(source="event.detail")


class PortalClientSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "legal_name",
            "preferred_name",
            "display_name",
            "pronouns",
            "email",
            "phone",
        ]
        read_only_fields = fields


class PortalCoupleSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    partner_names = serializers.SerializerMethodField()

    def get_partner_names(self, couple) -> list[str]:
        return [p.display_name for p in couple.partners]


class PortalMeSerializer(serializers.Serializer):
    client = PortalClientSerializer()
    couple = PortalCoupleSerializer(allow_null=True)
