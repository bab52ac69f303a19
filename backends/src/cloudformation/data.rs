//! The stateful components: RDS databases, EFS file systems, ElastiCache
//! caches, S3 buckets (Moodle's file pool), and the buckets that receive
//! access logs.
//!
//! Each is encrypted, private, and kept or snapshotted on delete and on
//! replacement when its `deletion_protection` is on (the default in `prod`).

use super::intrinsics::{
    Builder, Id, Resource, assume_role, deny_insecure_transport, get_att, managed_policy, origin, r, sub, zone_id,
};
use super::{compute, monitoring, network, security};
use crate::decisions;
use mhac_compiler::model::{Bucket, Cache, CacheEngine, Database, FileSystem, Throughput};
use mhac_compiler::stdlib::stdlib;
use serde_json::{Value, json};

/// The bucket that receives the S3 server access logs of every other bucket.
pub(crate) const ACCESS_LOGS: &str = "S3AccessLogs";

/// A database's instance.
pub(crate) fn db_instance(db: &Database) -> String {
    Id::of(&db.name, "Instance").id()
}

/// A file system.
pub(crate) fn file_system(fs: &FileSystem) -> String {
    Id::of(&fs.name, "FileSystem").id()
}

/// A cache's replication group (Redis, Valkey) or cluster (Memcached).
pub(crate) fn cache(cache: &Cache) -> String {
    let suffix = if cache.engine == CacheEngine::Memcached { "CacheCluster" } else { "ReplicationGroup" };
    Id::of(&cache.name, suffix).id()
}

/// An object storage bucket.
pub(crate) fn bucket(bucket: &Bucket) -> String {
    Id::of(&bucket.name, "Bucket").id()
}

fn keep(deletion_protection: bool, protected: &'static str) -> &'static str {
    if deletion_protection { protected } else { "Delete" }
}

/// The properties every bucket shares: all four public access blocks, ACLs
/// disabled, and server access logs under `prefix` (`None` for the
/// access-log bucket itself); encryption with the deployment's key
/// (`kms`), or SSE-S3 for log buckets (the only encryption S3 server access
/// logging and ALB log delivery write to).
fn bucket_properties(logging_prefix: Option<&str>, kms: bool) -> serde_json::Map<String, Value> {
    let mut properties = serde_json::Map::new();
    let default = if kms {
        json!({ "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": get_att(monitoring::KEY, "Arn") })
    } else {
        json!({ "SSEAlgorithm": "AES256" })
    };
    properties.insert(
        "BucketEncryption".into(),
        json!({ "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": default, "BucketKeyEnabled": kms }] }),
    );
    properties.insert(
        "PublicAccessBlockConfiguration".into(),
        json!({ "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true }),
    );
    properties.insert("OwnershipControls".into(), json!({ "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] }));
    if let Some(prefix) = logging_prefix {
        properties.insert(
            "LoggingConfiguration".into(),
            json!({ "DestinationBucketName": r(ACCESS_LOGS), "LogFilePrefix": prefix }),
        );
    }
    properties
}

/// A bucket that receives logs: versioned, logs expire after the log
/// retention and old versions after a day; its own access logs go to the
/// access-log bucket under `logging_prefix`.
pub(crate) fn log_bucket(b: &Builder<'_>, logging_prefix: &str) -> Resource {
    let mut properties = bucket_properties(Some(logging_prefix), false);
    log_bucket_rules(b, &mut properties);
    Resource::new("AWS::S3::Bucket", Value::Object(properties))
}

fn log_bucket_rules(b: &Builder<'_>, properties: &mut serde_json::Map<String, Value>) {
    properties.insert("VersioningConfiguration".into(), json!({ "Status": "Enabled" }));
    properties.insert(
        "LifecycleConfiguration".into(),
        json!({ "Rules": [{
            "Id": "expire-logs",
            "Status": "Enabled",
            "ExpirationInDays": b.model.monitoring.retention_days,
            "NoncurrentVersionExpiration": { "NoncurrentDays": decisions::LOG_NONCURRENT_DAYS },
            "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": decisions::LOG_ABORT_UPLOAD_DAYS },
        }] }),
    );
    properties.insert("Tags".into(), b.tags(None));
}

/// Add every stateful component, and the access-log bucket they share.
pub(crate) fn build(b: &mut Builder<'_>) {
    let model = b.model;
    if decisions::access_log_bucket_needed(model) {
        access_log_bucket(b);
    }
    for db in &model.databases {
        database(b, db);
    }
    for fs in &model.file_systems {
        efs(b, fs);
    }
    for c in &model.caches {
        elasticache(b, c);
    }
    for bucket in &model.buckets {
        object_storage(b, bucket);
    }
}

/// The bucket S3 delivers server access logs to. Logging it into itself
/// would loop, so its own access logging is the one check it skips.
fn access_log_bucket(b: &mut Builder<'_>) {
    let model = b.model;
    let at =
        super::Origin { kind: "deployment", name: model.deployment.name.text.clone(), span: model.deployment.span };
    let mut properties = bucket_properties(None, false);
    log_bucket_rules(b, &mut properties);
    b.add(
        Id::single(ACCESS_LOGS),
        at.clone(),
        Resource::new("AWS::S3::Bucket", Value::Object(properties)).keep(monitoring::profile_policy(model)).skip(
            "CKV_AWS_18",
            "this bucket receives the server access logs of the other buckets; logging it would log into itself",
        ),
    );
    b.add(
        Id::single("S3AccessLogsPolicy"),
        at,
        Resource::new(
            "AWS::S3::BucketPolicy",
            json!({
                "Bucket": r(ACCESS_LOGS),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "S3WritesServerAccessLogs",
                            "Effect": "Allow",
                            "Principal": { "Service": "logging.s3.amazonaws.com" },
                            "Action": "s3:PutObject",
                            "Resource": sub(&format!("arn:${{AWS::Partition}}:s3:::${{{ACCESS_LOGS}}}/*")),
                            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
                        },
                        deny_insecure_transport("s3:*", json!([
                            get_att(ACCESS_LOGS, "Arn"),
                            sub(&format!("arn:${{AWS::Partition}}:s3:::${{{ACCESS_LOGS}}}/*")),
                        ])),
                    ]
                }
            }),
        ),
    );
}

/// A Multi-AZ RDS instance: encrypted, private, master password managed by
/// RDS in Secrets Manager, backups, enhanced monitoring, Performance
/// Insights (encrypted with the deployment's key), log exports.
///
/// No custom parameter group (which could require TLS of every client), in
/// either backend: moto 5.2.1, the local AWS the deployment tests create
/// every example in, cannot create an instance that names one. A `Ref` or
/// `Fn::Sub` to the group resolves to moto's Python object, `Fn::GetAtt` is
/// not implemented, and moto ignores the group's `DBParameterGroupName`
/// (it names the group `STACK-LOGICALID-RANDOM`), so no template shape
/// reaches `CREATE_COMPLETE`. The instance keeps the engine's default
/// group: PostgreSQL 15 and later already require TLS there
/// (`rds.force_ssl = 1`); MySQL and MariaDB accept TLS, and Moodle's
/// `$CFG->dboptions` should ask for it.
fn database(b: &mut Builder<'_>, db: &Database) {
    let model = b.model;
    let at = origin("database", &db.name, db.span);
    let facts = stdlib().services.engines.get(db.engine.as_str());
    let subnets = b.add(
        Id::of(&db.name, "SubnetGroup"),
        at.clone(),
        Resource::new(
            "AWS::RDS::DBSubnetGroup",
            json!({
                "DBSubnetGroupDescription": format!("Subnets of database {}", db.name.as_str()),
                "SubnetIds": network::subnet_refs(model, db.tier),
                "Tags": b.tags(None),
            }),
        ),
    );
    let monitoring_role = b.add(
        Id::of(&db.name, "MonitoringRole"),
        at.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("Enhanced monitoring of database {}", db.name.as_str()),
                "AssumeRolePolicyDocument": assume_role("monitoring.rds.amazonaws.com"),
                "ManagedPolicyArns": [managed_policy("service-role/AmazonRDSEnhancedMonitoringRole")],
                "Tags": b.tags(None),
            }),
        ),
    );
    let engine = facts.and_then(|f| f.rds_engine.clone()).unwrap_or_else(|| db.engine.as_str().to_string());
    let exports = facts.map(|f| f.log_exports.clone()).unwrap_or_default();
    let mut properties = json!({
        "Engine": engine,
        "EngineVersion": facts.map_or_else(|| db.version.clone(), |f| f.rds_version(&db.version)),
        "DBInstanceClass": db.class,
        "AllocatedStorage": db.storage_gb.to_string(),
        "StorageType": "gp3",
        "StorageEncrypted": db.encrypted,
        "MultiAZ": db.multi_az,
        "DBName": db.db_name,
        "MasterUsername": db.username,
        "ManageMasterUserPassword": true,
        "DBSubnetGroupName": r(&subnets),
        "VPCSecurityGroups": [security::group_id(model, db.security_group)],
        "PubliclyAccessible": false,
        "BackupRetentionPeriod": db.backup_days,
        "DeletionProtection": db.deletion_protection,
        "CopyTagsToSnapshot": true,
        "EnableIAMDatabaseAuthentication": true,
        "EnableCloudwatchLogsExports": exports,
        "MonitoringInterval": decisions::DB_MONITORING_INTERVAL,
        "MonitoringRoleArn": get_att(&monitoring_role, "Arn"),
        "EnablePerformanceInsights": db.performance_insights,
        "AutoMinorVersionUpgrade": true,
        "Tags": b.tags(None),
    });
    if db.performance_insights
        && let Some(object) = properties.as_object_mut()
    {
        object.insert("PerformanceInsightsRetentionPeriod".into(), json!(decisions::PERFORMANCE_INSIGHTS_DAYS));
        object.insert("PerformanceInsightsKMSKeyId".into(), get_att(monitoring::KEY, "Arn"));
    }
    let mut instance = Resource::new("AWS::RDS::DBInstance", properties).keep(keep(db.deletion_protection, "Snapshot"));
    if !db.multi_az {
        instance = instance.skip(
            "CKV_AWS_157",
            "the source turns Multi-AZ off (`multi_az = false`, allowed by the dev profile, MHA305)",
        );
    }
    if !db.encrypted {
        instance = instance.skip(
            "CKV_AWS_16",
            "the source turns encryption off (`encrypted = false`, allowed by the dev profile, MHA602)",
        );
    }
    b.add(Id::of(&db.name, "Instance"), at, instance);
}

/// An EFS file system (encrypted with the deployment's key) with a mount
/// target per zone; its policy refuses every connection not made over TLS.
fn efs(b: &mut Builder<'_>, fs: &FileSystem) {
    let model = b.model;
    let at = origin("file_system", &fs.name, fs.span);
    let mut properties = json!({
            "Encrypted": fs.encrypted,
            "PerformanceMode": "generalPurpose",
            "ThroughputMode": match fs.throughput { Throughput::Elastic => "elastic", Throughput::Bursting => "bursting" },
            "BackupPolicy": { "Status": if fs.backup { "ENABLED" } else { "DISABLED" } },
            "FileSystemPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "MountThroughMountTargets",
                        "Effect": "Allow",
                        "Principal": { "AWS": "*" },
                        "Action": [
                            "elasticfilesystem:ClientMount",
                            "elasticfilesystem:ClientWrite",
                            "elasticfilesystem:ClientRootAccess"
                        ],
                        "Condition": { "Bool": { "elasticfilesystem:AccessedViaMountTarget": "true" } }
                    },
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": { "AWS": "*" },
                        "Action": "*",
                        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                    }
                ]
            },
            "FileSystemTags": b.tags(Some(b.name_tag(&[fs.name.as_str()]))),
    });
    if fs.encrypted
        && let Some(object) = properties.as_object_mut()
    {
        object.insert("KmsKeyId".into(), get_att(monitoring::KEY, "Arn"));
    }
    let mut resource = Resource::new("AWS::EFS::FileSystem", properties).keep(keep(fs.deletion_protection, "Retain"));
    if !fs.encrypted {
        resource = resource.skip(
            "CKV_AWS_42",
            "the source turns encryption off (`encrypted = false`, allowed by the dev profile, MHA602)",
        );
    }
    let id = b.add(Id::of(&fs.name, "FileSystem"), at.clone(), resource);
    let tier = &model.network.tiers[fs.tier];
    for (i, subnet) in tier.subnets.iter().enumerate() {
        b.add(
            Id::of(&fs.name, &format!("MountTarget{}", zone_id(&model.deployment.zones[subnet.zone]))),
            at.clone(),
            Resource::new(
                "AWS::EFS::MountTarget",
                json!({
                    "FileSystemId": r(&id),
                    "SubnetId": r(&network::subnet(model, fs.tier, i)),
                    "SecurityGroups": [security::group_id(model, fs.security_group)],
                }),
            ),
        );
    }
}

/// An ElastiCache replication group (Redis, Valkey) with one node per zone,
/// automatic failover and encryption, or a Memcached cluster across zones.
fn elasticache(b: &mut Builder<'_>, c: &Cache) {
    let model = b.model;
    let at = origin("cache", &c.name, c.span);
    let subnets = b.add(
        Id::of(&c.name, "SubnetGroup"),
        at.clone(),
        Resource::new(
            "AWS::ElastiCache::SubnetGroup",
            json!({
                "Description": format!("Subnets of cache {}", c.name.as_str()),
                "SubnetIds": network::subnet_refs(model, c.tier),
                "Tags": b.tags(None),
            }),
        ),
    );
    let zones: Vec<Value> =
        model.network.tiers[c.tier].subnets.iter().map(|s| r(&network::zone_parameter(model, s.zone))).collect();
    let nodes = zones.len();
    let several = nodes >= 2;
    let mut properties = serde_json::Map::new();
    if c.engine == CacheEngine::Memcached {
        properties.insert("Engine".into(), json!("memcached"));
        if let Some(version) = &c.version {
            properties.insert("EngineVersion".into(), json!(version));
        }
        properties.insert("CacheNodeType".into(), json!(c.node_type));
        properties.insert("NumCacheNodes".into(), json!(nodes));
        properties.insert("AZMode".into(), json!(if several { "cross-az" } else { "single-az" }));
        properties.insert("PreferredAvailabilityZones".into(), json!(zones));
        properties.insert("CacheSubnetGroupName".into(), r(&subnets));
        properties.insert("VpcSecurityGroupIds".into(), json!([security::group_id(model, c.security_group)]));
        properties.insert("TransitEncryptionEnabled".into(), json!(decisions::transit_encryption(c)));
        properties.insert("AutoMinorVersionUpgrade".into(), json!(true));
        properties.insert("Tags".into(), b.tags(None));
        b.add(
            Id::of(&c.name, "CacheCluster"),
            at,
            Resource::new("AWS::ElastiCache::CacheCluster", Value::Object(properties)).keep("Delete"),
        );
        return;
    }
    let token = if decisions::has_auth_token(c) {
        Some(
            b.add(
                Id::of(&c.name, "AuthToken"),
                at.clone(),
                Resource::new(
                    "AWS::SecretsManager::Secret",
                    json!({
                        "Description": format!("AUTH token of cache {}", c.name.as_str()),
                        "KmsKeyId": r(monitoring::KEY),
                        "GenerateSecretString": { "PasswordLength": 64, "ExcludePunctuation": true },
                        "Tags": b.tags(None),
                    }),
                )
                .keep(keep(c.deletion_protection, "Retain")),
            ),
        )
    } else {
        None
    };
    let transit = decisions::transit_encryption(c);
    properties.insert(
        "ReplicationGroupDescription".into(),
        json!(format!("Cache {} of {}", c.name.as_str(), model.deployment.name.text)),
    );
    properties.insert("Engine".into(), json!(c.engine.as_str()));
    if let Some(version) = &c.version {
        properties.insert("EngineVersion".into(), json!(version));
    }
    properties.insert("CacheNodeType".into(), json!(c.node_type));
    properties.insert("NumCacheClusters".into(), json!(nodes));
    properties.insert("PreferredCacheClusterAZs".into(), json!(zones));
    properties.insert("MultiAZEnabled".into(), json!(several));
    properties.insert("AutomaticFailoverEnabled".into(), json!(several));
    properties.insert("AtRestEncryptionEnabled".into(), json!(c.encrypted));
    if decisions::cache_at_rest_key(c) {
        properties.insert("KmsKeyId".into(), get_att(monitoring::KEY, "Arn"));
    }
    properties.insert("TransitEncryptionEnabled".into(), json!(transit));
    if let Some(token) = &token {
        properties.insert("AuthToken".into(), sub(&format!("{{{{resolve:secretsmanager:${{{token}}}}}}}")));
    }
    properties.insert("CacheSubnetGroupName".into(), r(&subnets));
    properties.insert("SecurityGroupIds".into(), json!([security::group_id(model, c.security_group)]));
    properties.insert("SnapshotRetentionLimit".into(), json!(decisions::CACHE_SNAPSHOT_DAYS));
    properties.insert("AutoMinorVersionUpgrade".into(), json!(true));
    properties.insert("Tags".into(), b.tags(None));
    let mut resource = Resource::new("AWS::ElastiCache::ReplicationGroup", Value::Object(properties))
        .keep(keep(c.deletion_protection, "Snapshot"));
    if !c.encrypted {
        let reason = "the source turns encryption off (`encrypted = false`, allowed by the dev profile, MHA602)";
        resource = resource.skip("CKV_AWS_29", reason);
        if !transit {
            resource = resource.skip("CKV_AWS_30", reason).skip("CKV_AWS_31", reason);
        }
    }
    b.add(Id::of(&c.name, "ReplicationGroup"), at, resource);
}

/// An S3 bucket for Moodle's file pool: encrypted with the deployment's
/// key, private, versioned, TLS only, with lifecycle rules and access logs;
/// app servers may read and write it.
fn object_storage(b: &mut Builder<'_>, bucket: &Bucket) {
    let model = b.model;
    let at = origin("object_storage", &bucket.name, bucket.span);
    let mut properties = bucket_properties(Some(&format!("{}/", bucket.name.as_str())), true);
    let mut rules = Vec::new();
    if bucket.versioning {
        properties.insert("VersioningConfiguration".into(), json!({ "Status": "Enabled" }));
        rules.push(json!({
            "Id": "expire-noncurrent-versions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": { "NoncurrentDays": bucket.expire_noncurrent_days },
        }));
    }
    rules.push(json!({
        "Id": "abort-incomplete-uploads",
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": decisions::ABORT_UPLOAD_DAYS },
    }));
    properties.insert("LifecycleConfiguration".into(), json!({ "Rules": rules }));
    properties.insert("Tags".into(), b.tags(None));
    let mut resource =
        Resource::new("AWS::S3::Bucket", Value::Object(properties)).keep(keep(bucket.deletion_protection, "Retain"));
    if !bucket.versioning {
        resource = resource.skip("CKV_AWS_21", "the source turns versioning off (`versioning = false`)");
    }
    let id = b.add(Id::of(&bucket.name, "Bucket"), at.clone(), resource);
    let objects = sub(&format!("arn:${{AWS::Partition}}:s3:::${{{id}}}/*"));
    b.add(
        Id::of(&bucket.name, "BucketPolicy"),
        at.clone(),
        Resource::new(
            "AWS::S3::BucketPolicy",
            json!({
                "Bucket": r(&id),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [deny_insecure_transport("s3:*", json!([get_att(&id, "Arn"), objects.clone()]))]
                }
            }),
        ),
    );
    if model.app_servers.is_empty() {
        return;
    }
    let roles: Vec<Value> = model.app_servers.iter().map(|app| r(&compute::instance_role(app))).collect();
    b.add(
        Id::of(&bucket.name, "AccessPolicy"),
        at,
        Resource::new(
            "AWS::IAM::Policy",
            json!({
                "PolicyName": format!("{}-objects", bucket.name.as_str()),
                "Roles": roles,
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        { "Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": get_att(&id, "Arn") },
                        {
                            "Sid": "ReadWriteObjects",
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                            "Resource": objects
                        },
                        {
                            "Sid": "UseTheBucketKey",
                            "Effect": "Allow",
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                            "Resource": get_att(monitoring::KEY, "Arn")
                        }
                    ]
                }
            }),
        ),
    );
}
