"""API output shapes that only the portal uses."""

from rest_framework import serializers


class UpcomingSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    modality = serializers.CharField()
    with_me_alone = serializers.SerializerMethodField()

    def get_with_me_alone(self, session) -> bool:
        return session.partner_id is not None and session.partner_id == self.context.get(
            "viewer_id"
        )
