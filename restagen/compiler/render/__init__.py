"""Render stage: `ir.Program` -> `{relative path: file text}`, all in memory.

`package` renders every file of a package by asking each generator here for its files; `views`,
`annotations` and `expressions` compute what templates print, and `templates` holds the Jinja
environment. The deployment files (`deploy`, `kafka`) take their shape from `deploy_settings`.
"""
