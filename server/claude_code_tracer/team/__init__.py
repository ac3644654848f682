"""A team archive on PostgreSQL: push this machine's sessions, read the team's beside your own.

``db`` owns the connection and the schema (versioned, migrated, row-level security), ``push`` the
sink that sends transcript bytes and catalog rows (and the driver that feeds it from the local
archive), ``pull`` the local copy of the team's sessions that the ordinary parser reads.

Nothing is imported here: the CLI builds its parser from ``cliargs`` without loading the rest.
"""
