//! The stateful parts: S3 buckets (Moodle's file pool and the buckets that
//! receive logs) with their policies, RDS databases, EFS file systems and
//! ElastiCache caches.
//!
//! Each is encrypted, private, and kept or snapshotted on delete and on
//! replacement when the plan says so.

use super::intrinsics::{Builder, Resource, assume_role, deny_insecure_transport, managed_policy, sub};
use mhac_compiler::model::Throughput;
use mhac_compiler::plan::{
    AuthToken, Bucket, BucketAccess, BucketPolicy, BucketUse, BucketWriter, Cache, CacheEngineKind, CacheSubnetGroup,
    DbInstance, DbMonitoringRole, DbSubnetGroup, FileSystem, Keep, MountTarget, PartId, SiteSecret, SiteSecretUse,
    decisions,
};
use serde_json::{Map, Value, json};

fn policy(keep: Keep) -> &'static str {
    match keep {
        Keep::Delete => "Delete",
        Keep::Retain => "Retain",
        Keep::Snapshot => "Snapshot",
    }
}

/// A bucket: all four public access blocks, ACLs disabled, server access
/// logs to the access-log bucket, encryption with the deployment's key (or
/// SSE-S3 for log buckets, the only encryption S3 server access logging
/// and ALB log delivery write to), lifecycle rules.
pub(crate) fn bucket(b: &mut Builder<'_>, id: PartId, bucket: &Bucket) {
    let mut properties = Map::new();
    let default = match bucket.key {
        Some(key) => json!({ "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": b.get_att(key, "Arn") }),
        None => json!({ "SSEAlgorithm": "AES256" }),
    };
    properties.insert(
        "BucketEncryption".into(),
        json!({ "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket.key.is_some() }] }),
    );
    properties.insert(
        "PublicAccessBlockConfiguration".into(),
        json!({ "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true }),
    );
    properties.insert("OwnershipControls".into(), json!({ "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] }));
    if let Some((logs, prefix)) = &bucket.logging {
        properties.insert(
            "LoggingConfiguration".into(),
            json!({ "DestinationBucketName": b.r(*logs), "LogFilePrefix": prefix }),
        );
    }
    let mut skips = Vec::new();
    match &bucket.usage {
        BucketUse::AccessLogs | BucketUse::LoadBalancerLogs { .. } => {
            properties.insert("VersioningConfiguration".into(), json!({ "Status": "Enabled" }));
            properties.insert(
                "LifecycleConfiguration".into(),
                json!({ "Rules": [{
                    "Id": "expire-logs",
                    "Status": "Enabled",
                    "ExpirationInDays": bucket.expire_days,
                    "NoncurrentVersionExpiration": { "NoncurrentDays": bucket.noncurrent_days },
                    "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": bucket.abort_days },
                }] }),
            );
            if bucket.usage == BucketUse::AccessLogs {
                skips.push((
                    "CKV_AWS_18",
                    "this bucket receives the server access logs of the other buckets; logging it would log into itself",
                ));
            }
        }
        BucketUse::Objects { .. } => {
            let mut rules = Vec::new();
            if let (true, Some(days)) = (bucket.versioning, bucket.noncurrent_days) {
                properties.insert("VersioningConfiguration".into(), json!({ "Status": "Enabled" }));
                rules.push(json!({
                    "Id": "expire-noncurrent-versions",
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": { "NoncurrentDays": days },
                }));
            }
            rules.push(json!({
                "Id": "abort-incomplete-uploads",
                "Status": "Enabled",
                "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": bucket.abort_days },
            }));
            properties.insert("LifecycleConfiguration".into(), json!({ "Rules": rules }));
            if !bucket.versioning {
                skips.push(("CKV_AWS_21", "the source turns versioning off (`versioning = false`)"));
            }
        }
    }
    properties.insert("Tags".into(), b.tags(None));
    let mut resource = Resource::new("AWS::S3::Bucket", Value::Object(properties)).keep(policy(bucket.keep));
    for (check, reason) in skips {
        resource = resource.skip(check, reason);
    }
    b.add(id, b.id(id), resource);
}

/// A bucket's policy: every request without TLS is denied, and the log
/// writer (if any) may put objects.
pub(crate) fn bucket_policy(b: &mut Builder<'_>, id: PartId, bucket_policy: &BucketPolicy) {
    let bucket = b.id(bucket_policy.bucket);
    let objects = sub(&format!("arn:${{AWS::Partition}}:s3:::${{{bucket}}}/*"));
    let deny = deny_insecure_transport("s3:*", json!([b.get_att(bucket_policy.bucket, "Arn"), objects.clone()]));
    let statements = match &bucket_policy.writer {
        BucketWriter::None => vec![deny],
        BucketWriter::S3Logging => vec![
            json!({
                "Sid": "S3WritesServerAccessLogs",
                "Effect": "Allow",
                "Principal": { "Service": "logging.s3.amazonaws.com" },
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
            }),
            deny,
        ],
        // Regions older than August 2022 deliver through an ELB account of
        // the region; newer ones through the log-delivery service.
        BucketWriter::LoadBalancer { elb_account } => {
            let principal = match elb_account {
                Some(account) => json!({ "AWS": sub(&format!("arn:${{AWS::Partition}}:iam::{account}:root")) }),
                None => json!({ "Service": "logdelivery.elasticloadbalancing.amazonaws.com" }),
            };
            vec![
                json!({
                    "Sid": "LoadBalancerWritesAccessLogs",
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": "s3:PutObject",
                    "Resource": sub(&format!("arn:${{AWS::Partition}}:s3:::${{{bucket}}}/AWSLogs/${{AWS::AccountId}}/*")),
                }),
                deny,
            ]
        }
    };
    let resource = Resource::new(
        "AWS::S3::BucketPolicy",
        json!({
            "Bucket": b.r(bucket_policy.bucket),
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements }
        }),
    );
    b.add(id, b.id(id), resource);
}

/// App servers may list the bucket and read, write and delete its objects
/// (through the deployment's key).
pub(crate) fn bucket_access(b: &mut Builder<'_>, id: PartId, access: &BucketAccess) {
    let bucket = b.id(access.bucket);
    let roles: Vec<Value> = access.roles.iter().map(|(role, _)| b.r(*role)).collect();
    let resource = Resource::new(
        "AWS::IAM::Policy",
        json!({
            "PolicyName": format!("{}-objects", access.name),
            "Roles": roles,
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    { "Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": b.get_att(access.bucket, "Arn") },
                    {
                        "Sid": "ReadWriteObjects",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                        "Resource": sub(&format!("arn:${{AWS::Partition}}:s3:::${{{bucket}}}/*"))
                    },
                    {
                        "Sid": "UseTheBucketKey",
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Resource": b.get_att(access.key, "Arn")
                    }
                ]
            }
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn db_subnet_group(b: &mut Builder<'_>, id: PartId, group: &DbSubnetGroup) {
    let subnets: Vec<Value> = group.subnets.iter().map(|subnet| b.r(*subnet)).collect();
    let resource = Resource::new(
        "AWS::RDS::DBSubnetGroup",
        json!({
            "DBSubnetGroupDescription": format!("Subnets of database {}", group.database),
            "SubnetIds": subnets,
            "Tags": b.tags(None),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn db_monitoring_role(b: &mut Builder<'_>, id: PartId, role: &DbMonitoringRole) {
    let resource = Resource::new(
        "AWS::IAM::Role",
        json!({
            "Description": format!("Enhanced monitoring of database {}", role.database),
            "AssumeRolePolicyDocument": assume_role("monitoring.rds.amazonaws.com"),
            "ManagedPolicyArns": [managed_policy("service-role/AmazonRDSEnhancedMonitoringRole")],
            "Tags": b.tags(None),
        }),
    );
    b.add(id, b.id(id), resource);
}

/// A Multi-AZ RDS instance: encrypted, private, master password managed by
/// RDS in Secrets Manager, backups, enhanced monitoring, Performance
/// Insights (encrypted with the deployment's key), log exports.
///
/// No custom parameter group (which could require TLS of every client), in
/// either printer: moto 5.2.1, the local AWS the deployment tests create
/// every example in, cannot create an instance that names one. A `Ref` or
/// `Fn::Sub` to the group resolves to moto's Python object, `Fn::GetAtt` is
/// not implemented, and moto ignores the group's `DBParameterGroupName`
/// (it names the group `STACK-LOGICALID-RANDOM`), so no template shape
/// reaches `CREATE_COMPLETE`. The instance keeps the engine's default
/// group: PostgreSQL 15 and later already require TLS there
/// (`rds.force_ssl = 1`); MySQL and MariaDB accept TLS, and Moodle's
/// `$CFG->dboptions` should ask for it.
pub(crate) fn db_instance(b: &mut Builder<'_>, id: PartId, db: &DbInstance) {
    let mut properties = json!({
        "Engine": db.rds_engine,
        "EngineVersion": db.pinned_version,
        "DBInstanceClass": db.class,
        "AllocatedStorage": db.storage_gb.to_string(),
        "StorageType": "gp3",
        "StorageEncrypted": db.encrypted,
        "MultiAZ": db.multi_az,
        "DBName": db.db_name,
        "MasterUsername": db.username,
        "ManageMasterUserPassword": true,
        "DBSubnetGroupName": b.r(db.subnet_group),
        "VPCSecurityGroups": [b.get_att(db.group, "GroupId")],
        "PubliclyAccessible": false,
        "BackupRetentionPeriod": db.backup_days,
        "DeletionProtection": db.deletion_protection,
        "CopyTagsToSnapshot": true,
        "EnableIAMDatabaseAuthentication": true,
        "EnableCloudwatchLogsExports": db.log_exports,
        "MonitoringInterval": decisions::DB_MONITORING_INTERVAL,
        "MonitoringRoleArn": b.get_att(db.monitoring_role, "Arn"),
        "EnablePerformanceInsights": db.performance_insights.is_some(),
        "AutoMinorVersionUpgrade": true,
        "Tags": b.tags(None),
    });
    if let (Some(key), Some(object)) = (db.performance_insights, properties.as_object_mut()) {
        object.insert("PerformanceInsightsRetentionPeriod".into(), json!(decisions::PERFORMANCE_INSIGHTS_DAYS));
        object.insert("PerformanceInsightsKMSKeyId".into(), b.get_att(key, "Arn"));
    }
    let keep = if db.deletion_protection { Keep::Snapshot } else { Keep::Delete };
    let mut instance = Resource::new("AWS::RDS::DBInstance", properties).keep(policy(keep));
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
    b.add(id, b.id(id), instance);
}

/// An EFS file system (encrypted with the deployment's key) whose policy
/// refuses every connection not made over TLS.
pub(crate) fn file_system(b: &mut Builder<'_>, id: PartId, fs: &FileSystem) {
    let mut properties = json!({
            "Encrypted": fs.key.is_some(),
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
    if let (Some(key), Some(object)) = (fs.key, properties.as_object_mut()) {
        object.insert("KmsKeyId".into(), b.get_att(key, "Arn"));
    }
    let keep = if fs.keep { Keep::Retain } else { Keep::Delete };
    let mut resource = Resource::new("AWS::EFS::FileSystem", properties).keep(policy(keep));
    if fs.key.is_none() {
        resource = resource.skip(
            "CKV_AWS_42",
            "the source turns encryption off (`encrypted = false`, allowed by the dev profile, MHA602)",
        );
    }
    b.add(id, b.id(id), resource);
}

pub(crate) fn mount_target(b: &mut Builder<'_>, id: PartId, target: &MountTarget) {
    let resource = Resource::new(
        "AWS::EFS::MountTarget",
        json!({
            "FileSystemId": b.r(target.file_system),
            "SubnetId": b.r(target.subnet),
            "SecurityGroups": [b.get_att(target.group, "GroupId")],
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn cache_subnet_group(b: &mut Builder<'_>, id: PartId, group: &CacheSubnetGroup) {
    let subnets: Vec<Value> = group.subnets.iter().map(|subnet| b.r(*subnet)).collect();
    let resource = Resource::new(
        "AWS::ElastiCache::SubnetGroup",
        json!({
            "Description": format!("Subnets of cache {}", group.cache),
            "SubnetIds": subnets,
            "Tags": b.tags(None),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn auth_token(b: &mut Builder<'_>, id: PartId, token: &AuthToken) {
    let keep = if token.keep { Keep::Retain } else { Keep::Delete };
    let resource = Resource::new(
        "AWS::SecretsManager::Secret",
        json!({
            "Description": format!("AUTH token of cache {}", token.cache),
            "KmsKeyId": b.r(token.key),
            "GenerateSecretString": { "PasswordLength": 64, "ExcludePunctuation": true },
            "Tags": b.tags(None),
        }),
    )
    .keep(policy(keep));
    b.add(id, b.id(id), resource);
}

/// An ElastiCache replication group (Redis, Valkey) with one node per zone,
/// automatic failover and encryption, or a Memcached cluster across zones.
pub(crate) fn cache(b: &mut Builder<'_>, id: PartId, cache: &Cache) {
    let zones: Vec<Value> = cache.zones.iter().map(|zone| b.zone(*zone)).collect();
    let nodes = zones.len();
    let several = nodes >= 2;
    let mut properties = Map::new();
    let CacheEngineKind::Replicated { engine, at_rest, key, auth_token } = &cache.engine else {
        properties.insert("Engine".into(), json!("memcached"));
        if let Some(version) = &cache.version {
            properties.insert("EngineVersion".into(), json!(version));
        }
        properties.insert("CacheNodeType".into(), json!(cache.node_type));
        properties.insert("NumCacheNodes".into(), json!(nodes));
        properties.insert("AZMode".into(), json!(if several { "cross-az" } else { "single-az" }));
        properties.insert("PreferredAvailabilityZones".into(), json!(zones));
        properties.insert("CacheSubnetGroupName".into(), b.r(cache.subnet_group));
        properties.insert("VpcSecurityGroupIds".into(), json!([b.get_att(cache.group, "GroupId")]));
        properties.insert("TransitEncryptionEnabled".into(), json!(cache.transit_encryption));
        properties.insert("AutoMinorVersionUpgrade".into(), json!(true));
        properties.insert("Tags".into(), b.tags(None));
        let resource = Resource::new("AWS::ElastiCache::CacheCluster", Value::Object(properties)).keep("Delete");
        b.add(id, b.id(id), resource);
        return;
    };
    properties.insert(
        "ReplicationGroupDescription".into(),
        json!(format!("Cache {} of {}", cache.name, b.plan.deployment.name)),
    );
    properties.insert("Engine".into(), json!(engine));
    if let Some(version) = &cache.version {
        properties.insert("EngineVersion".into(), json!(version));
    }
    properties.insert("CacheNodeType".into(), json!(cache.node_type));
    properties.insert("NumCacheClusters".into(), json!(nodes));
    properties.insert("PreferredCacheClusterAZs".into(), json!(zones));
    properties.insert("MultiAZEnabled".into(), json!(several));
    properties.insert("AutomaticFailoverEnabled".into(), json!(several));
    properties.insert("AtRestEncryptionEnabled".into(), json!(at_rest));
    if let Some(key) = key {
        properties.insert("KmsKeyId".into(), b.get_att(*key, "Arn"));
    }
    properties.insert("TransitEncryptionEnabled".into(), json!(cache.transit_encryption));
    if let Some(token) = auth_token {
        properties.insert("AuthToken".into(), sub(&format!("{{{{resolve:secretsmanager:${{{}}}}}}}", b.id(*token))));
    }
    properties.insert("CacheSubnetGroupName".into(), b.r(cache.subnet_group));
    properties.insert("SecurityGroupIds".into(), json!([b.get_att(cache.group, "GroupId")]));
    properties.insert("SnapshotRetentionLimit".into(), json!(decisions::CACHE_SNAPSHOT_DAYS));
    properties.insert("AutoMinorVersionUpgrade".into(), json!(true));
    properties.insert("Tags".into(), b.tags(None));
    let keep = if cache.deletion_protection { Keep::Snapshot } else { Keep::Delete };
    let mut resource =
        Resource::new("AWS::ElastiCache::ReplicationGroup", Value::Object(properties)).keep(policy(keep));
    if !cache.encrypted {
        let reason = "the source turns encryption off (`encrypted = false`, allowed by the dev profile, MHA602)";
        resource = resource.skip("CKV_AWS_29", reason);
        if !cache.transit_encryption {
            resource = resource.skip("CKV_AWS_30", reason).skip("CKV_AWS_31", reason);
        }
    }
    b.add(id, b.id(id), resource);
}

/// A secret the site generates: the Moodle database user's credentials
/// (JSON, letters and digits) or the admin's password (every character
/// class, none of the characters shells and URLs treat specially).
pub(crate) fn site_secret(b: &mut Builder<'_>, id: PartId, secret: &SiteSecret) {
    let (description, value) = match &secret.usage {
        SiteSecretUse::DatabaseUser { username } => (
            "Moodle's database user (the site's config.php reads it at boot)".to_string(),
            (
                "GenerateSecretString",
                json!({
                    "SecretStringTemplate": json!({ "username": username }).to_string(),
                    "GenerateStringKey": "password",
                    "PasswordLength": 32,
                    "ExcludePunctuation": true,
                }),
            ),
        ),
        SiteSecretUse::AdminPassword => (
            "The Moodle admin account's password".to_string(),
            (
                "GenerateSecretString",
                json!({ "PasswordLength": 24, "ExcludeCharacters": ADMIN_EXCLUDED, "RequireEachIncludedType": true }),
            ),
        ),
        SiteSecretUse::SmtpCredentials { user } => {
            let key = mhac_compiler::plan::identity::cfn_access_key(b.id(*user));
            (
                "The SES SMTP user's access key (the site derives its SMTP password from it at boot)".to_string(),
                (
                    "SecretString",
                    sub(&format!(
                        "{{\"AccessKeyId\":\"${{{key}}}\",\"SecretAccessKey\":\"${{{key}.SecretAccessKey}}\"}}"
                    )),
                ),
            )
        }
    };
    let keep = if secret.keep { Keep::Retain } else { Keep::Delete };
    let mut properties = json!({
        "Description": description,
        "KmsKeyId": b.r(secret.key),
        "Tags": b.tags(None),
    });
    properties[value.0] = value.1;
    let resource = Resource::new("AWS::SecretsManager::Secret", properties).keep(policy(keep));
    b.add(id, b.id(id), resource);
}

/// Characters the admin's generated password leaves out: quotes,
/// backslash, and what shells and URLs read specially.
pub(crate) const ADMIN_EXCLUDED: &str = "\"'`\\$/@ ";
