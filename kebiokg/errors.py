"""Errors the library raises for the user to read (the CLI prints them as one line)."""


class KebiokgError(Exception):
    """A request kebiokg cannot carry out; the message says why, in one line."""


class KBError(KebiokgError):
    """The KB is missing, not a kebiokg KB, or does not hold what was asked for."""


class KebiokgWarning(UserWarning):
    """Something the user should know that does not stop the command (the CLI prints it as one line)."""
