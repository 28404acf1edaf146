"""Casework data is reached through the application's permission-checked, audited pages,
not the admin: nothing here shows citizens."""
