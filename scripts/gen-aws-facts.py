#!/usr/bin/env python3
"""Regenerate stdlib/aws.json: the facts about AWS that mhac checks source
values against at compile time, so that a value `mhac check` accepts is a
value AWS accepts.

Where each fact comes from (all PyPI packages pinned in
scripts/test-requirements.txt, so the same versions give the same bytes):

* cfn-lint's CloudFormation data (the resource provider schemas and their
  extensions, which cfn-lint's maintainers refresh from the AWS APIs):
  - EC2 instance types offered per region
    (schemas/extensions/aws_ec2_instance/instancetype_enum.json);
  - RDS DB instance classes per region and engine
    (schemas/extensions/aws_rds_dbinstance/dbinstanceclass_enum.json);
  - ElastiCache node types per region
    (schemas/extensions/aws_elasticache_cachecluster/cachenodetype_enum.json);
  - RDS engine versions per engine, less the deprecated ones that RDS no
    longer creates (engine_version.json, engine_version_deprecated.json);
  - ElastiCache engine versions per engine
    (schemas/extensions/aws_elasticache_cachecluster/engine_version.json);
  - the pattern, length and range of every CloudFormation property mhac
    fills from a source value (the provider schemas), and cfn-lint's own
    format patterns for ACM certificate ARNs and AMI ids (rules/formats);
  - the strictest tag rules over every resource type the CloudFormation
    backend emits.
* moto's copy of EC2 DescribeInstanceTypes (ec2/resources/
  instance_types.json.gz): the processor architecture of each family; and
  of DescribeInstanceTypeOfferings per region: which of those types a
  region lacks (cfn-lint's EC2 enum is the same in every region).
* SQLAlchemy's dialects: the reserved words of MySQL, MariaDB and
  PostgreSQL (RDS refuses a DBName that is a reserved word).
* The RDS API reference (CreateDBInstance, DBName): the name rules per
  engine, written below because no package carries them as data.

    scripts/gen-aws-facts.py            # from the repository root
    scripts/gen-aws-facts.py --output /tmp/aws.json

The file is committed and embedded in the compiler (compiler/src/aws.rs);
tests/aws_facts_table.rs fails when it differs from what this script
generates.
"""

import argparse
import glob
import gzip
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The engines mhac offers, by their RDS Engine value.
RDS_ENGINES = ["mariadb", "mysql", "postgres"]
CACHE_ENGINES = ["memcached", "redis", "valkey"]

# RDS DBName rules (RDS API reference, CreateDBInstance, DBName): MySQL and
# MariaDB 1 to 64 letters or digits, starting with a letter, then letters,
# digits or underscores; PostgreSQL 1 to 63, starting with a letter or an
# underscore. None of them may be a word the engine reserves.
DB_NAME_RULES = {
    "mariadb": {"pattern": "^[A-Za-z][A-Za-z0-9_]*$", "maxLength": 64},
    "mysql": {"pattern": "^[A-Za-z][A-Za-z0-9_]*$", "maxLength": 64},
    "postgres": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "maxLength": 63},
}

# Tag keys that begin with this are reserved for AWS's own use (every
# service's tagging rules; resource schemas leave it out of their patterns).
RESERVED_TAG_PREFIX = "aws:"

# Tags mhac itself puts on resources (the CloudFormation and Terraform
# backends add `Name`), and room kept for the tags a backend may add later:
# the user's tags plus these must fit the per-resource limit.
MHAC_TAGS = ["Name"]
MHAC_TAG_RESERVE = 4

# The CloudFormation properties mhac fills from a source value, with the
# source attribute that feeds each. The backend validates every emitted
# source-derived property against these (see "properties" in the output).
SOURCE_PROPERTIES = [
    ("AWS::RDS::DBInstance", "DBName", "database.name"),
    ("AWS::RDS::DBInstance", "MasterUsername", "database.username"),
    ("AWS::RDS::DBInstance", "DBInstanceClass", "database.class"),
    ("AWS::RDS::DBInstance", "EngineVersion", "database.engine"),
    ("AWS::RDS::DBInstance", "AllocatedStorage", "database.storage_gb"),
    ("AWS::RDS::DBInstance", "BackupRetentionPeriod", "database.backup_days"),
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateData/InstanceType", "app_servers.instance_type"),
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateData/ImageId", "app_servers.image"),
    ("AWS::ElastiCache::ReplicationGroup", "CacheNodeType", "cache.node_type"),
    ("AWS::ElastiCache::ReplicationGroup", "EngineVersion", "cache.version"),
    ("AWS::ElasticLoadBalancingV2::Listener", "Certificates/*/CertificateArn", "load_balancer.https.certificate"),
    ("AWS::ElasticLoadBalancingV2::Listener", "SslPolicy", "load_balancer.https.ssl_policy"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "HealthCheckPath", "app_servers.behind.health_check"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Port", "app_servers.port"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAttributes/*/Value", "load_balancer.idle_timeout"),
    ("AWS::EC2::SecurityGroup", "GroupDescription", "security_group.description"),
    ("AWS::EC2::CustomerGateway", "BgpAsn", "vpn.bgp_asn"),
    ("AWS::EC2::CustomerGateway", "BgpAsnExtended", "vpn.bgp_asn"),
    ("AWS::EC2::CustomerGateway", "IpAddress", "vpn.customer_gateway"),
    ("AWS::SNS::Subscription", "Endpoint", "monitoring.notify"),
    ("AWS::CloudWatch::Alarm", "Threshold", "monitoring.alarm"),
    ("AWS::CloudWatch::Alarm", "AlarmName", "monitoring.alarm"),
    ("AWS::CloudWatch::Alarm", "AlarmDescription", "monitoring.alarm"),
    ("AWS::WAFv2::WebACL", "Name", "load_balancer (name)"),
    ("AWS::WAFv2::WebACL", "Description", "load_balancer (name)"),
    ("AWS::WAFv2::WebACL", "Rules/*/Statement/RateBasedStatement/Limit", "load_balancer.waf.rate_limit"),
    ("AWS::Logs::LogGroup", "RetentionInDays", "monitoring.logs.retention_days"),
    ("AWS::AutoScaling::AutoScalingGroup", "MinSize", "app_servers.scaling.min"),
    ("AWS::AutoScaling::AutoScalingGroup", "MaxSize", "app_servers.scaling.max"),
    ("AWS::S3::Bucket", "BucketName", "object_storage (name)"),
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateName", "app_servers (name)"),
]

# A resource type name in Rust source: "AWS::Service::Resource".
TYPE_NAME = re.compile(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"')


def regions():
    with open(os.path.join(ROOT, "stdlib", "regions.json"), encoding="utf-8") as f:
        return sorted(json.load(f)["regions"])


def cfnlint_data(*parts):
    import cfnlint

    path = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas", "extensions", *parts)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def family_and_size(name, prefix):
    rest = name[len(prefix):]
    family, _, size = rest.partition(".")
    return family, size


def encode(names, prefix, full):
    """Instance types as `family` (every size the family has anywhere) or
    `family=size,size`, joined by spaces; `full` is family -> all sizes."""
    by_family = {}
    for name in names:
        if not name.startswith(prefix):
            continue
        family, size = family_and_size(name, prefix)
        by_family.setdefault(family, set()).add(size)
    out = []
    for family in sorted(by_family):
        sizes = by_family[family]
        if sizes == full[family]:
            out.append(family)
        else:
            out.append(family + "=" + ",".join(sorted(sizes, key=size_order)))
    return " ".join(out)


SIZE_WORDS = {"nano": 0, "micro": 1, "small": 2, "medium": 3, "large": 4, "xlarge": 5}


def size_order(size):
    """nano < micro < ... < xlarge < 2xlarge < ... < metal variants."""
    if size in SIZE_WORDS:
        return (0, SIZE_WORDS[size], size)
    match = re.fullmatch(r"(\d+)xlarge", size)
    if match:
        return (1, int(match.group(1)), size)
    return (2, 0, size)


def union_sizes(per_region, prefix):
    full = {}
    for names in per_region.values():
        for name in names:
            if name.startswith(prefix):
                family, size = family_and_size(name, prefix)
                full.setdefault(family, set()).add(size)
    return full


def families_table(full):
    return {family: ",".join(sorted(sizes, key=size_order)) for family, sizes in sorted(full.items())}


def ec2_types(region_names):
    """cfn-lint's EC2 enum is the same list in every region; moto's copy of
    EC2 DescribeInstanceTypeOfferings says which of the types it knows a
    region does not offer. Types moto does not know keep cfn-lint's word."""
    import moto

    data = cfnlint_data("aws_ec2_instance", "instancetype_enum.json")
    resources = os.path.join(os.path.dirname(moto.__file__), "ec2", "resources")
    with gzip.open(os.path.join(resources, "instance_types.json.gz"), "rt", encoding="utf-8") as f:
        known_to_moto = set(json.load(f))
    out = {}
    for region in region_names:
        if region not in data:
            continue
        types = set(data[region]["enum"])
        offerings = os.path.join(resources, "instance_type_offerings", "region", region + ".json.gz")
        if os.path.exists(offerings):
            with gzip.open(offerings, "rt", encoding="utf-8") as f:
                offered = {entry["InstanceType"] for entry in json.load(f)}
            types -= (known_to_moto - offered)
        out[region] = types
    return out


def rds_classes(region_names):
    """Per region and engine: the classes offered without a commercial
    licence (no LicenseModel, or general-public-license)."""
    data = cfnlint_data("aws_rds_dbinstance", "dbinstanceclass_enum.json")
    out = {}
    for region in region_names:
        if region not in data:
            continue
        for rule in data[region]["allOf"]:
            condition = rule["if"]["properties"]
            engine = condition.get("Engine", {}).get("const")
            licence = condition.get("LicenseModel")
            if engine not in RDS_ENGINES or licence not in (False, {"const": "general-public-license"}):
                continue
            classes = rule["then"]["properties"]["DBInstanceClass"]["enum"]
            out.setdefault(engine, {}).setdefault(region, set()).update(classes)
    return out


def cache_node_types(region_names):
    data = cfnlint_data("aws_elasticache_cachecluster", "cachenodetype_enum.json")
    return {region: set(data[region]["enum"]) for region in region_names if region in data}


def version_key(version):
    return [int(part) if part.isdigit() else 0 for part in re.split(r"[.-]", version)]


def major_of(engine, version):
    parts = version.split(".")
    return parts[0] if engine == "postgres" and int(parts[0]) >= 10 else ".".join(parts[:2])


def rds_versions():
    """Per engine: every version RDS creates (not deprecated), and per
    major version the newest standard minor version (the one templates
    name). Extended Support builds (`-rds.` versions) are left out: they
    are billed extra, and mhac does not opt a deployment into that."""
    offered = {}
    for rule in cfnlint_data("aws_rds_dbinstance", "engine_version.json")["allOf"]:
        engine = rule["if"]["properties"].get("Engine", {}).get("const")
        if engine in RDS_ENGINES:
            offered.setdefault(engine, set()).update(rule["then"]["properties"]["EngineVersion"]["enum"])
    for rule in cfnlint_data("aws_rds_dbinstance", "engine_version_deprecated.json")["allOf"]:
        condition = rule["if"]["properties"]
        engine = condition.get("Engine", {}).get("const")
        if engine in RDS_ENGINES and rule.get("then") is False:
            offered[engine] -= set(condition["EngineVersion"]["enum"])
    out = {}
    for engine in RDS_ENGINES:
        standard = sorted((v for v in offered[engine] if re.fullmatch(r"\d+(\.\d+)+", v)), key=version_key)
        majors = {}
        for version in standard:
            majors[major_of(engine, version)] = version
        out[engine] = {
            "majors": dict(sorted(majors.items(), key=lambda item: version_key(item[0]))),
            "versions": standard,
        }
    return out


def cache_versions():
    out = {}
    for rule in cfnlint_data("aws_elasticache_cachecluster", "engine_version.json")["allOf"]:
        engine = rule["if"]["properties"].get("Engine", {}).get("const")
        if engine in CACHE_ENGINES:
            out[engine] = sorted(rule["then"]["properties"]["EngineVersion"]["enum"], key=version_key)
    return dict(sorted(out.items()))


def architectures():
    """Per architecture, the EC2 families whose every type has it."""
    import moto

    path = os.path.join(os.path.dirname(moto.__file__), "ec2", "resources", "instance_types.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        types = json.load(f)
    by_family = {}
    for name, info in types.items():
        family = name.partition(".")[0]
        archs = info["ProcessorInfo"]["SupportedArchitectures"]
        arch = "arm64" if "arm64" in archs else "x86_64" if "x86_64" in archs else "mac"
        if any(a.endswith("_mac") for a in archs):
            arch = "mac"
        by_family.setdefault(family, set()).add(arch)
    out = {}
    for family, archs in sorted(by_family.items()):
        if len(archs) == 1:
            out.setdefault(archs.pop(), []).append(family)
    return dict(sorted(out.items()))


def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/definitions/"):
        node = schema["definitions"][node["$ref"].split("/")[-1]]
    return node


def property_schema(schema, path):
    node = {"properties": schema["properties"]}
    for part in path.split("/"):
        node = resolve(schema, node)
        node = node.get("items", {}) if part == "*" else node.get("properties", {}).get(part, {})
    return resolve(schema, node)


KEPT = ("pattern", "minLength", "maxLength", "minimum", "maximum", "format")


def constraints(node):
    return {key: node[key] for key in KEPT if key in node}


def format_patterns():
    from cfnlint.rules.formats.AcmCertificateArn import AcmCertificateArn
    from cfnlint.rules.formats.ImageId import ImageId

    return {rule.format_keyword: rule.pattern for rule in (AcmCertificateArn(), ImageId())}


def emitted_types():
    types = set()
    for path in glob.glob(os.path.join(ROOT, "backends", "src", "cloudformation", "**", "*.rs"), recursive=True):
        with open(path, encoding="utf-8") as source:
            types.update(TYPE_NAME.findall(source.read()))
    return types


def schema_of(type_name):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_name).schema
    except Exception:  # cfn-lint raises its own ResourceNotFoundError
        return None


def source_properties(formats):
    out = {}
    for type_name, path, attribute in SOURCE_PROPERTIES:
        schema = schema_of(type_name)
        if schema is None:
            sys.exit(f"no resource schema for {type_name}")
        found = constraints(property_schema(schema, path))
        if "format" in found and found["format"] in formats:
            found["format_pattern"] = formats[found["format"]]
        out.setdefault(type_name, {})[path] = dict(found, source=attribute)
    return out


def tag_rules():
    """The strictest tag rules over every tagged type the backend emits."""
    rules = {"key": {"minLength": 0, "maxLength": None, "patterns": set()},
             "value": {"minLength": 0, "maxLength": None, "patterns": set()}}
    max_items = None
    applies = []
    for type_name in sorted(emitted_types()):
        schema = schema_of(type_name)
        if schema is None:
            continue
        for name in ("Tags", "FileSystemTags"):
            if name not in schema.get("properties", {}):
                continue
            tags = resolve(schema, schema["properties"][name])
            item = resolve(schema, tags.get("items", {}))
            if "properties" not in item:
                continue
            applies.append(f"{type_name}/{name}")
            if "maxItems" in tags:
                max_items = min(max_items or tags["maxItems"], tags["maxItems"])
            for part in ("key", "value"):
                node = resolve(schema, item["properties"].get(part.capitalize(), {}))
                rule = rules[part]
                rule["minLength"] = max(rule["minLength"], node.get("minLength", 0))
                if "maxLength" in node:
                    rule["maxLength"] = min(rule["maxLength"] or node["maxLength"], node["maxLength"])
                if "pattern" in node:
                    rule["patterns"].add(node["pattern"])
    for rule in rules.values():
        rule["patterns"] = sorted(rule["patterns"])
    limit = max_items or 50
    return {
        "key": rules["key"],
        "value": rules["value"],
        "max_per_resource": limit,
        "reserved_prefix": RESERVED_TAG_PREFIX,
        "mhac_tags": MHAC_TAGS,
        "max_user_tags": limit - len(MHAC_TAGS) - MHAC_TAG_RESERVE,
        "applies_to": applies,
    }


def reserved_words():
    from sqlalchemy.dialects.mysql import reserved_words as mysql
    from sqlalchemy.dialects.postgresql import base as postgresql

    words = {
        "mariadb": mysql.RESERVED_WORDS_MARIADB,
        "mysql": mysql.RESERVED_WORDS_MYSQL,
        "postgres": postgresql.RESERVED_WORDS,
    }
    return {engine: dict(rule, reserved=" ".join(sorted(w.lower() for w in words[engine])))
            for engine, rule in DB_NAME_RULES.items()}


def ses_regions(region_names):
    """The regions whose CloudFormation offers an SES domain identity: where
    mhac can verify a site's domain and Moodle can send mail."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    offered = []
    for region in region_names:
        try:
            PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, "AWS::SES::EmailIdentity")
        except Exception:  # ResourceNotFoundError: not offered there
            continue
        offered.append(region)
    return offered


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="stdlib/aws.json", help="relative to the repository root")
    args = parser.parse_args()

    from importlib.metadata import version

    names = regions()
    ec2 = ec2_types(names)
    rds = rds_classes(names)
    cache = cache_node_types(names)
    missing = [r for r in names if r not in ec2]
    if missing:
        sys.exit(f"cfn-lint has no EC2 instance types for {missing}")

    ec2_full = union_sizes(ec2, "")
    rds_full = {engine: union_sizes(per_region, "db.") for engine, per_region in rds.items()}
    cache_full = union_sizes(cache, "cache.")
    per_region = {}
    for region in names:
        per_region[region] = {
            "ec2": encode(ec2[region], "", ec2_full),
            "rds": {engine: encode(rds[engine].get(region, ()), "db.", rds_full[engine]) for engine in RDS_ENGINES},
            "cache": encode(cache.get(region, ()), "cache.", cache_full),
        }
    formats = format_patterns()
    document = {
        "generated_by": "scripts/gen-aws-facts.py",
        "source": (
            f"cfn-lint {version('cfn-lint')} (resource schemas and extensions), "
            f"moto {version('moto')} (EC2 DescribeInstanceTypes architectures), "
            f"SQLAlchemy {version('sqlalchemy')} (reserved words), RDS API reference (DBName rules)"
        ),
        "instance_families": {
            "ec2": families_table(ec2_full),
            "rds": {engine: families_table(full) for engine, full in sorted(rds_full.items())},
            "cache": families_table(cache_full),
        },
        "regions": per_region,
        "architectures": architectures(),
        "rds_engine_versions": rds_versions(),
        "cache_engine_versions": cache_versions(),
        "formats": formats,
        "db_names": reserved_words(),
        "tags": tag_rules(),
        "properties": source_properties(formats),
        "ses_regions": ses_regions(names),
    }
    path = os.path.join(ROOT, args.output)
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1, sort_keys=False, ensure_ascii=False)
        out.write("\n")
    os.replace(path + ".tmp", path)
    print(f"{args.output}: {len(names)} regions, {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
