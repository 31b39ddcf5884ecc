"""Reading a request body the one way every API view does: through an input serializer that
raises a 400 with field errors, with the view's serializer context (request, view)."""


class ValidatedInputMixin:
    def validated(self, serializer_class, *, partial: bool = False) -> dict:
        """The request body, validated by `serializer_class` (400 with field errors if not)."""
        if hasattr(self, "get_serializer_context"):
            context = self.get_serializer_context()
        else:
            context = {"request": self.request, "view": self}
        serializer = serializer_class(data=self.request.data, partial=partial, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
