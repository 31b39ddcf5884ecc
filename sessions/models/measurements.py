"""(models of this area are added here)"""
__all__: list[str] = []
