#!/usr/bin/env python3
"""Validates JSON messages against the Dataspace Protocol 2025-1 JSON Schemas.

    dsp_schemas.py SCHEMA_DIR MESSAGE_DIR

Every file in MESSAGE_DIR is named <schema file name>--<label>.json and is
validated against that schema (found under SCHEMA_DIR); the schemas' $refs
between each other resolve locally, never over the network. Prints each
failure and exits 1 if there is any.
"""
import json
import pathlib
import sys

import warnings

import jsonschema

# RefResolver is deprecated in jsonschema 4.18+ but is the API Debian 12's 4.10 has.
warnings.simplefilter("ignore", DeprecationWarning)


def main() -> int:
    schema_dir, message_dir = map(pathlib.Path, sys.argv[1:3])
    schemas = {p.name: json.loads(p.read_text()) for p in schema_dir.rglob("*-schema.json")}
    store = {s["$id"]: s for s in schemas.values()}
    failures = 0
    files = sorted(message_dir.glob("*.json"))
    for path in files:
        schema = schemas[path.name.split("--")[0]]
        cls = jsonschema.validators.validator_for(schema)
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        validator = cls(schema, resolver=resolver)
        for error in validator.iter_errors(json.loads(path.read_text())):
            failures += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path.name}: at '{where}': {error.message[:300]}")
    print(f"dsp_schemas: {len(files)} messages, {failures} failures")
    return 1 if failures or not files else 0


if __name__ == "__main__":
    sys.exit(main())
