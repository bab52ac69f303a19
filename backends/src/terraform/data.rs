//! Data: databases, file systems, caches and buckets, the stateful part of
//! the deployment. Each of them with `deletion_protection` (the default in
//! `prod`, where it cannot be turned off) gets
//! `lifecycle { prevent_destroy = true }`.
//!
//! * Database `DB`: `aws_db_subnet_group.DB` and `aws_db_instance.DB`
//!   (Multi-AZ, encrypted, master password managed by RDS in Secrets
//!   Manager, backups, deletion protection, a final snapshot with deletion
//!   protection, log exports from the stdlib, IAM authentication, enhanced
//!   monitoring through `aws_iam_role.DB_monitoring`, Performance Insights
//!   encrypted with the deployment's key). The engine's default parameter
//!   group, as in the CloudFormation backend (see its `data` module for why).
//! * File system `FS`: `aws_efs_file_system.FS` (encrypted with the
//!   deployment's key), `aws_efs_backup_policy.FS`,
//!   `aws_efs_mount_target.FS_ZONE` per zone, and
//!   `aws_efs_file_system_policy.FS` refusing clients without TLS.
//! * Cache `CACHE`: `aws_elasticache_subnet_group.CACHE` and
//!   `aws_elasticache_replication_group.CACHE` (a node per zone, Multi-AZ,
//!   automatic failover, encryption at rest with the deployment's key and in
//!   transit, an AUTH token generated into
//!   `aws_secretsmanager_secret.CACHE_auth_token`), or
//!   `aws_elasticache_cluster.CACHE` for Memcached.
//! * Bucket `BUCKET`: `aws_s3_bucket.BUCKET` and its encryption (the
//!   deployment's key), versioning, public access block (all four),
//!   ownership controls, lifecycle, access logging and TLS-only policy
//!   ([`bucket_resources`], also used for log buckets), and per app server
//!   group `aws_iam_role_policy.BUCKET_objects_APP`, which lets its instances
//!   read and write the objects.
//! * `aws_s3_bucket.s3_access_logs`, which receives the server access logs
//!   of every other bucket, when there is one.

use super::doc::{Area, Doc, Res, data_ref, empty, list, nested, reference, strings, suffixed};
use super::monitoring::{account_id, key_arn};
use super::names::address;
use super::network::{subnet_ids, tier_subnets};
use super::security::{Statement, assume_role_document, managed_policy_arn, policy_document};
use crate::decisions;
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::model::{Bucket, CacheEngine, Engine, Throughput};
use mhac_compiler::stdlib::stdlib;

/// The address name of the bucket that receives S3 server access logs.
pub const ACCESS_LOGS: &str = "s3_access_logs";

/// Build databases, file systems, caches and buckets.
pub fn build(doc: &mut Doc<'_>) {
    databases(doc);
    file_systems(doc);
    caches(doc);
    if decisions::access_log_bucket_needed(doc.model) {
        access_log_bucket(doc);
    }
    for bucket in &doc.model.buckets {
        object_storage(doc, bucket);
    }
}

/// The bucket S3 delivers server access logs to. Logging it into itself
/// would loop, so its own access logging is the one check it skips.
fn access_log_bucket(doc: &mut Doc<'_>) {
    let arn = reference("aws_s3_bucket", ACCESS_LOGS, "arn");
    let delivery = Statement::allow("S3WritesServerAccessLogs", &["s3:PutObject"])
        .on(vec![suffixed(arn, "/*")])
        .principal("Service", &["logging.s3.amazonaws.com"])
        .condition_expr("StringEquals", "aws:SourceAccount", vec![account_id()]);
    let spec = BucketSpec {
        area: Area::Data,
        name: ACCESS_LOGS.to_string(),
        purpose: "server access logs of the other buckets".to_string(),
        tag: "s3-access-logs".to_string(),
        versioning: true,
        noncurrent_days: Some(decisions::LOG_NONCURRENT_DAYS),
        expire_days: Some(doc.model.monitoring.retention_days),
        abort_days: decisions::LOG_ABORT_UPLOAD_DAYS,
        kms: false,
        retain: doc.model.deployment.is_prod(),
        logging_prefix: None,
        extra_statements: vec![delivery],
        skips: vec![(
            "CKV_AWS_18",
            "this bucket receives the server access logs of the other buckets; logging it would log into itself"
                .to_string(),
        )],
    };
    bucket_resources(doc, spec);
}

/// Object storage: the bucket, and the policy that lets each app server
/// group's instances list it and read, write and delete its objects
/// (through the deployment's key).
fn object_storage(doc: &mut Doc<'_>, bucket: &Bucket) {
    let name = bucket.name.as_str();
    let spec = BucketSpec {
        area: Area::Data,
        name: name.to_string(),
        purpose: format!("object storage {name}"),
        tag: name.to_string(),
        versioning: bucket.versioning,
        noncurrent_days: bucket.versioning.then_some(bucket.expire_noncurrent_days),
        expire_days: None,
        abort_days: decisions::ABORT_UPLOAD_DAYS,
        kms: true,
        retain: bucket.deletion_protection,
        logging_prefix: Some(format!("{name}/")),
        extra_statements: Vec::new(),
        skips: Vec::new(),
    };
    bucket_resources(doc, spec);
    let arn = reference("aws_s3_bucket", name, "arn");
    let mut apps = doc.model.app_servers.iter().peekable();
    if apps.peek().is_some() {
        let document = policy_document(
            address(&[name, "objects"]),
            &[
                Statement::allow("ListBucket", &["s3:ListBucket"]).on(vec![arn.clone()]),
                Statement::allow("ReadWriteObjects", &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                    .on(vec![suffixed(arn, "/*")]),
                Statement::allow("UseTheBucketKey", &["kms:Decrypt", "kms:GenerateDataKey"]).on(vec![key_arn()]),
            ],
        );
        let json = document.at("json");
        doc.add(Area::Data, document);
        for app in apps {
            let role = address(&[app.name.as_str(), "instance"]);
            doc.add(
                Area::Data,
                Res::resource("aws_iam_role_policy", address(&[name, "objects", app.name.as_str()]))
                    .attr("name", format!("{name}-objects"))
                    .attr("role", reference("aws_iam_role", &role, "id"))
                    .attr("policy", json.clone()),
            );
        }
    }
    super::layout::output(
        doc,
        &address(&[name, "bucket_name"]),
        format!("S3 bucket {name}"),
        reference("aws_s3_bucket", name, "bucket"),
    );
}

fn group_id(doc: &Doc<'_>, index: usize) -> Expression {
    let name = doc.model.security_groups.get(index).map_or("missing_group", |g| g.name.as_str());
    reference("aws_security_group", name, "id")
}

fn databases(doc: &mut Doc<'_>) {
    let model = doc.model;
    for db in &model.databases {
        let name = db.name.as_str();
        let facts = stdlib().services.engines.get(db.engine.as_str());
        let identifier = doc.physical(&[name], 63);
        let subnets = subnet_ids(model, db.tier);
        doc.add(
            Area::Data,
            Res::resource("aws_db_subnet_group", name)
                .attr("name", doc.physical(&[name], 255))
                .attr("description", format!("subnets of database {name}"))
                .attr("subnet_ids", list(subnets)),
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
        let skip_final_snapshot = !db.deletion_protection;
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
            .attr("monitoring_interval", decisions::DB_MONITORING_INTERVAL)
            .attr("monitoring_role_arn", reference("aws_iam_role", &monitoring_role, "arn"))
            .attr("performance_insights_enabled", db.performance_insights)
            .attr_opt(
                "performance_insights_retention_period",
                db.performance_insights.then_some(decisions::PERFORMANCE_INSIGHTS_DAYS),
            )
            .attr_opt("performance_insights_kms_key_id", db.performance_insights.then(key_arn))
            .attr("auto_minor_version_upgrade", true)
            .prevent_destroy(db.deletion_protection);
        if !db.deletion_protection {
            res = res.skip(
                "CKV_AWS_293",
                "deletion protection is off in the source (profile = dev makes databases deletable)",
            );
        }
        if !db.multi_az {
            res = res.skip("CKV_AWS_157", "multi_az = false in the source (allowed by profile = dev)");
        }
        if !db.encrypted {
            res = res.skip("CKV_AWS_16", "encrypted = false in the source (allowed by profile = dev, MHA602)");
        }
        if db.engine == Engine::Postgres {
            res = res.skip(
                "CKV2_AWS_30",
                "query logging (log_statement) needs a custom parameter group; like the CloudFormation template, which moto cannot deploy with one, the instance keeps the engine's default group and exports the postgresql log",
            );
        }
        doc.add(Area::Data, res);
        super::layout::output(
            doc,
            &address(&[name, "endpoint"]),
            format!("Host name of database {name} ($CFG->dbhost)"),
            reference("aws_db_instance", name, "address"),
        );
        super::layout::output(
            doc,
            &address(&[name, "port"]),
            format!("Port of database {name}"),
            reference("aws_db_instance", name, "port"),
        );
    }
}

fn file_systems(doc: &mut Doc<'_>) {
    let model = doc.model;
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
                .attr_opt("kms_key_id", fs.encrypted.then(key_arn))
                .attr("performance_mode", "generalPurpose")
                .attr("throughput_mode", throughput)
                .attr("tags", doc.name_tag(&[name]))
                .prevent_destroy(fs.deletion_protection),
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
        let tier = model.network.tiers.get(fs.tier);
        for (_, zone, subnet_address) in tier.into_iter().flat_map(|tier| tier_subnets(model, tier)) {
            doc.add(
                Area::Data,
                Res::resource("aws_efs_mount_target", address(&[name, &zone.suffix]))
                    .attr("file_system_id", reference("aws_efs_file_system", name, "id"))
                    .attr("subnet_id", reference("aws_subnet", &subnet_address, "id"))
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
            format!("EFS file system {name} (mount it as $CFG->dataroot)"),
            reference("aws_efs_file_system", name, "id"),
        );
    }
}

fn caches(doc: &mut Doc<'_>) {
    let model = doc.model;
    let zones = &model.deployment.zones;
    for cache in &model.caches {
        let name = cache.name.as_str();
        let subnets = subnet_ids(model, cache.tier);
        doc.add(
            Area::Data,
            Res::resource("aws_elasticache_subnet_group", name)
                .attr("name", doc.physical(&[name], 255))
                .attr("description", format!("subnets of cache {name}"))
                .attr("subnet_ids", list(subnets)),
        );
        let id = doc.physical(&[name], 40);
        let zone_names = strings(zones.iter().map(|z| z.name.as_str()));
        let transit = decisions::transit_encryption(cache);
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
                    .attr("transit_encryption_enabled", transit)
                    .attr("subnet_group_name", reference("aws_elasticache_subnet_group", name, "name"))
                    .attr("security_group_ids", list([group_id(doc, cache.security_group)]))
                    .attr("auto_minor_version_upgrade", "true")
                    .prevent_destroy(cache.deletion_protection),
            );
            cache_output(doc, name, "cluster", reference("aws_elasticache_cluster", name, "cluster_id"));
            continue;
        }
        let token = decisions::has_auth_token(cache).then(|| auth_token(doc, name, cache.deletion_protection));
        let mut res = Res::resource("aws_elasticache_replication_group", name)
            .attr("replication_group_id", id.as_str())
            .attr("description", format!("Cache {name} of {}", doc.deployment()))
            .attr("engine", cache.engine.as_str())
            .attr_opt("engine_version", cache.version.as_deref())
            .attr("node_type", cache.node_type.as_str())
            .attr("port", cache.engine.port())
            .attr("num_cache_clusters", zones.len())
            .attr("preferred_cache_cluster_azs", zone_names)
            .attr("automatic_failover_enabled", zones.len() > 1)
            .attr("multi_az_enabled", zones.len() > 1)
            .attr("at_rest_encryption_enabled", if cache.encrypted { "true" } else { "false" })
            .attr_opt("kms_key_id", decisions::cache_at_rest_key(cache).then(key_arn))
            .attr("transit_encryption_enabled", transit)
            .attr_opt("auth_token", token)
            .attr("subnet_group_name", reference("aws_elasticache_subnet_group", name, "name"))
            .attr("security_group_ids", list([group_id(doc, cache.security_group)]))
            .attr("snapshot_retention_limit", decisions::CACHE_SNAPSHOT_DAYS)
            .attr("auto_minor_version_upgrade", "true")
            .attr_opt("final_snapshot_identifier", cache.deletion_protection.then(|| format!("{id}-final")))
            .prevent_destroy(cache.deletion_protection);
        if !cache.encrypted {
            res = res.skip("CKV_AWS_29", "encrypted = false in the source (allowed by profile = dev)");
            if !transit {
                res = res
                    .skip("CKV_AWS_30", "encrypted = false in the source (allowed by profile = dev)")
                    .skip("CKV_AWS_31", "encrypted = false in the source: no TLS, so no AUTH token");
            }
        }
        doc.add(Area::Data, res);
        cache_output(doc, name, "replication group", reference("aws_elasticache_replication_group", name, "id"));
    }
}

/// `CACHE_cache_id`: the replication group or cluster. Its endpoints are
/// listed by ElastiCache (the CloudFormation template cannot name them: a
/// `GetAtt` of an ElastiCache endpoint in its Outputs crashes moto, and the
/// outputs of both backends are the same).
fn cache_output(doc: &mut Doc<'_>, name: &str, kind: &str, value: Expression) {
    super::layout::output(
        doc,
        &address(&[name, "cache_id"]),
        format!("ElastiCache {kind} of cache {name} (its endpoint is listed by ElastiCache)"),
        value,
    );
}

/// The cache's AUTH token: 64 letters and digits generated by Secrets
/// Manager into a secret encrypted with the deployment's key. The token is
/// generated once: later runs of the data source are ignored by the
/// secret's version. Returns the token, for the replication group.
fn auth_token(doc: &mut Doc<'_>, cache: &str, keep: bool) -> Expression {
    let name = address(&[cache, "auth_token"]);
    doc.add(
        Area::Data,
        Res::data("aws_secretsmanager_random_password", name.as_str())
            .attr("password_length", 64)
            .attr("exclude_punctuation", true),
    );
    doc.add(
        Area::Data,
        Res::resource("aws_secretsmanager_secret", name.as_str())
            .attr("name_prefix", format!("{}-", doc.physical(&[cache, "auth-token"], 200)))
            .attr("description", format!("AUTH token of cache {cache}"))
            .attr("kms_key_id", key_arn())
            .skip(
                "CKV2_AWS_57",
                "an ElastiCache AUTH token is rotated by changing it on the replication group as well (auth_token_update_strategy); mhac generates no rotation function for that",
            )
            .prevent_destroy(keep),
    );
    doc.add(
        Area::Data,
        Res::resource("aws_secretsmanager_secret_version", name.as_str())
            .attr("secret_id", reference("aws_secretsmanager_secret", &name, "id"))
            .attr("secret_string", data_ref("aws_secretsmanager_random_password", &name, "random_password"))
            .ignore_changes(&["secret_string"]),
    );
    reference("aws_secretsmanager_secret_version", &name, "secret_string")
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
    /// Abort incomplete multipart uploads after this many days.
    pub abort_days: u32,
    /// SSE-KMS with the deployment's key and a bucket key; else SSE-S3.
    pub kms: bool,
    /// Keep the bucket: `prevent_destroy`, never `force_destroy`.
    pub retain: bool,
    /// Send the bucket's server access logs to the access-log bucket, under
    /// this prefix (`None` for the access-log bucket itself).
    pub logging_prefix: Option<String>,
    /// Statements the bucket policy adds to the TLS-only one.
    pub extra_statements: Vec<Statement>,
    /// Checkov skips on the bucket, with reasons.
    pub skips: Vec<(&'static str, String)>,
}

/// A bucket and all its configuration resources; returns the address name.
pub fn bucket_resources(doc: &mut Doc<'_>, spec: BucketSpec) -> String {
    let name = spec.name.as_str();
    let id = reference("aws_s3_bucket", name, "id");
    let mut res = Res::resource("aws_s3_bucket", name)
        .attr("bucket_prefix", format!("{}-", doc.physical(&[name], 36)))
        .attr("force_destroy", !spec.retain)
        .attr("tags", doc.name_tag(&[&spec.tag]))
        .skip("CKV_AWS_144", "cross-region replication: the deployment lives in one region, as the source declares")
        .skip("CKV2_AWS_62", "event notifications: nothing in the deployment consumes bucket events")
        .prevent_destroy(spec.retain);
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
        nested(
            "apply_server_side_encryption_by_default",
            [("sse_algorithm", Expression::from("aws:kms")), ("kms_master_key_id", key_arn())],
        )
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
            [("days_after_initiation", Expression::from(spec.abort_days))],
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
    if let Some(prefix) = &spec.logging_prefix {
        doc.add(
            spec.area,
            Res::resource("aws_s3_bucket_logging", name)
                .attr("bucket", id.clone())
                .attr("target_bucket", reference("aws_s3_bucket", ACCESS_LOGS, "id"))
                .attr("target_prefix", prefix.as_str()),
        );
    }

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
