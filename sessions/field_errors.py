"""The error the pure modules raise for one bad input. Pure Python (no Django): `field` names
the input at fault, so the API and the pages can put the message next to it."""


class FieldError(ValueError):
    """One input that cannot be used; `field` names it, `message` says why in plain words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, list[str]]:
        """The `{field: [message]}` shape the API returns."""
        return {self.field: [self.message]}
