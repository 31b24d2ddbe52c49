"""The kinds of failure, one exception class and one exit status each, shared by every ``kg`` command.

Every error the library raises for a user to read is a :class:`KgError`: a one-line message that
names the file, folder or value at fault and the reason. Its kind decides the exit status of the
command that met it (``kg --help`` lists them):

====  ===================  =====================================================================
code  kind                 when
====  ===================  =====================================================================
0                          done
1     :class:`Incomplete`  done in part: some documents could not be read or extracted (the
                           others were processed and written), the graph breaks a SHACL shape,
                           or (``kg path``) the two entities are not connected
2     :class:`BadUsage`    the command line is wrong: an unknown option or a bad value, a
                           malformed query or parameter, an unknown or ambiguous name, an update
                           without ``--allow-update``
3     :class:`BadInput`    an input is missing or unreadable: no graph in the ``--graph`` folder,
                           a graph file that does not parse, no readable document at all (then
                           nothing is written), bad gold files, bad ontology data
4     :class:`RunFailed`   the work could not finish: a query timeout, a SPARQL store that
                           refuses or cannot be reached, a file that cannot be written
5     (any other error)    a bug: the traceback is printed; please report it
====  ===================  =====================================================================

Library modules subclass these (``kg.rdf.GraphNotFoundError`` is a :class:`BadInput`,
``kg.query.QueryTimeoutError`` a :class:`RunFailed` …), keeping their older bases
(``FileNotFoundError``, ``LookupError`` …) so that existing ``except`` clauses still work.

>>> class NoSuchThing(BadInput): pass
>>> NoSuchThing("x.txt: no such file").exit_code
3
>>> exit_status(OSError(28, "No space left on device"))
4
"""

from __future__ import annotations

__all__ = ["KgError", "Incomplete", "BadUsage", "BadInput", "RunFailed", "EXIT_OK", "EXIT_INCOMPLETE",
           "EXIT_USAGE", "EXIT_INPUT", "EXIT_FAILED", "EXIT_BUG", "EXIT_STATUSES", "exit_status"]

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_FAILED = 4
EXIT_BUG = 5


class KgError(Exception):
    """A failure a user can act on: a one-line message naming what is at fault and why."""

    exit_code = EXIT_BUG
    kind = "error"


class Incomplete(KgError):
    """The work was done in part (some documents failed, the graph breaks a shape, no connection)."""

    exit_code = EXIT_INCOMPLETE
    kind = "incomplete"


class BadUsage(KgError):
    """The command line or the call is wrong (option, value, query, parameter, name)."""

    exit_code = EXIT_USAGE
    kind = "usage"


class BadInput(KgError):
    """An input is missing or unreadable (graph folder, graph file, documents, gold, ontology data)."""

    exit_code = EXIT_INPUT
    kind = "input"


class RunFailed(KgError):
    """The work could not finish (timeout, remote store, a file that cannot be written)."""

    exit_code = EXIT_FAILED
    kind = "failed"


#: (exit status, what it means) for ``kg --help``.
EXIT_STATUSES = (
    (EXIT_OK, "done"),
    (EXIT_INCOMPLETE, "done in part: a document could not be read or extracted (the others were processed), the graph "
                      "breaks a SHACL shape, or the two names of kg path are not connected"),
    (EXIT_USAGE, "wrong command line: an unknown option or bad value, a malformed query or parameter, an "
                 "unknown or ambiguous name"),
    (EXIT_INPUT, "missing or unreadable input: no graph in the --graph folder, a graph file that does not "
                 "parse, no readable document at all (nothing is written), bad gold files or ontology data"),
    (EXIT_FAILED, "could not finish: a query timeout, a SPARQL store that fails or cannot be reached, a "
                  "file that cannot be written"),
    (EXIT_BUG, "a bug (the traceback is printed)"),
)


def exit_status(error: BaseException) -> int:
    """The exit status for an error: its kind's for a :class:`KgError`, 4 for an operating-system
    error (a full disk, no permission), 5 for anything else (a bug)."""
    if isinstance(error, KgError):
        return error.exit_code
    if isinstance(error, OSError):
        return EXIT_FAILED
    return EXIT_BUG
