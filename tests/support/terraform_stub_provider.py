#!/usr/bin/env python3
# A schema-only stand-in for the hashicorp/aws Terraform provider, for an offline
# `terraform validate` in tests/corpus.rs (copied from the oracle the project was
# developed against, /work/shared/tools/terraform-oracle). Needs the PyPI package `tf`.
"""Schema-only stand-in for the hashicorp/aws Terraform provider (for offline validation).

It speaks the real plugin protocol (tfplugin6 over gRPC with go-plugin's AutoMTLS handshake,
via the PyPI package `tf`) and answers GetProviderSchema from the compact JSON written by
tf_schema_extract.py. Everything else is a no-op. With a CLI config that points
`dev_overrides` for hashicorp/aws at a directory holding a `terraform-provider-aws` launcher
for this file, `terraform validate` runs fully offline, without `terraform init`, and does
Terraform's own checks (unknown arguments/blocks, missing required ones, block counts, value
types, references, expressions) against the extracted schema. It does not run the real
provider's validators (enums, regexes, conflicts_with...): those are not in the schema.

Env: TF_STUB_SCHEMA = path of the schema JSON (default: aws-provider-schema.json beside this file).
"""
import json
import os
import sys

from tf.gen import tfplugin_pb2 as pb
from tf.iface import DataSource, Provider, Resource
from tf.runner import run_provider

NEST = {"list": pb.Schema.NestedBlock.LIST, "set": pb.Schema.NestedBlock.SET,
        "single": pb.Schema.NestedBlock.SINGLE, "map": pb.Schema.NestedBlock.MAP}
WAF_STATEMENT_DEPTH = 3  # the real provider unrolls nested statements to a fixed depth too


def cty_type(t, node=None):
    """'list(string)' -> ["list","string"]; '(set|list)(object)' uses node['attributes']."""
    if t in ("string", "number", "bool", "dynamic"):
        return t
    if t == "object":
        attrs = (node or {}).get("attributes") or {}
        return ["object", {k: cty_type(v.get("type", "dynamic"), v) for k, v in attrs.items()}] if attrs else "dynamic"
    for kind in ("list", "set", "map"):
        if t.startswith(kind + "(") and t.endswith(")"):
            inner = t[len(kind) + 1:-1]
            return [kind, cty_type(inner, node)]
    return "dynamic"


class Converter:
    def __init__(self, schema):
        self.schema = schema

    def block(self, node, root, path=()):
        attrs = []
        for name, a in sorted(node.get("attributes", {}).items()):
            attrs.append(pb.Schema.Attribute(
                name=name, type=json.dumps(cty_type(a.get("type", "dynamic"), a)).encode(),
                required=bool(a.get("required")), optional=bool(a.get("optional")),
                computed=bool(a.get("computed")), description_kind=pb.PLAIN))
        blocks = []
        for name, b in sorted(node.get("blocks", {}).items()):
            r = self.resolve(b, root, path + (name,))
            if r is None:
                continue
            b, broot = r
            nesting = b.get("nesting", "list")
            max_items = 0
            if nesting == "single" and name != "timeouts":
                # cdktf "struct" = SDKv2 MaxItems:1 block, which the real schema sends as LIST
                # with max_items 1 (same HCL syntax; references are `blk[0].x`).
                nesting, max_items = "list", 1
            min_items = 1 if b.get("required") and nesting in ("list", "set") else 0
            blocks.append(pb.Schema.NestedBlock(
                type_name=name, block=self.block(b, broot, path + (name,)),
                nesting=NEST.get(nesting, NEST["list"]), min_items=min_items, max_items=max_items))
        return pb.Schema.Block(attributes=attrs, block_types=blocks, description_kind=pb.PLAIN)

    def resolve(self, b, root, path):
        """-> (block node, root used for its recursive_refs) or None to drop the block."""
        if "recursive_ref" in b:
            # unroll recursion a bounded number of times (Terraform schemas are finite)
            if path.count(path[-1]) > WAF_STATEMENT_DEPTH:
                return None
            node = root
            for part in b["recursive_ref"].split("."):
                node = node["blocks"][part]
            return dict(node, nesting=b.get("nesting", node.get("nesting")), required=b.get("required")), root
        if b.get("nesting") == "opaque":
            # cdktf elided this deep block. Graft the identical statement schema of the
            # aws_wafv2_web_acl_rule resource for the wafv2 rule statements; else drop it.
            donor = self.schema.get("resources", {}).get("aws_wafv2_web_acl_rule")
            if path[-1] == "statement" and donor:
                return dict(donor["blocks"]["statement"], required=b.get("required")), donor
            return None
        return b, root


def make_schema(conv, node):
    class S:
        def to_pb(self):
            return pb.Schema(version=0, block=conv.block(node, node))
    return S()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.environ.get("TF_STUB_SCHEMA", os.path.join(here, "aws-provider-schema.json"))
    with open(path) as fh:
        schema = json.load(fh)
    conv = Converter(schema)

    def klass(base, name, node):
        ns = {
            "get_name": classmethod(lambda cls: name),
            "get_schema": classmethod(lambda cls: make_schema(conv, node)),
            "validate": lambda self, diags, type_name, config: None,
            "__init__": lambda self, provider=None: None,
        }
        if base is Resource:
            ns.update(create=lambda s, c, p: p, read=lambda s, c, cur: cur,
                      update=lambda s, c, cur, p: p, delete=lambda s, c, cur: None)
        else:
            ns.update(read=lambda s, c, cfg: cfg)
        return type(name, (base,), ns)

    resources = [klass(Resource, n, s) for n, s in schema.get("resources", {}).items()]
    data_sources = [klass(DataSource, n, s) for n, s in schema.get("data_sources", {}).items()]
    provider_node = schema.get("provider_config", {"attributes": {}})

    class AwsSchemaStub(Provider):
        def get_model_prefix(self):
            return ""

        def full_name(self):
            return "hashicorp/aws"  # only used by the framework's --dev (reattach) mode

        def get_provider_schema(self, diags):
            return make_schema(conv, provider_node)

        def validate_config(self, diags, config):
            pass

        def configure_provider(self, diags, config):
            pass

        def get_data_sources(self):
            return data_sources

        def get_resources(self):
            return resources

    run_provider(AwsSchemaStub(), sys.argv)


if __name__ == "__main__":
    main()
