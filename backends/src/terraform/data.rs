//! Data: databases, file systems, caches and buckets, the stateful part of
//! the deployment. In a `prod` deployment each of them gets
//! `lifecycle { prevent_destroy = true }`.
//!
//! * Database `DB`: `aws_db_subnet_group.DB`, `aws_db_parameter_group.DB`
//!   (TLS required), `aws_db_instance.DB` (Multi-AZ, encrypted, master
//!   password managed by RDS in Secrets Manager, backups, deletion protection,
//!   final snapshot unless `dev`, log exports from the stdlib, IAM
//!   authentication, enhanced monitoring through `aws_iam_role.DB_monitoring`,
//!   Performance Insights).
//! * File system `FS`: `aws_efs_file_system.FS` (encrypted),
//!   `aws_efs_backup_policy.FS`, `aws_efs_mount_target.FS_ZONE` per zone, and
//!   `aws_efs_file_system_policy.FS` refusing clients without TLS.
//! * Cache `CACHE`: `aws_elasticache_subnet_group.CACHE` and
//!   `aws_elasticache_replication_group.CACHE` (a node per zone, Multi-AZ,
//!   automatic failover, encryption at rest and in transit), or
//!   `aws_elasticache_cluster.CACHE` for Memcached.
//! * Bucket `BUCKET`: `aws_s3_bucket.BUCKET` and its encryption, versioning,
//!   public access block (all four), ownership controls, lifecycle and
//!   TLS-only policy ([`bucket_resources`], also used for access-log buckets).

use super::doc::{Area, Doc, Res, empty, list, nested, reference, strings, suffixed};
use super::names::address;
use super::security::{Statement, assume_role_document, managed_policy_arn, policy_document};
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::model::{CacheEngine, Engine, Throughput};
use mhac_compiler::stdlib::stdlib;

/// Enhanced monitoring interval, seconds.
const MONITORING_INTERVAL: u32 = 60;
/// Performance Insights retention, days (the free tier).
const PERFORMANCE_INSIGHTS_DAYS: u32 = 7;
/// Days after which an incomplete multipart upload is aborted.
const ABORT_MULTIPART_DAYS: u32 = 7;

/// Build databases, file systems, caches and buckets.
pub fn build(doc: &mut Doc<'_>) {
    databases(doc);
    file_systems(doc);
    caches(doc);
    for bucket in &doc.model.buckets {
        let name = bucket.name.as_str();
        let spec = BucketSpec {
            area: Area::Data,
            name: name.to_string(),
            purpose: format!("object storage {name}"),
            tag: name.to_string(),
            versioning: bucket.versioning,
            noncurrent_days: bucket.versioning.then_some(bucket.expire_noncurrent_days),
            expire_days: None,
            kms: true,
            retain: bucket.deletion_protection,
            extra_statements: Vec::new(),
            skips: vec![(
                "CKV_AWS_18",
                "server access logging needs a log bucket the source does not declare; S3 data events in CloudTrail are the alternative".to_string(),
            )],
        };
        bucket_resources(doc, spec);
        super::layout::output(
            doc,
            &address(&[name, "bucket"]),
            format!("Name of the S3 bucket of object storage {name}"),
            reference("aws_s3_bucket", name, "bucket"),
        );
    }
}

/// The subnets of a tier, as references.
fn tier_subnets(doc: &Doc<'_>, tier: usize) -> Vec<(String, Expression)> {
    let model = doc.model;
    let Some(tier) = model.network.tiers.get(tier) else { return Vec::new() };
    tier.subnets
        .iter()
        .filter_map(|subnet| model.deployment.zones.get(subnet.zone))
        .map(|zone| (zone.suffix.clone(), reference("aws_subnet", &address(&[tier.name.as_str(), &zone.suffix]), "id")))
        .collect()
}

fn group_id(doc: &Doc<'_>, index: usize) -> Expression {
    let name = doc.model.security_groups.get(index).map_or("missing_group", |g| g.name.as_str());
    reference("aws_security_group", name, "id")
}

fn databases(doc: &mut Doc<'_>) {
    let model = doc.model;
    let prod = model.deployment.is_prod();
    for db in &model.databases {
        let name = db.name.as_str();
        let facts = stdlib().services.engines.get(db.engine.as_str());
        let identifier = doc.physical(&[name], 63);
        let subnets: Vec<Expression> = tier_subnets(doc, db.tier).into_iter().map(|(_, id)| id).collect();
        doc.add(
            Area::Data,
            Res::resource("aws_db_subnet_group", name)
                .attr("name", doc.physical(&[name], 255))
                .attr("description", format!("subnets of database {name}"))
                .attr("subnet_ids", list(subnets)),
        );

        // Require TLS from every client.
        let family_prefix = facts.and_then(|f| f.family_prefix.as_deref()).unwrap_or(db.engine.as_str());
        let (parameter, family_version) = match db.engine {
            Engine::Postgres => ("rds.force_ssl", db.version.split('.').next().unwrap_or(&db.version).to_string()),
            Engine::Mysql | Engine::Mariadb => {
                ("require_secure_transport", db.version.split('.').take(2).collect::<Vec<_>>().join("."))
            }
        };
        doc.add(
            Area::Data,
            Res::resource("aws_db_parameter_group", name)
                .attr("name_prefix", format!("{}-", doc.physical(&[name], 200)))
                .attr("family", format!("{family_prefix}{family_version}"))
                .attr("description", format!("database {name}: clients must use TLS"))
                .block(nested("parameter", [("name", Expression::from(parameter)), ("value", Expression::from("1"))]))
                .create_before_destroy(),
        );

        let monitoring_role = address(&[name, "monitoring"]);
        let assume = assume_role_document(address(&[&monitoring_role, "assume"]), "monitoring.rds.amazonaws.com");
        let assume_json = assume.at("json");
        doc.add(Area::Data, assume);
        doc.add(
            Area::Data,
            Res::resource("aws_iam_role", monitoring_role.as_str())
                .attr("description", format!("RDS enhanced monitoring of database {name}"))
                .attr("assume_role_policy", assume_json),
        );
        doc.add(
            Area::Data,
            Res::resource("aws_iam_role_policy_attachment", monitoring_role.as_str())
                .attr("role", reference("aws_iam_role", &monitoring_role, "name"))
                .attr("policy_arn", managed_policy_arn(doc, "service-role/AmazonRDSEnhancedMonitoringRole")),
        );

        let rds_engine = facts.and_then(|f| f.rds_engine.as_deref()).unwrap_or(db.engine.as_str());
        let exports = facts.map(|f| f.log_exports.clone()).unwrap_or_default();
        let skip_final_snapshot = !prod;
        let mut res = Res::resource("aws_db_instance", name)
            .attr("identifier", identifier.as_str())
            .attr("engine", rds_engine)
            .attr("engine_version", db.version.as_str())
            .attr("instance_class", db.class.as_str())
            .attr("allocated_storage", db.storage_gb)
            .attr("storage_type", "gp3")
            .attr("storage_encrypted", db.encrypted)
            .attr("db_name", db.db_name.as_str())
            .attr("username", db.username.as_str())
            .attr("manage_master_user_password", true)
            .attr("db_subnet_group_name", reference("aws_db_subnet_group", name, "name"))
            .attr("parameter_group_name", reference("aws_db_parameter_group", name, "name"))
            .attr("vpc_security_group_ids", list([group_id(doc, db.security_group)]))
            .attr("publicly_accessible", false)
            .attr("multi_az", db.multi_az)
            .attr("backup_retention_period", db.backup_days)
            .attr("copy_tags_to_snapshot", true)
            .attr("deletion_protection", db.deletion_protection)
            .attr("skip_final_snapshot", skip_final_snapshot)
            .attr_opt("final_snapshot_identifier", (!skip_final_snapshot).then(|| format!("{identifier}-final")))
            .attr("enabled_cloudwatch_logs_exports", strings(&exports))
            .attr("iam_database_authentication_enabled", true)
            .attr("monitoring_interval", MONITORING_INTERVAL)
            .attr("monitoring_role_arn", reference("aws_iam_role", &monitoring_role, "arn"))
            .attr("performance_insights_enabled", db.performance_insights)
            .attr_opt(
                "performance_insights_retention_period",
                db.performance_insights.then_some(PERFORMANCE_INSIGHTS_DAYS),
            )
            .attr("auto_minor_version_upgrade", true)
            .prevent_destroy(prod);
        if !db.deletion_protection {
            res = res.skip(
                "CKV_AWS_293",
                "deletion protection is off in the source (profile = dev makes databases deletable)",
            );
        }
        if !db.multi_az {
            res = res.skip("CKV_AWS_157", "multi_az = false in the source (allowed by profile = dev)");
        }
        if db.performance_insights {
            res = res.skip(
                "CKV_AWS_354",
                "Performance Insights data is encrypted with the AWS-managed key; the source declares no customer-managed KMS key",
            );
        }
        doc.add(Area::Data, res);
        super::layout::output(
            doc,
            &address(&[name, "endpoint"]),
            format!("Address of database {name}"),
            reference("aws_db_instance", name, "address"),
        );
    }
}

fn file_systems(doc: &mut Doc<'_>) {
    let model = doc.model;
    let prod = model.deployment.is_prod();
    for fs in &model.file_systems {
        let name = fs.name.as_str();
        let throughput = match fs.throughput {
            Throughput::Elastic => "elastic",
            Throughput::Bursting => "bursting",
        };
        doc.add(
            Area::Data,
            Res::resource("aws_efs_file_system", name)
                .attr("creation_token", doc.physical(&[name], 64))
                .attr("encrypted", fs.encrypted)
                .attr("performance_mode", "generalPurpose")
                .attr("throughput_mode", throughput)
                .attr("tags", doc.name_tag(&[name]))
                .skip(
                    "CKV_AWS_184",
                    "encrypted at rest with the AWS-managed EFS key; the source declares no customer-managed KMS key",
                )
                .prevent_destroy(prod),
        );
        doc.add(
            Area::Data,
            Res::resource("aws_efs_backup_policy", name)
                .attr("file_system_id", reference("aws_efs_file_system", name, "id"))
                .block(nested(
                    "backup_policy",
                    [("status", Expression::from(if fs.backup { "ENABLED" } else { "DISABLED" }))],
                )),
        );
        for (suffix, subnet) in tier_subnets(doc, fs.tier) {
            doc.add(
                Area::Data,
                Res::resource("aws_efs_mount_target", address(&[name, &suffix]))
                    .attr("file_system_id", reference("aws_efs_file_system", name, "id"))
                    .attr("subnet_id", subnet)
                    .attr("security_groups", list([group_id(doc, fs.security_group)])),
            );
        }
        let arn = reference("aws_efs_file_system", name, "arn");
        let policy = policy_document(
            address(&[name, "tls"]),
            &[
                Statement::allow(
                    "MountThroughMountTargets",
                    &[
                        "elasticfilesystem:ClientMount",
                        "elasticfilesystem:ClientWrite",
                        "elasticfilesystem:ClientRootAccess",
                    ],
                )
                .on(vec![arn.clone()])
                .principal("AWS", &["*"])
                .condition("Bool", "elasticfilesystem:AccessedViaMountTarget", &["true"]),
                Statement::deny_insecure_transport(&["*"], vec![arn]),
            ],
        );
        let json = policy.at("json");
        doc.add(Area::Data, policy);
        doc.add(
            Area::Data,
            Res::resource("aws_efs_file_system_policy", name)
                .attr("file_system_id", reference("aws_efs_file_system", name, "id"))
                .attr("policy", json),
        );
        super::layout::output(
            doc,
            &address(&[name, "file_system_id"]),
            format!("Id of file system {name}"),
            reference("aws_efs_file_system", name, "id"),
        );
    }
}

fn caches(doc: &mut Doc<'_>) {
    let model = doc.model;
    let prod = model.deployment.is_prod();
    let zones = &model.deployment.zones;
    for cache in &model.caches {
        let name = cache.name.as_str();
        let subnets: Vec<Expression> = tier_subnets(doc, cache.tier).into_iter().map(|(_, id)| id).collect();
        doc.add(
            Area::Data,
            Res::resource("aws_elasticache_subnet_group", name)
                .attr("name", doc.physical(&[name], 255))
                .attr("description", format!("subnets of cache {name}"))
                .attr("subnet_ids", list(subnets)),
        );
        let id = doc.physical(&[name], 40);
        let zone_names = strings(zones.iter().map(|z| z.name.as_str()));
        if cache.engine == CacheEngine::Memcached {
            doc.add(
                Area::Data,
                Res::resource("aws_elasticache_cluster", name)
                    .attr("cluster_id", id.as_str())
                    .attr("engine", "memcached")
                    .attr_opt("engine_version", cache.version.as_deref())
                    .attr("node_type", cache.node_type.as_str())
                    .attr("port", cache.engine.port())
                    .attr("num_cache_nodes", zones.len())
                    .attr("az_mode", if zones.len() > 1 { "cross-az" } else { "single-az" })
                    .attr("preferred_availability_zones", zone_names)
                    .attr("transit_encryption_enabled", cache.encrypted)
                    .attr("subnet_group_name", reference("aws_elasticache_subnet_group", name, "name"))
                    .attr("security_group_ids", list([group_id(doc, cache.security_group)]))
                    .prevent_destroy(prod),
            );
            super::layout::output(
                doc,
                &address(&[name, "endpoint"]),
                format!("Configuration endpoint of cache {name}"),
                reference("aws_elasticache_cluster", name, "configuration_endpoint"),
            );
            continue;
        }
        let mut res = Res::resource("aws_elasticache_replication_group", name)
            .attr("replication_group_id", id.as_str())
            .attr("description", format!("cache {name} of deployment {}", doc.deployment()))
            .attr("engine", cache.engine.as_str())
            .attr_opt("engine_version", cache.version.as_deref())
            .attr("node_type", cache.node_type.as_str())
            .attr("port", cache.engine.port())
            .attr("num_cache_clusters", zones.len())
            .attr("preferred_cache_cluster_azs", zone_names)
            .attr("automatic_failover_enabled", zones.len() > 1)
            .attr("multi_az_enabled", zones.len() > 1)
            .attr("at_rest_encryption_enabled", if cache.encrypted { "true" } else { "false" })
            .attr("transit_encryption_enabled", cache.encrypted)
            .attr("subnet_group_name", reference("aws_elasticache_subnet_group", name, "name"))
            .attr("security_group_ids", list([group_id(doc, cache.security_group)]))
            .attr("auto_minor_version_upgrade", "true")
            .attr_opt("final_snapshot_identifier", cache.deletion_protection.then(|| format!("{id}-final")))
            .skip(
                "CKV_AWS_31",
                "clients are limited by security group and TLS; the source declares no AUTH token secret to give Moodle",
            )
            .skip(
                "CKV_AWS_191",
                "encrypted at rest with the AWS-managed ElastiCache key; the source declares no customer-managed KMS key",
            )
            .prevent_destroy(prod);
        if !cache.encrypted {
            res = res
                .skip("CKV_AWS_29", "encrypted = false in the source")
                .skip("CKV_AWS_30", "encrypted = false in the source");
        }
        doc.add(Area::Data, res);
        super::layout::output(
            doc,
            &address(&[name, "endpoint"]),
            format!("Primary endpoint of cache {name}"),
            reference("aws_elasticache_replication_group", name, "primary_endpoint_address"),
        );
    }
}

/// What an S3 bucket needs.
pub struct BucketSpec {
    /// The file it goes to.
    pub area: Area,
    /// Its address.
    pub name: String,
    /// What it holds, for messages.
    pub purpose: String,
    /// Its console name after the deployment's (`moodledata`, `front-access-logs`).
    pub tag: String,
    /// Versioning.
    pub versioning: bool,
    /// Expire noncurrent versions after this many days.
    pub noncurrent_days: Option<u32>,
    /// Expire current objects after this many days.
    pub expire_days: Option<u32>,
    /// SSE-KMS with the AWS-managed key and a bucket key; else SSE-S3.
    pub kms: bool,
    /// Keep the bucket: `prevent_destroy` in prod, never `force_destroy`.
    pub retain: bool,
    /// Statements the bucket policy adds to the TLS-only one.
    pub extra_statements: Vec<Statement>,
    /// Checkov skips on the bucket, with reasons.
    pub skips: Vec<(&'static str, String)>,
}

/// A bucket and all its configuration resources; returns the address name.
pub fn bucket_resources(doc: &mut Doc<'_>, spec: BucketSpec) -> String {
    let prod = doc.model.deployment.is_prod();
    let name = spec.name.as_str();
    let id = reference("aws_s3_bucket", name, "id");
    let mut res = Res::resource("aws_s3_bucket", name)
        .attr("bucket_prefix", format!("{}-", doc.physical(&[name], 36)))
        .attr("force_destroy", !spec.retain)
        .attr("tags", doc.name_tag(&[&spec.tag]))
        .skip("CKV_AWS_144", "cross-region replication: the deployment lives in one region, as the source declares")
        .skip("CKV2_AWS_62", "event notifications: nothing in the deployment consumes bucket events")
        .prevent_destroy(prod && spec.retain);
    if !spec.kms {
        res = res.skip("CKV_AWS_145", format!("{}: the writing service supports SSE-S3 only", spec.purpose));
    }
    for (check, reason) in &spec.skips {
        res = res.skip(check, reason.clone());
    }
    if !spec.versioning {
        res = res.skip("CKV_AWS_21", "versioning = false in the source");
    }
    doc.add(spec.area, res);

    let default = if spec.kms {
        nested("apply_server_side_encryption_by_default", [("sse_algorithm", Expression::from("aws:kms"))])
    } else {
        nested("apply_server_side_encryption_by_default", [("sse_algorithm", Expression::from("AES256"))])
    };
    let rule = Block::builder("rule").add_attribute(("bucket_key_enabled", spec.kms)).add_block(default).build();
    doc.add(
        spec.area,
        Res::resource("aws_s3_bucket_server_side_encryption_configuration", name)
            .attr("bucket", id.clone())
            .block(rule),
    );
    if spec.versioning {
        doc.add(
            spec.area,
            Res::resource("aws_s3_bucket_versioning", name)
                .attr("bucket", id.clone())
                .block(nested("versioning_configuration", [("status", Expression::from("Enabled"))])),
        );
    }
    doc.add(
        spec.area,
        Res::resource("aws_s3_bucket_public_access_block", name)
            .attr("bucket", id.clone())
            .attr("block_public_acls", true)
            .attr("block_public_policy", true)
            .attr("ignore_public_acls", true)
            .attr("restrict_public_buckets", true),
    );
    doc.add(
        spec.area,
        Res::resource("aws_s3_bucket_ownership_controls", name)
            .attr("bucket", id.clone())
            .block(nested("rule", [("object_ownership", Expression::from("BucketOwnerEnforced"))])),
    );
    let mut rule = Block::builder("rule")
        .add_attribute(("id", "mhac-lifecycle"))
        .add_attribute(("status", "Enabled"))
        .add_block(empty("filter"))
        .add_block(nested(
            "abort_incomplete_multipart_upload",
            [("days_after_initiation", Expression::from(ABORT_MULTIPART_DAYS))],
        ));
    if let Some(days) = spec.expire_days {
        rule = rule.add_block(nested("expiration", [("days", Expression::from(days))]));
    }
    if let Some(days) = spec.noncurrent_days {
        rule = rule.add_block(nested("noncurrent_version_expiration", [("noncurrent_days", Expression::from(days))]));
    }
    let mut lifecycle =
        Res::resource("aws_s3_bucket_lifecycle_configuration", name).attr("bucket", id.clone()).block(rule.build());
    if spec.versioning {
        lifecycle = lifecycle.depends_on(super::doc::resource_ref("aws_s3_bucket_versioning", name));
    }
    doc.add(spec.area, lifecycle);

    let arn = reference("aws_s3_bucket", name, "arn");
    let mut statements = spec.extra_statements;
    statements.push(Statement::deny_insecure_transport(&["s3:*"], vec![arn.clone(), suffixed(arn, "/*")]));
    let policy = policy_document(name.to_string(), &statements);
    let json = policy.at("json");
    doc.add(spec.area, policy);
    doc.add(
        spec.area,
        Res::resource("aws_s3_bucket_policy", name)
            .attr("bucket", id)
            .attr("policy", json)
            .depends_on(super::doc::resource_ref("aws_s3_bucket_public_access_block", name)),
    );
    spec.name
}
