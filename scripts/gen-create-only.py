#!/usr/bin/env python3
"""Regenerate deploy/data/create-only.json: which properties of each resource
type mhac emits force a replacement when they change.

The data come from the CloudFormation resource provider schemas that ship in
the PyPI package cfn-lint (`createOnlyProperties`, and
`conditionalCreateOnlyProperties` for properties that replace only in some
cases). The types are every type in the CloudFormation templates built from
examples/*.mha, every resource type named in the backend's source
(backends/src/cloudformation/, for options no example uses), the stateful
types `mhac apply` guards, and any given with --type.

    pip install cfn-lint        # scripts/test-requirements.txt pins the version
    scripts/gen-create-only.py  # from the repository root; builds with cargo

The table is committed; tests/create_only_table.rs fails when the backend
emits a type the table lacks.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

REGION = "us-east-1"

# A resource type name in Rust source: "AWS::Service::Resource".
TYPE_NAME = re.compile(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"')


def built_types(root, mhac):
    """Resource types in the templates built from every example."""
    command = [mhac] if mhac else ["cargo", "run", "--quiet", "--bin", "mhac", "--"]
    types = set()
    for example in sorted(glob.glob(os.path.join(root, "examples", "*.mha"))):
        out = subprocess.run(
            command + ["build", example, "--target", "cloudformation"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        template = json.loads(out)
        for resource in template.get("Resources", {}).values():
            types.add(resource["Type"])
    return types


def source_types(root):
    """Resource type names written in the CloudFormation backend's source."""
    types = set()
    for path in glob.glob(os.path.join(root, "backends", "src", "cloudformation", "**", "*.rs"), recursive=True):
        with open(path, encoding="utf-8") as source:
            types.update(TYPE_NAME.findall(source.read()))
    return types


def stateful_types(root):
    """Types whose replacement or removal loses data: mhac-deploy's list
    (`TYPES` in deploy/src/stateful.rs), always in the table whether or not
    an example uses them."""
    path = os.path.join(root, "deploy", "src", "stateful.rs")
    with open(path, encoding="utf-8") as source:
        found = re.search(r"pub const TYPES: &\[&str\] = &\[(.*?)\];", source.read(), re.DOTALL)
    if found is None:
        sys.exit(f"{path}: no `pub const TYPES: &[&str] = &[...];` list")
    return set(TYPE_NAME.findall(found.group(1)))


def has_schema(type_name):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, type_name)
        return True
    except Exception:  # cfn-lint raises its own ResourceNotFoundError
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--type", action="append", default=[], help="also include this resource type")
    parser.add_argument("--output", default="deploy/data/create-only.json", help="relative to the repository root")
    parser.add_argument("--mhac", help="an mhac binary to build the examples with (default: cargo run)")
    args = parser.parse_args()

    from importlib.metadata import version

    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    required = built_types(root, args.mhac) | stateful_types(root) | set(args.type)
    # Names in the source that are not resource types (metadata keys such as
    # AWS::CloudFormation::Interface) have no schema and are skipped.
    types = required | {t for t in source_types(root) if has_schema(t)}
    table = {}
    for type_name in sorted(types):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, type_name).schema
        table[type_name] = {
            "create_only": sorted(schema.get("createOnlyProperties", [])),
            "conditional": sorted(schema.get("conditionalCreateOnlyProperties", [])),
        }
    document = {
        "generated_by": "scripts/gen-create-only.py",
        "source": f"cfn-lint {version('cfn-lint')} resource provider schemas ({REGION})",
        "types": table,
    }
    path = os.path.join(root, args.output)
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, sort_keys=False)
        out.write("\n")
    os.replace(path + ".tmp", path)
    print(f"{args.output}: {len(table)} resource types", file=sys.stderr)


if __name__ == "__main__":
    main()
