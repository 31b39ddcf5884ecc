"""Django format modules (FORMAT_MODULE_PATH), generated from clinic.date_style."""
