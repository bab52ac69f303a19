//! Data: buckets, databases, file systems and caches, the stateful part of
//! the deployment. Each of them that is kept (`deletion_protection`, the
//! default in `prod`) gets `lifecycle { prevent_destroy = true }`.
//!
//! * Bucket `BUCKET`: `aws_s3_bucket.BUCKET` and its encryption (the
//!   deployment's key, or SSE-S3 for log buckets), versioning, public access
//!   block (all four), ownership controls, lifecycle, access logging, and
//!   its TLS-only policy; per app server group
//!   `aws_iam_role_policy.BUCKET_objects_APP`, which lets its instances read
//!   and write the objects. The log buckets (`s3_access_logs`, which
//!   receives the server access logs of every other bucket, and
//!   `LB_access_logs`) are buckets like the others.
//! * Database `DB`: `aws_db_subnet_group.DB` and `aws_db_instance.DB`
//!   (Multi-AZ, encrypted, master password managed by RDS in Secrets
//!   Manager, backups, deletion protection, a final snapshot with deletion
//!   protection, log exports, IAM authentication, enhanced monitoring
//!   through `aws_iam_role.DB_monitoring`, Performance Insights encrypted
//!   with the deployment's key). The engine's default parameter group, as in
//!   the CloudFormation printer (see its `data` module for why).
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

use super::doc::{Area, Doc, Res, data_ref, empty, list, nested, reference, resource_ref, strings, suffixed};
use super::doc::{TemplatePart, template};
use super::monitoring::account_id;
use super::security::{Statement, assume_role_document, managed_policy_arn, policy_document};
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::model::{Engine, Throughput};
use mhac_compiler::plan::identity::{assume_document, bucket_objects, file_system_tls};
use mhac_compiler::plan::{
    AuthToken, Bucket, BucketAccess, BucketPolicy, BucketUse, BucketWriter, Cache, CacheEngineKind, CacheSubnetGroup,
    DbInstance, DbMonitoringRole, DbSubnetGroup, FileSystem, Keep, MountTarget, PartId, SiteSecret, SiteSecretUse,
    decisions,
};

/// The file a bucket goes to: a load balancer's log bucket beside it.
fn bucket_area(usage: &BucketUse) -> Area {
    match usage {
        BucketUse::LoadBalancerLogs { .. } => Area::LoadBalancer,
        BucketUse::AccessLogs | BucketUse::Objects { .. } => Area::Data,
    }
}

/// A bucket and all its configuration resources.
pub fn bucket(doc: &mut Doc<'_>, id: PartId, bucket: &Bucket) {
    let name = doc.name(id);
    let area = bucket_area(&bucket.usage);
    let (purpose, tag) = match &bucket.usage {
        BucketUse::AccessLogs => ("server access logs of the other buckets".to_string(), "s3-access-logs".to_string()),
        BucketUse::LoadBalancerLogs { load_balancer } => {
            (format!("access logs of load balancer {load_balancer}"), format!("{load_balancer}-access-logs"))
        }
        BucketUse::Objects { name } => (format!("object storage {name}"), name.clone()),
    };
    let retain = bucket.keep != Keep::Delete;
    let bucket_id = doc.at(id, "id");
    let mut res = Res::resource("aws_s3_bucket", name)
        .attr("bucket_prefix", format!("{}-", doc.physical(&[name], 36)))
        .attr("force_destroy", !retain)
        .attr("tags", doc.name_tag(&[&tag]))
        .skip("CKV_AWS_144", "cross-region replication: the deployment lives in one region, as the source declares")
        .skip("CKV2_AWS_62", "event notifications: nothing in the deployment consumes bucket events")
        .prevent_destroy(retain);
    if bucket.key.is_none() {
        res = res.skip("CKV_AWS_145", format!("{purpose}: the writing service supports SSE-S3 only"));
    }
    if bucket.usage == BucketUse::AccessLogs {
        res = res.skip(
            "CKV_AWS_18",
            "this bucket receives the server access logs of the other buckets; logging it would log into itself",
        );
    }
    if !bucket.versioning {
        res = res.skip("CKV_AWS_21", "versioning = false in the source");
    }
    doc.add(id, area, res);

    let default = match bucket.key {
        Some(key) => nested(
            "apply_server_side_encryption_by_default",
            [("sse_algorithm", Expression::from("aws:kms")), ("kms_master_key_id", doc.at(key, "arn"))],
        ),
        None => nested("apply_server_side_encryption_by_default", [("sse_algorithm", Expression::from("AES256"))]),
    };
    let rule =
        Block::builder("rule").add_attribute(("bucket_key_enabled", bucket.key.is_some())).add_block(default).build();
    doc.add(
        id,
        area,
        Res::resource("aws_s3_bucket_server_side_encryption_configuration", name)
            .attr("bucket", bucket_id.clone())
            .block(rule),
    );
    if bucket.versioning {
        doc.add(
            id,
            area,
            Res::resource("aws_s3_bucket_versioning", name)
                .attr("bucket", bucket_id.clone())
                .block(nested("versioning_configuration", [("status", Expression::from("Enabled"))])),
        );
    }
    doc.add(
        id,
        area,
        Res::resource("aws_s3_bucket_public_access_block", name)
            .attr("bucket", bucket_id.clone())
            .attr("block_public_acls", true)
            .attr("block_public_policy", true)
            .attr("ignore_public_acls", true)
            .attr("restrict_public_buckets", true),
    );
    doc.add(
        id,
        area,
        Res::resource("aws_s3_bucket_ownership_controls", name)
            .attr("bucket", bucket_id.clone())
            .block(nested("rule", [("object_ownership", Expression::from("BucketOwnerEnforced"))])),
    );
    let mut rule = Block::builder("rule")
        .add_attribute(("id", "mhac-lifecycle"))
        .add_attribute(("status", "Enabled"))
        .add_block(empty("filter"))
        .add_block(nested(
            "abort_incomplete_multipart_upload",
            [("days_after_initiation", Expression::from(bucket.abort_days))],
        ));
    if let Some(days) = bucket.expire_days {
        rule = rule.add_block(nested("expiration", [("days", Expression::from(days))]));
    }
    if let Some(days) = bucket.noncurrent_days {
        rule = rule.add_block(nested("noncurrent_version_expiration", [("noncurrent_days", Expression::from(days))]));
    }
    let mut lifecycle = Res::resource("aws_s3_bucket_lifecycle_configuration", name)
        .attr("bucket", bucket_id.clone())
        .block(rule.build());
    if bucket.versioning {
        lifecycle = lifecycle.depends_on(resource_ref("aws_s3_bucket_versioning", name));
    }
    doc.add(id, area, lifecycle);
    if let Some((logs, prefix)) = &bucket.logging {
        doc.add(
            id,
            area,
            Res::resource("aws_s3_bucket_logging", name)
                .attr("bucket", bucket_id)
                .attr("target_bucket", doc.at(*logs, "id"))
                .attr("target_prefix", prefix.as_str()),
        );
    }
}

/// A bucket's policy: TLS only, and the log writer (if any).
pub fn bucket_policy(doc: &mut Doc<'_>, id: PartId, policy: &BucketPolicy) {
    let bucket = doc.name(policy.bucket);
    let area = match &doc.plan.part(policy.bucket).kind {
        mhac_compiler::plan::PartKind::Bucket(b) => bucket_area(&b.usage),
        _ => Area::Data,
    };
    let arn = doc.at(policy.bucket, "arn");
    let mut statements = match &policy.writer {
        BucketWriter::None => Vec::new(),
        BucketWriter::S3Logging => vec![
            Statement::allow("S3WritesServerAccessLogs", &["s3:PutObject"])
                .on(vec![suffixed(arn.clone(), "/*")])
                .principal("Service", &["logging.s3.amazonaws.com"])
                .condition_expr("StringEquals", "aws:SourceAccount", vec![account_id()]),
        ],
        BucketWriter::LoadBalancer { elb_account } => {
            let objects = vec![template([
                TemplatePart::Expr(arn.clone()),
                TemplatePart::Text("/AWSLogs/".to_string()),
                TemplatePart::Expr(account_id()),
                TemplatePart::Text("/*".to_string()),
            ])];
            let statement = Statement::allow("ElasticLoadBalancingLogDelivery", &["s3:PutObject"]).on(objects);
            vec![match elb_account {
                Some(account) => statement.principal("AWS", &[&format!("arn:{}:iam::{account}:root", doc.partition())]),
                None => statement.principal("Service", &["logdelivery.elasticloadbalancing.amazonaws.com"]),
            }]
        }
    };
    statements.push(Statement::deny_insecure_transport(&["s3:*"], vec![arn.clone(), suffixed(arn, "/*")]));
    let document = policy_document(bucket.to_string(), &statements);
    let json = document.at("json");
    doc.add(id, area, document);
    doc.add(
        id,
        area,
        Res::resource("aws_s3_bucket_policy", doc.name(id))
            .attr("bucket", doc.at(policy.bucket, "id"))
            .attr("policy", json)
            .depends_on(resource_ref("aws_s3_bucket_public_access_block", bucket)),
    );
}

/// The policy that lets each app server group's instances list the bucket
/// and read, write and delete its objects (through the deployment's key).
pub fn bucket_access(doc: &mut Doc<'_>, id: PartId, access: &BucketAccess) {
    let arn = doc.at(access.bucket, "arn");
    let document = policy_document(
        bucket_objects(&access.name, None),
        &[
            Statement::allow("ListBucket", &["s3:ListBucket"]).on(vec![arn.clone()]),
            Statement::allow("ReadWriteObjects", &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                .on(vec![suffixed(arn, "/*")]),
            Statement::allow("UseTheBucketKey", &["kms:Decrypt", "kms:GenerateDataKey"])
                .on(vec![doc.at(access.key, "arn")]),
        ],
    );
    let json = document.at("json");
    doc.add(id, Area::Data, document);
    for (role, app) in &access.roles {
        doc.add(
            id,
            Area::Data,
            Res::resource("aws_iam_role_policy", bucket_objects(&access.name, Some(app)))
                .attr("name", format!("{}-objects", access.name))
                .attr("role", doc.at(*role, "id"))
                .attr("policy", json.clone()),
        );
    }
}

pub fn db_subnet_group(doc: &mut Doc<'_>, id: PartId, group: &DbSubnetGroup) {
    let name = group.database.as_str();
    let subnets: Vec<Expression> = group.subnets.iter().map(|subnet| doc.at(*subnet, "id")).collect();
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_db_subnet_group", doc.name(id))
            .attr("name", doc.physical(&[name], 255))
            .attr("description", format!("subnets of database {name}"))
            .attr("subnet_ids", list(subnets)),
    );
}

pub fn db_monitoring_role(doc: &mut Doc<'_>, id: PartId, role: &DbMonitoringRole) {
    let name = doc.name(id);
    let assume = assume_role_document(assume_document(name), "monitoring.rds.amazonaws.com");
    let assume_json = assume.at("json");
    doc.add(id, Area::Data, assume);
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_iam_role", name)
            .attr("description", format!("RDS enhanced monitoring of database {}", role.database))
            .attr("assume_role_policy", assume_json),
    );
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_iam_role_policy_attachment", name)
            .attr("role", reference("aws_iam_role", name, "name"))
            .attr("policy_arn", managed_policy_arn(doc, "service-role/AmazonRDSEnhancedMonitoringRole")),
    );
}

pub fn db_instance(doc: &mut Doc<'_>, id: PartId, db: &DbInstance) {
    let name = db.name.as_str();
    let identifier = doc.physical(&[name], 63);
    let skip_final_snapshot = !db.deletion_protection;
    let mut res = Res::resource("aws_db_instance", doc.name(id))
        .attr("identifier", identifier.as_str())
        .attr("engine", db.rds_engine.as_str())
        .attr("engine_version", db.version.as_str())
        .attr("instance_class", db.class.as_str())
        .attr("allocated_storage", db.storage_gb)
        .attr("storage_type", "gp3")
        .attr("storage_encrypted", db.encrypted)
        .attr("db_name", db.db_name.as_str())
        .attr("username", db.username.as_str())
        .attr("manage_master_user_password", true)
        .attr("db_subnet_group_name", doc.at(db.subnet_group, "name"))
        .attr("vpc_security_group_ids", list([doc.at(db.group, "id")]))
        .attr("publicly_accessible", false)
        .attr("multi_az", db.multi_az)
        .attr("backup_retention_period", db.backup_days)
        .attr("copy_tags_to_snapshot", true)
        .attr("deletion_protection", db.deletion_protection)
        .attr("skip_final_snapshot", skip_final_snapshot)
        .attr_opt("final_snapshot_identifier", (!skip_final_snapshot).then(|| format!("{identifier}-final")))
        .attr("enabled_cloudwatch_logs_exports", strings(&db.log_exports))
        .attr("iam_database_authentication_enabled", true)
        .attr("monitoring_interval", decisions::DB_MONITORING_INTERVAL)
        .attr("monitoring_role_arn", doc.at(db.monitoring_role, "arn"))
        .attr("performance_insights_enabled", db.performance_insights.is_some())
        .attr_opt(
            "performance_insights_retention_period",
            db.performance_insights.map(|_| decisions::PERFORMANCE_INSIGHTS_DAYS),
        )
        .attr_opt("performance_insights_kms_key_id", db.performance_insights.map(|key| doc.at(key, "arn")))
        .attr("auto_minor_version_upgrade", true)
        .prevent_destroy(db.deletion_protection);
    if !db.deletion_protection {
        res = res
            .skip("CKV_AWS_293", "deletion protection is off in the source (profile = dev makes databases deletable)");
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
    doc.add(id, Area::Data, res);
}

pub fn file_system(doc: &mut Doc<'_>, id: PartId, fs: &FileSystem) {
    let name = doc.name(id);
    let throughput = match fs.throughput {
        Throughput::Elastic => "elastic",
        Throughput::Bursting => "bursting",
    };
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_efs_file_system", name)
            .attr("creation_token", doc.physical(&[fs.name.as_str()], 64))
            .attr("encrypted", fs.key.is_some())
            .attr_opt("kms_key_id", fs.key.map(|key| doc.at(key, "arn")))
            .attr("performance_mode", "generalPurpose")
            .attr("throughput_mode", throughput)
            .attr("tags", doc.name_tag(&[fs.name.as_str()]))
            .prevent_destroy(fs.keep),
    );
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_efs_backup_policy", name).attr("file_system_id", doc.at(id, "id")).block(nested(
            "backup_policy",
            [("status", Expression::from(if fs.backup { "ENABLED" } else { "DISABLED" }))],
        )),
    );
    let arn = doc.at(id, "arn");
    let policy = policy_document(
        file_system_tls(&fs.name),
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
    doc.add(id, Area::Data, policy);
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_efs_file_system_policy", name).attr("file_system_id", doc.at(id, "id")).attr("policy", json),
    );
}

pub fn mount_target(doc: &mut Doc<'_>, id: PartId, target: &MountTarget) {
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_efs_mount_target", doc.name(id))
            .attr("file_system_id", doc.at(target.file_system, "id"))
            .attr("subnet_id", doc.at(target.subnet, "id"))
            .attr("security_groups", list([doc.at(target.group, "id")])),
    );
}

pub fn cache_subnet_group(doc: &mut Doc<'_>, id: PartId, group: &CacheSubnetGroup) {
    let name = group.cache.as_str();
    let subnets: Vec<Expression> = group.subnets.iter().map(|subnet| doc.at(*subnet, "id")).collect();
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_elasticache_subnet_group", doc.name(id))
            .attr("name", doc.physical(&[name], 255))
            .attr("description", format!("subnets of cache {name}"))
            .attr("subnet_ids", list(subnets)),
    );
}

/// The cache's AUTH token: 64 letters and digits generated by Secrets
/// Manager into a secret encrypted with the deployment's key. The token is
/// generated once: later runs of the data source are ignored by the
/// secret's version.
pub fn auth_token(doc: &mut Doc<'_>, id: PartId, token: &AuthToken) {
    let name = doc.name(id);
    doc.add(
        id,
        Area::Data,
        Res::data("aws_secretsmanager_random_password", name)
            .attr("password_length", 64)
            .attr("exclude_punctuation", true),
    );
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_secretsmanager_secret", name)
            .attr("name_prefix", format!("{}-", doc.physical(&[token.cache.as_str(), "auth-token"], 200)))
            .attr("description", format!("AUTH token of cache {}", token.cache))
            .attr("kms_key_id", doc.at(token.key, "arn"))
            .skip(
                "CKV2_AWS_57",
                "an ElastiCache AUTH token is rotated by changing it on the replication group as well (auth_token_update_strategy); mhac generates no rotation function for that",
            )
            .prevent_destroy(token.keep),
    );
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_secretsmanager_secret_version", name)
            .attr("secret_id", doc.at(id, "id"))
            .attr("secret_string", data_ref("aws_secretsmanager_random_password", name, "random_password"))
            .ignore_changes(&["secret_string"]),
    );
}

pub fn cache(doc: &mut Doc<'_>, id: PartId, cache: &Cache) {
    let name = cache.name.as_str();
    let physical = doc.physical(&[name], 40);
    let zones = cache.zones.len();
    let zone_names = strings(cache.zones.iter().map(|zone| doc.zone_name(*zone)));
    let CacheEngineKind::Replicated { engine, at_rest, key, auth_token } = &cache.engine else {
        doc.add(
            id,
            Area::Data,
            Res::resource("aws_elasticache_cluster", doc.name(id))
                .attr("cluster_id", physical.as_str())
                .attr("engine", "memcached")
                .attr_opt("engine_version", cache.version.as_deref())
                .attr("node_type", cache.node_type.as_str())
                .attr("port", cache.port)
                .attr("num_cache_nodes", zones)
                .attr("az_mode", if zones > 1 { "cross-az" } else { "single-az" })
                .attr("preferred_availability_zones", zone_names)
                .attr("transit_encryption_enabled", cache.transit_encryption)
                .attr("subnet_group_name", doc.at(cache.subnet_group, "name"))
                .attr("security_group_ids", list([doc.at(cache.group, "id")]))
                .attr("auto_minor_version_upgrade", "true")
                .prevent_destroy(cache.deletion_protection),
        );
        return;
    };
    let token =
        auth_token.map(|token| reference("aws_secretsmanager_secret_version", doc.name(token), "secret_string"));
    let mut res = Res::resource("aws_elasticache_replication_group", doc.name(id))
        .attr("replication_group_id", physical.as_str())
        .attr("description", format!("Cache {name} of {}", doc.deployment()))
        .attr("engine", *engine)
        .attr_opt("engine_version", cache.version.as_deref())
        .attr("node_type", cache.node_type.as_str())
        .attr("port", cache.port)
        .attr("num_cache_clusters", zones)
        .attr("preferred_cache_cluster_azs", zone_names)
        .attr("automatic_failover_enabled", zones > 1)
        .attr("multi_az_enabled", zones > 1)
        .attr("at_rest_encryption_enabled", if *at_rest { "true" } else { "false" })
        .attr_opt("kms_key_id", key.map(|key| doc.at(key, "arn")))
        .attr("transit_encryption_enabled", cache.transit_encryption)
        .attr_opt("auth_token", token)
        .attr("subnet_group_name", doc.at(cache.subnet_group, "name"))
        .attr("security_group_ids", list([doc.at(cache.group, "id")]))
        .attr("snapshot_retention_limit", decisions::CACHE_SNAPSHOT_DAYS)
        .attr("auto_minor_version_upgrade", "true")
        .attr_opt("final_snapshot_identifier", cache.deletion_protection.then(|| format!("{physical}-final")))
        .prevent_destroy(cache.deletion_protection);
    if !cache.encrypted {
        res = res.skip("CKV_AWS_29", "encrypted = false in the source (allowed by profile = dev)");
        if !cache.transit_encryption {
            res = res
                .skip("CKV_AWS_30", "encrypted = false in the source (allowed by profile = dev)")
                .skip("CKV_AWS_31", "encrypted = false in the source: no TLS, so no AUTH token");
        }
    }
    doc.add(id, Area::Data, res);
}

/// A secret the site generates, its value from Secrets Manager's random
/// password: the Moodle database user's credentials (JSON) or the admin's
/// password. Generated once: later runs of the data source are ignored by
/// the secret's version.
pub fn site_secret(doc: &mut Doc<'_>, id: PartId, secret: &SiteSecret) {
    let name = doc.name(id);
    let random = data_ref("aws_secretsmanager_random_password", name, "random_password");
    let (description, password, value, ignore) = match &secret.usage {
        SiteSecretUse::DatabaseUser { username } => (
            "Moodle's database user (the site's config.php reads it at boot)",
            Some(
                Res::data("aws_secretsmanager_random_password", name)
                    .attr("password_length", 32)
                    .attr("exclude_punctuation", true),
            ),
            Expression::from(
                hcl::expr::FuncCall::builder("jsonencode")
                    .arg(super::doc::tags([("username", Expression::from(username.as_str())), ("password", random)]))
                    .build(),
            ),
            true,
        ),
        SiteSecretUse::AdminPassword => (
            "The Moodle admin account's password",
            Some(
                Res::data("aws_secretsmanager_random_password", name)
                    .attr("password_length", 24)
                    .attr("exclude_characters", ADMIN_EXCLUDED)
                    .attr("require_each_included_type", true),
            ),
            random,
            true,
        ),
        // The access key's secret is in the state either way (Terraform
        // keeps every attribute there): the bucket that holds it is private
        // and encrypted.
        SiteSecretUse::SmtpCredentials { user } => (
            "The SES SMTP user's access key (the site derives its SMTP password from it at boot)",
            None,
            Expression::from(
                hcl::expr::FuncCall::builder("jsonencode")
                    .arg(super::doc::tags([
                        ("AccessKeyId", super::doc::reference("aws_iam_access_key", doc.name(*user), "id")),
                        ("SecretAccessKey", super::doc::reference("aws_iam_access_key", doc.name(*user), "secret")),
                    ]))
                    .build(),
            ),
            false,
        ),
    };
    if let Some(password) = password {
        doc.add(id, Area::Data, password);
    }
    doc.add(
        id,
        Area::Data,
        Res::resource("aws_secretsmanager_secret", name)
            .attr("name_prefix", format!("{}-", doc.physical(&[name], 200)))
            .attr("description", description)
            .attr("kms_key_id", doc.at(secret.key, "arn"))
            .skip(
                "CKV2_AWS_57",
                "the site reads this secret when an instance boots; a rotated value would take effect only on the next instance refresh, so mhac generates no rotation function for it",
            )
            .prevent_destroy(secret.keep),
    );
    let version = Res::resource("aws_secretsmanager_secret_version", name)
        .attr("secret_id", doc.at(id, "id"))
        .attr("secret_string", value);
    doc.add(id, Area::Data, if ignore { version.ignore_changes(&["secret_string"]) } else { version });
}

/// Characters the admin's generated password leaves out: quotes,
/// backslash, and what shells and URLs read specially (as CloudFormation's
/// `ExcludeCharacters`).
const ADMIN_EXCLUDED: &str = "\"'`\\$/@ ";
