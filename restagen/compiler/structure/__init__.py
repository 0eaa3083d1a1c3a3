"""Structure stage: plain data of one file -> `language.Document` (the strict input model).

`check` runs it and turns pydantic's errors into positioned diagnostics; `language` is the input
model, and `language_schema` its JSON Schema for editors (`restagen schema`).
"""
