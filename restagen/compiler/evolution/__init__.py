"""Schema evolution: which changes between two schema sets break what is already running.

Restate keeps an old deployment serving the invocations it started (they drain) while a new one
takes every new invocation; callers, subscribers and stored state built on the old schemas meet
handlers built on the new ones, in both directions. This package compares two resolved programs
and reports each change with the rule it falls under:

    rules.py       the rule table: id, breaking or safe, what it means
    located.py     a schema set loaded and resolved, with the position of each element
    against.py     the old schema set: a folder, a file or a git revision (read with git)
    types.py       structural comparison of two types, following named types
    flows.py       which way values of a compared type travel, and so which changes break
    collect.py     findings collected while comparing, each change judged by its flow
    components.py  the comparison of components, handlers, state and promises
    durable.py     the comparison of sagas, events and declared errors
    compare.py     all comparisons, in order
    findings.py    a finding per change, as text lines or JSON
    check.py       the `restagen breaking` run: load both sets, compare, report
"""
