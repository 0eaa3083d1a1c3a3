"""The restagen compiler: schema files in, generated Python out.

The stages, each in its own module, each handing one data type to the next:

    load      YAML text            -> `SourceDocument` (plain data + positions)
    language  plain data           -> `language.Document` (strict input model)
    resolve   input documents      -> `ir.Program` (names and types fully resolved)
    render    `ir.Program`         -> `{path: text}` in memory
    format    `{path: text}`       -> the same, formatted by ruff
    write     `{path: text}`       -> files on disk, only when every stage succeeded
"""
