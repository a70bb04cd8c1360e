"""Mutation testing for the modules where a bug is a security or correctness incident.

Each mutant is one small change to the code (a comparison turned round, a guard removed, an element
dropped from a set, `and` for `or`, `min` for `max`, one operand of `+` left out, a call removed...);
the module's own small test selection runs against it. A mutant the tests fail on is *killed*; one
they pass is *survived*: either a bug the tests would let through, or an equivalent change (listed
in `equivalent/` (a file a row) with the reason, and left out of the score).

Mutants run in a forked child of a process that has already imported the heavy third-party libraries,
so each costs the project's own import plus its tests, not a fresh interpreter. The mutated module is
compiled from the changed AST and put in `sys.modules` before anything imports it: the files on disk
are never touched. No pass/fail: figures to keep at >= 90 % killed.

The package: `table` (the modules and their tests), `mutators` (the changes), `equivalent` (the
survivors that change nothing observable, keyed by function and change, not by line, so they follow
the code as it moves), `runner` (the forked runs), `__main__` (the command line).

    nice -n 10 .venv/bin/python -m bench.mutation                 # every module, the table
    nice -n 10 .venv/bin/python -m bench.mutation cite select     # some of them
    nice -n 10 .venv/bin/python -m bench.mutation --survivors     # ... and each surviving mutant
    nice -n 10 .venv/bin/python -m bench.mutation -v 2> run.log   # one line per mutant, then
    nice -n 10 .venv/bin/python -m bench.mutation --recheck run.log  # only what run.log did not kill
    .venv/bin/python -m bench.mutation --list address             # the mutants, without running them
"""
