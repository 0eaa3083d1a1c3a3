"""The restagen compiler: schema files in, generated Python out.

    frontends -> structure -> resolve -> ir -> render -> format -> write

Each stage is a module or package of its own and hands one data type to the next; `pipeline` is
the one place that runs them in this order, and nothing touches disk before `write`.

    frontends/  files              -> plain data with positions (`frontends.load.SourceDocument`):
                                      `sources` finds the files and follows their imports, `load`
                                      reads YAML, `protocol` Python modules (`export`: back to YAML)
    structure/  plain data         -> `structure.language.Document` (the strict input model)
    resolve/    input documents    -> `ir.Program`, with the rules it applies beside it
    ir.py       the frozen IR: names and types fully resolved
    render/     `ir.Program`       -> `{path: text}` in memory (deployment settings beside `deploy`)
    format.py   `{path: text}`     -> the same, formatted by ruff
    write.py    `{path: text}`     -> files on disk, only when every stage succeeded

`cache` lets the pipeline reuse the files of a package whose inputs did not change; `heap` keeps
the cyclic garbage collector's cost linear in the size of the schema.
"""
